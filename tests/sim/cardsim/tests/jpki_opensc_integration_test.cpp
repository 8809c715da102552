// The emulated My Number card against the real pcscd + vpcd, with OpenSC as the independent
// oracle (test-rigs.md §2): OpenSC must recognise it as jpki, see the personas' tries left, read
// the same auth certificate, and sign so that the certificate's key verifies the signature.
// Only the RSA personas that exist for real cards are checked: OpenSC knows nothing of the
// invented PIN-less marker or the invented EC P-384 variant.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "jpki_test_support.hpp"
#include "onshi/sim/tool_run.hpp"
#include "onshi/sim/hil.hpp"
#include "onshi/sim/private_pcscd.hpp"
#include "onshi/sim/vpcd_card_slot.hpp"

namespace onshi::sim {
namespace {

using namespace std::chrono_literals;

using sim::ToolRun;

ToolRun run(const std::string& command) { return sim::run_tool(command); }

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

class JpkiOpensc : public ::testing::Test {
 protected:
  void SetUp() override {
    if (hil_reader()) GTEST_SKIP() << "needs the card emulator (ONSHI_HIL_READER is set)";
    for (const char* tool : {"opensc-tool", "pkcs15-tool", "pkcs11-tool"}) {
      ASSERT_EQ(run(std::string("command -v ") + tool).status, 0)
          << tool << " missing: install the test dependencies (scripts/install-deps.sh test)";
    }
    auto pcscd = PrivatePcscd::start();
    ASSERT_TRUE(pcscd) << pcscd.error().to_string();
    pcscd_ = std::move(pcscd).value();
  }

  void TearDown() override {
    if (slot_) slot_->remove();
    slot_.reset();
    pcscd_.reset();
  }

  // Inserts the persona in slot 0 and waits until OpenSC sees a card there.
  void insert(const testpki::GeneratedPersona& persona) {
    SlotOptions options;
    options.port = pcscd_->vpcd_port(0);
    slot_ = std::make_unique<VpcdCardSlot>(Card(testing::generated_persona(persona)), options);
    auto inserted = slot_->insert(std::chrono::steady_clock::now() + 10s);
    ASSERT_TRUE(inserted) << inserted.error().to_string();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (run("opensc-tool -r 0 -a").status == 0) return;
      std::this_thread::sleep_for(200ms);
    }
    FAIL() << "OpenSC never saw the card\n" << pcscd_->log_tail();
  }

  std::string sign_command(const std::string& pin, const std::filesystem::path& in,
                           const std::filesystem::path& out) const {
    return "pkcs11-tool --module " + std::string(sim::kOpenscPkcs11Module) + " --login --pin " + pin +
           " --sign --mechanism SHA256-RSA-PKCS --id 01 -i " + in.string() + " -o " + out.string();
  }

  std::unique_ptr<PrivatePcscd> pcscd_;
  std::unique_ptr<VpcdCardSlot> slot_;
};

TEST_F(JpkiOpensc, ListPinsShowsThe2023CardsTriesLeft) {
  ASSERT_NO_FATAL_FAILURE(insert(testing::GeneratedPki::get().persona(testpki::kCard2023Persona)));
  const ToolRun r = run("pkcs15-tool --reader 0 --list-pins");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "Tries left     : 3")) << r.output;
  EXPECT_TRUE(contains(r.output, "Tries left     : 5")) << r.output;
}

TEST_F(JpkiOpensc, ListPinsShowsTheTriesLeft) {
  ASSERT_NO_FATAL_FAILURE(insert(testing::GeneratedPki::get().card()));
  ToolRun r = run("pkcs15-tool --reader 0 --list-pins");
  ASSERT_EQ(r.status, 0) << r.output;
  const auto auth = r.output.find("User Authentication PIN");
  const auto sign = r.output.find("Digital Signature PIN");
  ASSERT_NE(auth, std::string::npos) << r.output;
  ASSERT_NE(sign, std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Tries left     : 3", auth), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Tries left     : 5", sign), std::string::npos) << r.output;

  // One wrong PIN through PKCS#11, and OpenSC reads the counter one lower.
  const auto& pki = testing::GeneratedPki::get();
  r = run(sign_command("9999", pki.card().persona_file, pki.scratch() / "never.sig"));
  EXPECT_NE(r.status, 0) << r.output;
  r = run("pkcs15-tool --reader 0 --list-pins");
  EXPECT_TRUE(contains(r.output, "Tries left     : 2")) << r.output;
}

