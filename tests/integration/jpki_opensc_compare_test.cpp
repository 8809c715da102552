// onshi against OpenSC, the independent implementation (test-rigs.md §2), on the same emulated
// card behind the same pcscd: the same certificate bytes, the same tries left whichever side
// spent a try, and byte-identical RSA signatures (PKCS#1 v1.5 is deterministic) that verify with
// the certificate onshi read. The invented P-384 and PIN-less variants stay out: OpenSC does not
// know them.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <thread>

#include "jpki_rig.hpp"
#include "onshi/pcsc/jpki_pin_sign.hpp"
#include "onshi/sim/tool_run.hpp"

namespace onshi::test {
namespace {

namespace jpki = pcsc::jpki;
using sim::ToolRun;

ToolRun run(const std::string& command) { return sim::run_tool(command); }

Bytes read_binary_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class JpkiVsOpensc : public JpkiRig {
 protected:
  void SetUp() override {
    JpkiRig::SetUp();
    if (on_hardware()) return;
    for (const char* tool : {"pkcs15-tool", "pkcs11-tool", "openssl"}) {
      ASSERT_EQ(run(std::string("command -v ") + tool).status, 0)
          << tool << " missing (scripts/install-deps.sh test)";
    }
    // Not persona_dir(): that is empty when ctest shares one persona set (work_ would be relative).
    work_ = std::filesystem::temp_directory_path() / ("onshi-cmp-" + std::to_string(::getpid()));
    std::filesystem::create_directories(work_);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(work_, ec);
    JpkiRig::TearDown();
  }

  Bytes onshi_certificate() {
    auto card = connect();
    EXPECT_TRUE(card);
    if (!card) return {};
    EXPECT_TRUE(pcsc::select_application(*card, jpki::kAid, "JPKI AP"));
    auto cert = jpki::read_certificate(*card, jpki::kEfAuthCertificate);
    EXPECT_TRUE(cert) << cert.error().to_string();
    return cert ? *cert : Bytes{};
  }
  std::optional<int> onshi_auth_tries() {
    auto card = connect();
    if (!card) return std::nullopt;
    if (!pcsc::select_application(*card, jpki::kAid, "JPKI AP")) return std::nullopt;
    auto s = pcsc::read_pin_status(*card, jpki::kEfAuthPin);
    return s ? s->tries_left : std::nullopt;
  }
  // Waits until OpenSC sees the inserted card (pcscd's presence poll).
  void wait_for_opensc() {
    for (int i = 0; i < 50; ++i) {
      if (run("opensc-tool -r 0 -a").status == 0) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    FAIL() << "OpenSC never saw the card";
  }
  std::string pkcs11_sign(const std::string& pin, const std::filesystem::path& in,
                          const std::filesystem::path& out) {
    return "pkcs11-tool --module " + std::string(sim::kOpenscPkcs11Module) + " --login --pin " +
           pin + " --sign --mechanism SHA256-RSA-PKCS --id 01 -i " + in.string() + " -o " +
           out.string();
  }
  std::filesystem::path work_;
};

TEST_F(JpkiVsOpensc, SameCertificateBytes) {
  require_emulator();
  insert_named("jpki-card");
  ASSERT_NO_FATAL_FAILURE(wait_for_opensc());
  const Bytes ours = onshi_certificate();
  const auto pem = work_ / "opensc.pem";
  const auto der = work_ / "opensc.der";
  ToolRun r = run("pkcs15-tool --reader 0 --read-certificate 01 -o " + pem.string());
  ASSERT_EQ(r.status, 0) << r.output;
  r = run("openssl x509 -in " + pem.string() + " -outform DER -out " + der.string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_FALSE(ours.empty());
  EXPECT_EQ(ours, read_binary_file(der));
}

TEST_F(JpkiVsOpensc, SameTriesLeftWhicheverSideSpentThem) {
  require_emulator();
  insert_named("jpki-card");
  ASSERT_NO_FATAL_FAILURE(wait_for_opensc());
  {
    auto card = pcsc::ExclusiveCard::connect(new_context(), reader(0));
    ASSERT_TRUE(card);
    SecretBytes wrong(Bytes{'9', '9', '9', '9'});
    EXPECT_EQ(jpki::verify_pin_only(*card, jpki::Key::auth, wrong, {}).error().code,
              Errc::pin_wrong);
  }
  EXPECT_EQ(onshi_auth_tries(), 2);
  ToolRun r = run("pkcs15-tool --reader 0 --list-pins");
  const auto auth = r.output.find("User Authentication PIN");
  ASSERT_NE(auth, std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Tries left     : 2", auth), std::string::npos) << r.output;

  std::ofstream(work_ / "m.txt") << "x";
  r = run(pkcs11_sign("9998", work_ / "m.txt", work_ / "m.sig"));
  EXPECT_NE(r.status, 0) << "a wrong PIN through OpenSC\n" << r.output;
  EXPECT_EQ(onshi_auth_tries(), 1);
}

TEST_F(JpkiVsOpensc, SignaturesAreByteIdenticalAndVerifyWithTheCertificateOnshiRead) {
  require_emulator();
  insert_named("jpki-card");
  ASSERT_NO_FATAL_FAILURE(wait_for_opensc());
  const std::string text = "onshi and OpenSC sign the same message";
  const Bytes message(text.begin(), text.end());
  std::ofstream(work_ / "m.txt", std::ios::binary) << text;
  const ToolRun r =
      run(pkcs11_sign(persona("jpki-card").auth_pin, work_ / "m.txt", work_ / "m.sig"));
  ASSERT_EQ(r.status, 0) << r.output;
  const Bytes theirs = read_binary_file(work_ / "m.sig");

  auto card = pcsc::ExclusiveCard::connect(new_context(), reader(0));
  ASSERT_TRUE(card);
  SecretBytes pin(
      ByteView(reinterpret_cast<const std::uint8_t*>(persona("jpki-card").auth_pin.data()), 4));
  auto ours =
      jpki::sign_with_pin(*card, pin, {jpki::Key::auth, message, {}, std::nullopt, std::nullopt});
  ASSERT_TRUE(ours) << ours.error().to_string();
  EXPECT_EQ(ours->signature, theirs);
  EXPECT_TRUE(
      pcsc::verify_signature(ours->certificate, pcsc::HashAlgorithm::sha256, message, theirs));
}

}  // namespace
}  // namespace onshi::test
