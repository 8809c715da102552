// The JAHIS example profile: the APDUs of cards-and-readers.md §2.1 (SELECT with FCI and by
// partial name, READ BINARY by SFI, VERIFY P2 96 / 80, MSE tag 81, PSO) and Table B.1's files.
#include <gtest/gtest.h>

#include "hpki_test_support.hpp"
#include "onshi/sim/status_words.hpp"

namespace onshi::sim {
namespace {

using hpki::Application;
using hpki::ProfileId;
using testing::hex;
using testing::send;
using testing::transmit;

const testpki::GeneratedHpkiPersona& clinic() {
  return testing::GeneratedHpkiSet::get().persona(testpki::kHpkiJahisClinicPersona);
}

Card selected(std::string_view persona, Application app) {
  Card card = testing::hpki_card(persona);
  const Bytes aid = testing::aid_of(ProfileId::jahis, app);
  const auto a = transmit(card, testing::select_name_apdu(aid));
  EXPECT_EQ(a.sw, sw::kOk);
  EXPECT_EQ(a.data, testing::name_only_fci(aid));
  return card;
}

Bytes read_all_short(Card& card, std::uint8_t sfi) {
  // §2.1 C.4: the first read by SFI makes the EF current, then 15-bit offsets until a short
  // answer.
  Bytes whole;
  auto a = transmit(card, Bytes{0x00, 0xB0, static_cast<std::uint8_t>(0x80 | sfi), 0x00, 0x00});
  while (true) {
    EXPECT_EQ(a.sw, sw::kOk);
    whole.insert(whole.end(), a.data.begin(), a.data.end());
    if (a.sw != sw::kOk || a.data.size() < 256) break;
    const std::size_t offset = whole.size();
    a = transmit(card, Bytes{0x00, 0xB0, static_cast<std::uint8_t>(offset >> 8),
                             static_cast<std::uint8_t>(offset & 0xFF), 0x00});
    if (a.sw == sw::kOffsetBeyondEnd) break;  // the EF ended exactly on a chunk boundary
  }
  return whole;
}

TEST(HpkiJahis, SignatureFlowOfSection21) {
  Card card = selected(testpki::kHpkiJahisClinicPersona, Application::signature);
  // C.4: the certificate in one READ BINARY by SFI 18 with extended Le.
  const auto cert_read = send(card, "00 B0 98 00 00 00 00");
  ASSERT_EQ(cert_read.sw, sw::kOk);
  EXPECT_EQ(cert_read.data, testing::pem_der(clinic().signature_cert_pem));
  // C.3 VERIFY by SFI 16, C.5 MSE SET DST tag 81 key 0017, C.6 PSO.
  EXPECT_EQ(transmit(card, testing::verify_apdu(0x96, clinic().signature_pin)).sw, sw::kOk);
  EXPECT_EQ(send(card, "00 22 41 B6 04 81 02 00 17").sw, sw::kOk);
  const std::string message = "referral letter";
  const auto a = transmit(card, testing::pso_extended(testing::pkcs1_block(message)));
  ASSERT_EQ(a.sw, sw::kOk);
  const auto cert = testing::read_pem_cert(clinic().signature_cert_pem);
  ASSERT_TRUE(cert);
  EXPECT_TRUE(testing::verifies(cert.get(), testing::text_view(message), a.data));
}

TEST(HpkiJahis, AuthenticationFlowOfSection21) {
  Card card = selected(testpki::kHpkiJahisClinicPersona, Application::authentication);
  EXPECT_EQ(send(card, "00 B0 98 00 00 00 00").data,
            testing::pem_der(clinic().authentication_cert_pem));
  EXPECT_EQ(transmit(card, testing::verify_apdu(0x96, clinic().authentication_pin)).sw, sw::kOk);
  EXPECT_EQ(send(card, "00 22 41 B6 04 81 02 00 17").sw, sw::kOk);
  const auto a = transmit(card, testing::pso_extended(testing::pkcs1_block("login")));
  ASSERT_EQ(a.sw, sw::kOk);
  const auto cert = testing::read_pem_cert(clinic().authentication_cert_pem);
  ASSERT_TRUE(cert);
  EXPECT_TRUE(testing::verifies(cert.get(), testing::text_view("login"), a.data));
}

TEST(HpkiJahis, CertificateInShortReads) {
  Card card = selected(testpki::kHpkiJahisClinicPersona, Application::signature);
  EXPECT_EQ(read_all_short(card, 0x18), testing::pem_der(clinic().signature_cert_pem));
}

TEST(HpkiJahis, TableB1Files) {
  Card card = selected(testpki::kHpkiJahisClinicPersona, Application::signature);
  // EF.CIAInfo (SFI 12) names the application (§2.1 p.65).
  const auto info = send(card, "00 B0 92 00 00");
  ASSERT_EQ(info.sw, sw::kOk);
  const std::string text(info.data.begin(), info.data.end());
  EXPECT_NE(text.find("HPKI Application"), std::string::npos);
  EXPECT_EQ(send(card, "00 B0 91 00 00").sw, sw::kOk);  // EF.OD
  // Trust point (SFI 19): the self-signed test root; CA certificate (SFI 1A).
  EXPECT_EQ(send(card, "00 B0 99 00 00 00 00").data,
            testing::pem_der(testing::GeneratedHpkiSet::get().generated().root_cert));
  EXPECT_EQ(send(card, "00 B0 9A 00 00 00 00").data,
            testing::pem_der(testing::GeneratedHpkiSet::get().generated().signature_ca_cert));
  // The IEFs (PIN SFI 16, key SFI 17) are not readable.
  EXPECT_EQ(send(card, "00 B0 96 00 00").sw, 0x6981);
  EXPECT_EQ(send(card, "00 B0 97 00 00").sw, 0x6981);
  // EF.CIAInfo and EF.OD by their EF IDs (Table B.1).
  EXPECT_EQ(send(card, "00 A4 02 0C 02 50 32").sw, sw::kOk);
  EXPECT_EQ(send(card, "00 B0 00 00 00").data, info.data);
  EXPECT_EQ(send(card, "00 A4 02 0C 02 50 31").sw, sw::kOk);
}

TEST(HpkiJahis, PartialNameSelection) {
  Card card = testing::hpki_card(testpki::kHpkiJahisClinicPersona);
  const Bytes sign = testing::aid_of(ProfileId::jahis, Application::signature);
  const Bytes auth = testing::aid_of(ProfileId::jahis, Application::authentication);
  // The RID alone: the first application in card order, its full name in the FCI.
  auto a = transmit(card, testing::select_name_apdu(ByteView(sign).first(5)));
  EXPECT_EQ(a.sw, sw::kOk);
  EXPECT_EQ(a.data, testing::name_only_fci(sign));
  // A prefix only the authentication application has.
  a = transmit(card, testing::select_name_apdu(auth));
  EXPECT_EQ(a.data, testing::name_only_fci(auth));
  EXPECT_EQ(send(card, "00 A4 04 00 06 E8 28 BD 08 0F 99 00").sw, sw::kFileNotFound);
}

TEST(HpkiJahis, VerifyWithThePinIefCurrent) {
  Card card = selected(testpki::kHpkiJahisClinicPersona, Application::signature);
  // P2 80 without the PIN IEF current names nothing.
  EXPECT_EQ(transmit(card, testing::verify_apdu(0x80, clinic().signature_pin)).sw, 0x6A88);
  ASSERT_EQ(send(card, "00 A4 02 0C 02 00 16").sw, sw::kOk);  // the PIN IEF (FID invented)
  EXPECT_EQ(send(card, "00 20 00 80").sw, 0x63CF);
  EXPECT_EQ(transmit(card, testing::verify_apdu(0x80, clinic().signature_pin)).sw, sw::kOk);
  EXPECT_EQ(send(card, "00 20 00 96").sw, sw::kOk);  // the same PIN, by SFI
}

TEST(HpkiJahis, SignOnlyCardHasNoAuthenticationApplication) {
  Card card = testing::hpki_card(testpki::kHpkiJahisSignOnlyPersona);
  const Bytes auth = testing::aid_of(ProfileId::jahis, Application::authentication);
  EXPECT_EQ(transmit(card, testing::select_name_apdu(auth)).sw, sw::kFileNotFound);
  const Bytes sign = testing::aid_of(ProfileId::jahis, Application::signature);
  EXPECT_EQ(transmit(card, testing::select_name_apdu(sign)).sw, sw::kOk);
}

TEST(HpkiJahis, TheJmaTagIsRefused) {
  Card card = selected(testpki::kHpkiJahisClinicPersona, Application::signature);
  EXPECT_EQ(send(card, "00 22 41 B6 04 84 02 00 17").sw, 0x6A80);
  EXPECT_EQ(send(card, "00 22 41 B6 04 81 02 00 0C").sw, 0x6A80);
  EXPECT_EQ(send(card, "00 22 41 B6").sw, sw::kWrongLength);
}

}  // namespace
}  // namespace onshi::sim
