// HPKI cards on the emulator behind the real pcscd (cards-and-readers.md §2): the golden APDU
// sequences of §2.1 and §2.2 as the emulated card received them, signatures verified with the
// certificate's key by extended APDU and by command chaining, the counter of 15, the last-try
// guard, "PIN before every signature", the hcRole, and the nonRepudiation check.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>

#include "onshi/pcsc/card_crypto.hpp"
#include "onshi/pcsc/hpki_ap.hpp"
#include "onshi/pcsc/hpki_certificate.hpp"
#include "onshi/sim/hpki_test_pki.hpp"
#include "onshi/sim/jpki_test_pki.hpp"
#include "pcsc_rig.hpp"

namespace onshi::test {
namespace {

namespace hpki = pcsc::hpki;
namespace testpki = sim::testpki;

std::optional<testpki::GeneratedHpki> g_hpki;
std::filesystem::path g_own_dir;

struct Cleanup {
  ~Cleanup() {
    std::error_code ec;
    if (!g_own_dir.empty()) std::filesystem::remove_all(g_own_dir, ec);
  }
} g_cleanup;

SecretBytes secret(std::string_view s) {
  return SecretBytes(ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

class Hpki : public PcscRig {
 protected:
  static void SetUpTestSuite() {
    if (g_hpki) return;
    // ctest generates them once per run (tests/integration/CMakeLists.txt).
    if (const char* root = std::getenv("ONSHI_TEST_PERSONAS"); root != nullptr && *root != '\0') {
      auto loaded = testpki::load_generated_hpki_personas(std::filesystem::path(root) / "hpki");
      ASSERT_TRUE(loaded) << loaded.error().to_string();
      g_hpki = std::move(loaded).value();
      return;
    }
    g_own_dir =
        std::filesystem::temp_directory_path() / ("onshi-hpki-rig-" + std::to_string(::getpid()));
    auto made = testpki::generate_hpki_personas(g_own_dir, testpki::today_jst());
    ASSERT_TRUE(made) << made.error().to_string();
    g_hpki = std::move(made).value();
  }
  const testpki::GeneratedHpkiPersona& persona(std::string_view name) {
    const auto* p = g_hpki->find(name);
    EXPECT_NE(p, nullptr) << name;
    return p != nullptr ? *p : g_hpki->personas.front();
  }
  void insert(std::string_view name) {
    require_emulator();
    auto loaded = sim::load_persona_file(persona(name).persona_file);
    ASSERT_TRUE(loaded) << loaded.error().to_string();
    insert_persona(0, std::move(loaded).value());
  }
  Result<hpki::SignResult> sign(std::string_view pin, const Bytes& sha256,
                                std::optional<hpki::LongApdu> path = {},
                                pcsc::PinPolicy policy = {}, hpki::App app = hpki::App::signature) {
    auto card = pcsc::ExclusiveCard::connect(new_context(), reader(0));
    if (!card) return std::move(card).error();
    auto p = secret(pin);
    return hpki::sign_with_pin(*card, p, {app, sha256, policy, path, std::nullopt});
  }
  std::optional<int> tries(hpki::App app = hpki::App::signature) {
    auto card = connect();
    if (!card) return std::nullopt;
    auto d = hpki::detect(*card);
    if (!d || d->profile == nullptr) return std::nullopt;
    auto s = hpki::read_pin_status(*card, *d->profile, app);
    return s ? s->tries_left : std::nullopt;
  }
  // The APDUs of the hold, from the first SELECT of the application onwards.
  std::vector<std::string> hold_apdus(std::size_t skip) {
    auto all = received_apdus();
    return std::vector<std::string>(
        all.begin() + static_cast<std::ptrdiff_t>(std::min(skip, all.size())), all.end());
  }
};

const Bytes kSha256 = pcsc::hash(pcsc::HashAlgorithm::sha256, Bytes{'r', 'x'});

TEST_F(Hpki, JmaGoldenSequenceAndAVerifiedSignature) {
  insert("hpki-jma-doctor");
  const auto before = received_apdus().size();
  auto r = sign(persona("hpki-jma-doctor").signature_pin, kSha256, hpki::LongApdu::extended);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_TRUE(pcsc::verify_signature_prehashed(r->certificate, pcsc::HashAlgorithm::sha256, kSha256,
                                               r->signature));

  // cards-and-readers.md §2.2, byte for byte, with the counter read PIN safety adds.
  const std::string aid = "E828BD080FA0000003910000000000";
  const auto apdus = hold_apdus(before);
  std::vector<std::string> from_select;
  bool started = false;
  for (const auto& a : apdus) {
    if (a == "00A4040010" + aid + "0100" && !started) {
      started = true;  // the detection's SELECTs come first
    }
    if (started) from_select.push_back(a);
  }
  ASSERT_GE(from_select.size(), 10u);
  // After detection and the certificate: SELECT AP, SELECT EF 0002, counter, SELECT EF 000C,
  // MSE tag 84, VERIFY P2 88, PSO extended.
  const std::size_t n = from_select.size();
  EXPECT_EQ(from_select[n - 7], "00A4040010" + aid + "0100");
  EXPECT_EQ(from_select[n - 6], "00A4020C020002");
  EXPECT_EQ(from_select[n - 5], "00200088");
  EXPECT_EQ(from_select[n - 4], "00A4020C02000C");
  EXPECT_EQ(from_select[n - 3], "002241B6048402000C");
  EXPECT_EQ(from_select[n - 2].substr(0, 10),
            fmt::format("00200088{:02X}", persona("hpki-jma-doctor").signature_pin.size()));
  EXPECT_EQ(from_select[n - 2].size(), 10u + 2 * persona("hpki-jma-doctor").signature_pin.size());
  EXPECT_EQ(from_select[n - 1].substr(0, 14), "002A9E9A000100");
  EXPECT_EQ(from_select[n - 1].size(), 2 * (7u + 256u + 2u));
  EXPECT_EQ(from_select[n - 1].substr(from_select[n - 1].size() - 4), "0000");
}

TEST_F(Hpki, JahisGoldenSequenceAndAVerifiedSignature) {
  insert("hpki-jahis-clinic");
  const auto before = received_apdus().size();
  auto r = sign(persona("hpki-jahis-clinic").signature_pin, kSha256, hpki::LongApdu::extended);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_TRUE(pcsc::verify_signature_prehashed(r->certificate, pcsc::HashAlgorithm::sha256, kSha256,
                                               r->signature));
  const auto apdus = hold_apdus(before);
  const std::string select =
      "00A404000C"
      "E828BD080F4F4E534849"
      "0001"
      "00";
  // §2.1: SELECT with P2 00 + Le, READ BINARY SFI 18 with an extended Le, VERIFY P2 96, MSE tag 81,
  // PSO.
  EXPECT_NE(std::find(apdus.begin(), apdus.end(), select), apdus.end());
  EXPECT_NE(std::find(apdus.begin(), apdus.end(),
                      "00B0980000"
                      "0000"),
            apdus.end());
  EXPECT_NE(std::find(apdus.begin(), apdus.end(), "00200096"), apdus.end())
      << "the counter, by SFI";
  const std::size_t n = apdus.size();
  ASSERT_GE(n, 4u);
  EXPECT_EQ(apdus[n - 3],
            "002241B604810200"
            "17");
  EXPECT_EQ(apdus[n - 2].substr(0, 8), "00200096");
  EXPECT_EQ(apdus[n - 1].substr(0, 14), "002A9E9A000100");
}

TEST_F(Hpki, ChainingGivesTheSameSignatureAsExtended) {
  insert("hpki-jahis-clinic");
  const std::string pin = persona("hpki-jahis-clinic").signature_pin;
  auto extended = sign(pin, kSha256, hpki::LongApdu::extended);
  ASSERT_TRUE(extended) << extended.error().to_string();
  const auto before = received_apdus().size();
  auto chained = sign(pin, kSha256, hpki::LongApdu::chaining);
  ASSERT_TRUE(chained) << chained.error().to_string();
  EXPECT_EQ(chained->signature, extended->signature) << "PKCS#1 v1.5 is deterministic";
  const auto apdus = hold_apdus(before);
  const std::size_t n = apdus.size();
  ASSERT_GE(n, 2u);
  EXPECT_EQ(apdus[n - 2].substr(0, 10), "102A9E9A80");
  EXPECT_EQ(apdus[n - 1].substr(0, 10), "002A9E9A80");
  // The certificate too was read in short steps.
  for (const auto& a : apdus)
    EXPECT_FALSE(a.size() > 2 * 261)
        << "no extended APDU on the chaining path: " << a.substr(0, 16);
}

TEST_F(Hpki, WrongPinCountsDownFromFifteenAndTheLastTryIsGuarded) {
  insert("hpki-jma-doctor");
  EXPECT_EQ(tries(), 15);
  auto wrong = sign("0000", kSha256);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, Errc::pin_wrong);
  EXPECT_EQ(wrong.error().retries_remaining, 14);
  EXPECT_EQ(tries(), 14);
  for (int left = 13; left >= 1; --left) {
    ASSERT_EQ(sign("0000", kSha256).error().retries_remaining, left);
  }
  auto guarded = sign(persona("hpki-jma-doctor").signature_pin, kSha256);
  ASSERT_FALSE(guarded);
  EXPECT_EQ(guarded.error().code, Errc::pin_last_try);
  EXPECT_EQ(tries(), 1);
  auto allowed = sign(persona("hpki-jma-doctor").signature_pin, kSha256, {}, {true});
  ASSERT_TRUE(allowed) << allowed.error().to_string();
  EXPECT_EQ(tries(), 15);
  EXPECT_EQ(tries(hpki::App::authentication), 15) << "each application has its own counter";
}

TEST_F(Hpki, BlockedPinIsNeverSentForEitherBlockedStatusWord) {
  for (std::string_view name : {"hpki-jma-doctor", "hpki-jahis-clinic"}) {  // 6984 and 6983
    SCOPED_TRACE(name);
    insert(name);
    for (int i = 0; i < 14; ++i) (void)sign("0000", kSha256);
    auto last = sign("0000", kSha256, {}, {true});
    ASSERT_FALSE(last);
    EXPECT_EQ(last.error().code, Errc::pin_blocked);
    auto again = sign(persona(name).signature_pin, kSha256, {}, {true});
    EXPECT_EQ(again.error().code, Errc::pin_blocked);
    remove_card(0);
  }
}

TEST_F(Hpki, EverySignatureNeedsItsOwnVerify) {
  insert("hpki-jma-doctor");
  // One session, raw APDUs: VERIFY, PSO, then a second PSO without VERIFY (§2.1 "毎回").
  pcsc::CardOptions exclusive;
  exclusive.share = pcsc::ShareMode::exclusive;
  auto raw = connect(0, exclusive);
  ASSERT_TRUE(raw);
  raw->set_final_disposition(pcsc::Disposition::unpower);
  const auto& profile = hpki::known_profiles().front();
  ASSERT_TRUE(pcsc::select_application(*raw, profile.signature.aid, "sign", 0x00, true));
  ASSERT_EQ(*pcsc::select_ef(*raw, 0x000C), 0x9000);
  auto mse = raw->transmit({0x00, 0x22, 0x41, 0xB6, {0x84, 0x02, 0x00, 0x0C}, std::nullopt});
  ASSERT_TRUE(mse && mse->ok());
  const std::string pin = persona("hpki-jma-doctor").signature_pin;
  auto verified = raw->transmit_sensitive(
      {0x00, 0x20, 0x00, 0x88, Bytes(pin.begin(), pin.end()), std::nullopt});
  ASSERT_TRUE(verified && verified->ok());
  const Bytes block =
      *hpki::pkcs1_v15_block(*pcsc::digest_info(pcsc::HashAlgorithm::sha256, kSha256), 256);
  auto first = raw->transmit({0x00, 0x2A, 0x9E, 0x9A, block, pcsc::kExtendedMaxLe});
  ASSERT_TRUE(first);
  EXPECT_EQ(first->sw(), 0x9000);
  auto second = raw->transmit({0x00, 0x2A, 0x9E, 0x9A, block, pcsc::kExtendedMaxLe});
  ASSERT_TRUE(second);
  EXPECT_EQ(second->sw(), 0x6982)
      << "the signature application wants the PIN before every signature";
}

TEST_F(Hpki, HolderRoleAndTheNonRepudiationCheck) {
  insert("hpki-jma-doctor");
  {
    auto card = connect();
    ASSERT_TRUE(card);
    auto d = hpki::detect(*card);
    ASSERT_TRUE(d && d->profile != nullptr);
    EXPECT_TRUE(d->signature && d->authentication);
    auto der =
        hpki::read_certificate(*card, *d->profile, hpki::App::signature, hpki::LongApdu::extended);
    ASSERT_TRUE(der) << der.error().to_string();
    auto holder = hpki::holder_certificate(*der);
    ASSERT_TRUE(holder) << holder.error().to_string();
    EXPECT_EQ(holder->roles, std::vector<std::string>{persona("hpki-jma-doctor").role});
    EXPECT_EQ(holder->holder, persona("hpki-jma-doctor").holder);
    EXPECT_TRUE(holder->holder_kanji.has_value());
    EXPECT_TRUE(hpki::check_signature_certificate(*holder));
  }
  remove_card(0);
  insert("hpki-bad-keyusage");
  auto card = connect();
  ASSERT_TRUE(card);
  auto d = hpki::detect(*card);
  auto der =
      hpki::read_certificate(*card, *d->profile, hpki::App::signature, hpki::LongApdu::extended);
  ASSERT_TRUE(der);
  auto holder = hpki::holder_certificate(*der);
  ASSERT_TRUE(holder);
  EXPECT_EQ(hpki::check_signature_certificate(*holder).error().code, Errc::card_data_invalid);
}

TEST_F(Hpki, SignatureCertificateWithoutNonRepudiationNeverGetsThePin) {
  insert("hpki-bad-keyusage");
  auto r = sign(persona("hpki-bad-keyusage").signature_pin, kSha256);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::card_data_invalid);
  EXPECT_NE(r.error().message.find("nonRepudiation"), std::string::npos);
  for (const auto& apdu : received_apdus()) {
    EXPECT_FALSE(apdu.rfind("0020008804", 0) == 0) << "a PIN was sent";
  }
  EXPECT_EQ(tries(), 15);
}

TEST_F(Hpki, SignOnlyCardHasNoAuthenticationApplication) {
  insert("hpki-jahis-sign-only");
  {
    auto card = connect();
    ASSERT_TRUE(card);
    auto d = hpki::detect(*card);
    ASSERT_TRUE(d && d->profile != nullptr);
    EXPECT_TRUE(d->signature);
    EXPECT_FALSE(d->authentication);
  }
  auto r = sign(persona("hpki-jahis-sign-only").signature_pin, kSha256, {}, {},
                hpki::App::authentication);
  EXPECT_EQ(r.error().code, Errc::card_unsupported);
}

TEST_F(Hpki, MyNumberCardIsNotAnHpkiCard) {
  require_emulator();
  insert_card(0);  // the generic test card
  auto card = connect();
  ASSERT_TRUE(card);
  auto d = hpki::detect(*card);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->profile, nullptr);
}

}  // namespace
}  // namespace onshi::test