// The RSA personas: physical cards (classic and 2023 券面 layout, a child's card without a sign
// certificate) and the Android token.
class JpkiOpenscPersona : public JpkiOpensc,
                          public ::testing::WithParamInterface<std::string_view> {
 protected:
  const testpki::GeneratedPersona& persona() const {
    return testing::GeneratedPki::get().persona(GetParam());
  }
};

// The smartphone token's ATR is not the JPKI contact ATR: OpenSC must match it by SELECT (§1.1).
TEST_P(JpkiOpenscPersona, IsNamedJpki) {
  ASSERT_NO_FATAL_FAILURE(insert(persona()));
  const ToolRun r = run("opensc-tool -r 0 -n");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "jpki")) << r.output;
}

// OpenSC 0.23's PKCS#15 binding queries the sign PIN and fails ("Unsupported card") without one
// (newer OpenSC has `disable_sign_cert` for that), so the child's card is only named above.
class JpkiOpenscPkcs15 : public JpkiOpenscPersona {};

TEST_P(JpkiOpenscPkcs15, ReadsTheSameAuthCertificate) {
  ASSERT_NO_FATAL_FAILURE(insert(persona()));
  const auto out = testing::GeneratedPki::get().scratch() / "read-01.pem";
  const ToolRun r = run("pkcs15-tool --reader 0 --read-certificate 01 -o " + out.string());
  ASSERT_EQ(r.status, 0) << r.output;
  const auto read = testing::read_pem_cert(out);
  const auto expected = testing::read_pem_cert(persona().auth_cert_pem);
  ASSERT_TRUE(read && expected) << r.output;
  EXPECT_EQ(testing::der_of(read.get()), testing::der_of(expected.get()));
}

TEST_P(JpkiOpenscPkcs15, Pkcs11SignatureVerifiesWithTheCertificateKey) {
  ASSERT_NO_FATAL_FAILURE(insert(persona()));
  const auto dir = testing::GeneratedPki::get().scratch();
  const std::string message = "onshi: OpenSC signs through the emulated JPKI AP";
  std::ofstream(dir / "message.txt", std::ios::binary) << message;
  const ToolRun r = run(sign_command(persona().auth_pin, dir / "message.txt", dir / "message.sig"));
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream in(dir / "message.sig", std::ios::binary);
  const Bytes signature((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_EQ(signature.size(), 256U);
  const auto cert = testing::read_pem_cert(persona().auth_cert_pem);
  ASSERT_TRUE(cert);
  const ByteView bytes(reinterpret_cast<const std::uint8_t*>(message.data()), message.size());
  EXPECT_TRUE(testing::verifies(cert.get(), bytes, signature));
}

// "jpki-card-2023" → "jpkicard2023": GoogleTest names are alphanumeric.
std::string test_name(const ::testing::TestParamInfo<std::string_view>& param) {
  std::string name;
  for (char c : param.param) {
    if (std::isalnum(static_cast<unsigned char>(c))) name += c;
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(RsaPersonas, JpkiOpenscPersona,
                         ::testing::Values(testpki::kCardPersona, testpki::kCard2023Persona,
                                           testpki::kChildPersona, testpki::kSmartphonePersona),
                         test_name);
INSTANTIATE_TEST_SUITE_P(RsaPersonas, JpkiOpenscPkcs15,
                         ::testing::Values(testpki::kCardPersona, testpki::kCard2023Persona,
                                           testpki::kSmartphonePersona),
                         test_name);

}  // namespace
}  // namespace onshi::sim
