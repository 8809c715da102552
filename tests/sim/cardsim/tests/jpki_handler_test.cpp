// The JPKI AP handler through Card::process: PIN counters (cards-and-readers.md §1.4), access to
// EF 0001, COMPUTE DIGITAL SIGNATURE (§1.5), and what resets do (§1.4 security status lifetime).
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <string>

#include "jpki_test_support.hpp"
#include "onshi/sim/jpki_handler.hpp"

namespace onshi::sim {
namespace {

using testing::digest_info;
using testing::hex;
using testing::send;
using testing::sign_apdu;
using testing::transmit;
using testing::verify_apdu;

constexpr std::string_view kSelectAuthPin = "00 A4 02 0C 02 00 18";
constexpr std::string_view kSelectSignPin = "00 A4 02 0C 02 00 1B";
constexpr std::string_view kSelectAuthKey = "00 A4 02 0C 02 00 17";
constexpr std::string_view kQuery = "00 20 00 80";           // empty VERIFY (§1.4)
constexpr std::uint8_t kCurrentEf = 0x80;
constexpr std::uint8_t kAuthPinSfi = 0x98;                 // §1.4 one-shot form
constexpr std::uint8_t kSignPinSfi = 0x9B;

const std::string& auth_pin() { return testing::GeneratedPki::get().card().auth_pin; }
const std::string& sign_pin() { return testing::GeneratedPki::get().card().sign_pin; }

ossl::X509Ptr auth_cert() {
  return testing::read_pem_cert(testing::GeneratedPki::get().card().auth_cert_pem);
}

TEST(JpkiPin, EmptyVerifyReportsTriesLeftWithoutSpendingOne) {
  Card card = testing::jpki_card();
  ASSERT_EQ(send(card, kSelectAuthPin).sw, 0x9000);
  EXPECT_EQ(send(card, kQuery).sw, 0x63C3);
  EXPECT_EQ(send(card, kQuery).sw, 0x63C3);
  ASSERT_EQ(send(card, kSelectSignPin).sw, 0x9000);
  EXPECT_EQ(send(card, kQuery).sw, 0x63C5);
  // The SFI form needs no SELECT (§1.4).
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, "")).sw, 0x63C3);
  EXPECT_EQ(transmit(card, verify_apdu(kSignPinSfi, "")).sw, 0x63C5);
}

// A reader template padded to 8 bytes with FF (what a copied PIN-pad template sends) must not
// cost the patient a try: the card answers 6700 to a wrong length and keeps its counter.
TEST(JpkiPin, AWrongLengthPinAnswers6700WithoutSpendingATry) {
  Card card = testing::jpki_card();
  ASSERT_EQ(send(card, kSelectAuthPin).sw, 0x9000);
  const std::string padded = auth_pin() + std::string(4, '\xFF');
  EXPECT_EQ(transmit(card, verify_apdu(kCurrentEf, padded)).sw, 0x6700);
  EXPECT_EQ(transmit(card, verify_apdu(kCurrentEf, "123")).sw, 0x6700);
  EXPECT_EQ(send(card, kQuery).sw, 0x63C3);
  ASSERT_EQ(send(card, kSelectSignPin).sw, 0x9000);
  EXPECT_EQ(transmit(card, verify_apdu(kCurrentEf, "ABC12")).sw, 0x6700);  // sign: 6–16
  EXPECT_EQ(send(card, kQuery).sw, 0x63C5);
}

TEST(JpkiPin, WrongPinDecrementsAndRightPinResetsTheCounter) {
  Card card = testing::jpki_card();
  ASSERT_EQ(send(card, kSelectAuthPin).sw, 0x9000);
  EXPECT_EQ(transmit(card, verify_apdu(kCurrentEf, "0000")).sw, 0x63C2);
  EXPECT_EQ(send(card, kQuery).sw, 0x63C2);
  EXPECT_EQ(transmit(card, verify_apdu(kCurrentEf, "9999")).sw, 0x63C1);
  EXPECT_EQ(transmit(card, verify_apdu(kCurrentEf, auth_pin())).sw, 0x9000);
  EXPECT_EQ(send(card, kQuery).sw, 0x9000);  // verified in this session
  card.power_off();
  card.power_on();
  ASSERT_EQ(send(card, testing::kSelectJpki).sw, 0x9000);
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, "")).sw, 0x63C3);  // back to the maximum
}

TEST(JpkiPin, LocksAtZeroAndNeverGoesBelow) {
  Card card = testing::jpki_card();
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, "1111")).sw, 0x63C2);
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, "2222")).sw, 0x63C1);
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, "3333")).sw, 0x63C0);  // the blocking try
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, "4444")).sw, 0x6984);
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, auth_pin())).sw, 0x6984);  // right PIN too
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, "")).sw, 0x63C0);
  // The other reference has its own counter (§1.4).
  EXPECT_EQ(transmit(card, verify_apdu(kSignPinSfi, "")).sw, 0x63C5);
  ASSERT_EQ(send(card, kSelectAuthKey).sw, 0x9000);
  EXPECT_EQ(transmit(card, sign_apdu(0x00, kCurrentEf, digest_info("x"))).sw, 0x6982);
}

TEST(JpkiPin, SignPasswordCountsFromFiveAndIsCaseSensitive) {
  Card card = testing::jpki_card();
  std::string lower = sign_pin();
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(transmit(card, verify_apdu(kSignPinSfi, lower)).sw, 0x63C4);
  EXPECT_EQ(transmit(card, verify_apdu(kSignPinSfi, sign_pin())).sw, 0x9000);
  EXPECT_EQ(transmit(card, verify_apdu(kSignPinSfi, "")).sw, 0x9000);
}

TEST(JpkiPin, CountersSurviveResetsAndVerifiedStateSurvivesOnlyAWarmReset) {
  Card card = testing::jpki_card();
  EXPECT_EQ(transmit(card, verify_apdu(kSignPinSfi, "WRONG1")).sw, 0x63C4);
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, auth_pin())).sw, 0x9000);
  card.reset();  // warm: §1.4 "security status lifetime"
  ASSERT_EQ(send(card, testing::kSelectJpki).sw, 0x9000);
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, "")).sw, 0x9000);  // still verified
  EXPECT_EQ(transmit(card, verify_apdu(kSignPinSfi, "")).sw, 0x63C4);  // counter kept
  EXPECT_EQ(transmit(card, verify_apdu(kSignPinSfi, "WRONG2")).sw, 0x63C3);
  card.power_off();
  card.power_on();
  ASSERT_EQ(send(card, testing::kSelectJpki).sw, 0x9000);
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, "")).sw, 0x63C3);  // power-down cleared it
  EXPECT_EQ(transmit(card, verify_apdu(kSignPinSfi, "")).sw, 0x63C3);
}

TEST(JpkiPin, AWrongPinUndoesAnEarlierVerify) {
  Card card = testing::jpki_card();
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, auth_pin())).sw, 0x9000);
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, "0000")).sw, 0x63C2);
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, "")).sw, 0x63C2);
}

TEST(JpkiPin, BadReferencesAndParameters) {
  Card card = testing::jpki_card();
  EXPECT_EQ(send(card, kQuery).sw, 0x6A88);  // no EF selected: no PIN to query
  ASSERT_EQ(send(card, "00 A4 02 0C 02 00 0A").sw, 0x9000);
  EXPECT_EQ(send(card, kQuery).sw, 0x6A88);  // a certificate is not a PIN
  EXPECT_EQ(send(card, "00 20 00 97").sw, 0x6A88);
  EXPECT_EQ(send(card, "00 20 01 98").sw, 0x6A86);
  EXPECT_EQ(send(card, "00 20 00 18").sw, 0x6A86);
}

TEST(JpkiPin, InitialCountersComeFromThePersona) {
  Persona persona = testing::generated_persona(testing::GeneratedPki::get().card());
  ASSERT_TRUE(persona.jpki);
  persona.jpki->auth_pin->tries_left = 1;
  persona.jpki->sign_pin->tries_left = 0;
  Card card(std::move(persona));
  card.power_on();
  ASSERT_EQ(send(card, testing::kSelectJpki).sw, 0x9000);
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, "")).sw, 0x63C1);
  EXPECT_EQ(transmit(card, verify_apdu(kSignPinSfi, "")).sw, 0x63C0);
  EXPECT_EQ(transmit(card, verify_apdu(kSignPinSfi, sign_pin())).sw, 0x6984);
}

TEST(JpkiFiles, CertificatesAndTokenInfoAreReadableWithoutPin) {
  Card card = testing::jpki_card();
  const auto cert = auth_cert();
  ASSERT_TRUE(cert);
  const Bytes der = testing::der_of(cert.get());
  ASSERT_EQ(send(card, "00 A4 02 0C 02 00 0A").sw, 0x9000);
  Bytes read;
  for (std::size_t offset = 0; offset < der.size(); offset += 256) {
    const Bytes apdu = {0x00, 0xB0, static_cast<std::uint8_t>(offset >> 8),
                        static_cast<std::uint8_t>(offset & 0xFF), 0x00};
    const auto chunk = transmit(card, apdu);
    ASSERT_EQ(chunk.sw, 0x9000);
    read.insert(read.end(), chunk.data.begin(), chunk.data.end());
  }
  read.resize(der.size());
  EXPECT_EQ(read, der);
  // FF filler after the DER (§1.6).
  const Bytes tail = {0x00, 0xB0, static_cast<std::uint8_t>(der.size() >> 8),
                      static_cast<std::uint8_t>(der.size() & 0xFF), 0x01};
  EXPECT_EQ(transmit(card, tail).data, hex("FF"));

  const auto label = send(card, "00 B0 86 00 20");  // EF 0006 by SFI (§1.3)
  ASSERT_EQ(label.sw, 0x9000);
  EXPECT_EQ(std::string(label.data.begin(), label.data.end()),
            "JPKIAPICCTOKEN2                 ");
  EXPECT_EQ(send(card, "00 B0 88 00 03").data, hex("8F 8F 00"));
  EXPECT_EQ(send(card, "00 B0 8B 00 04").sw, 0x9000);  // auth CA
  EXPECT_EQ(send(card, "00 B0 82 00 04").sw, 0x9000);  // sign CA
}

TEST(JpkiFiles, SignCertificateNeedsTheSignPassword) {
  Card card = testing::jpki_card();
  ASSERT_EQ(send(card, "00 A4 02 0C 02 00 01").sw, 0x9000);
  EXPECT_EQ(send(card, "00 B0 00 00 04").sw, 0x6982);
  EXPECT_EQ(send(card, "00 B0 81 00 04").sw, 0x6982);
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, auth_pin())).sw, 0x9000);
  EXPECT_EQ(send(card, "00 B0 81 00 04").sw, 0x6982);  // the auth PIN is not enough
  EXPECT_EQ(transmit(card, verify_apdu(kSignPinSfi, sign_pin())).sw, 0x9000);
  const auto head = send(card, "00 B0 81 00 04");
  EXPECT_EQ(head.sw, 0x9000);
  EXPECT_EQ(head.data.at(0), 0x30);
}

TEST(JpkiFiles, KeyAndPinEfsAreNeverReadable) {
  Card card = testing::jpki_card();
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, auth_pin())).sw, 0x9000);
  for (std::string_view read : {"00 B0 97 00 01", "00 B0 98 00 01", "00 B0 9A 00 01",
                                "00 B0 9B 00 01"}) {
    EXPECT_EQ(send(card, read).sw, 0x6982) << read;
  }
}

TEST(JpkiFiles, SmartphoneVariantHasItsLabelAndAnAtrThatIsNotTheCards) {
  Card card = testing::jpki_card(testing::GeneratedPki::get().phone());
  EXPECT_NE(card.atr(), hex("3B E0 00 FF 81 31 FE 45 14"));
  const auto label = send(card, "00 B0 86 00 20");
  EXPECT_EQ(std::string(label.data.begin(), label.data.end()),
            "JPKIAPGPSETOKEN                 ");
  EXPECT_EQ(send(card, "80 FC 00 00").sw, 0x6700);  // iPhone only (§1.3)
}

TEST(JpkiSign, SignatureVerifiesWithTheCertificateKey) {
  Card card = testing::jpki_card();
  const auto cert = auth_cert();
  ASSERT_TRUE(cert);
  ASSERT_EQ(send(card, kSelectAuthPin).sw, 0x9000);
  ASSERT_EQ(transmit(card, verify_apdu(kCurrentEf, auth_pin())).sw, 0x9000);
  ASSERT_EQ(send(card, kSelectAuthKey).sw, 0x9000);
  const std::string message = "onshi card-present challenge";
  const auto signature = transmit(card, sign_apdu(0x00, kCurrentEf, digest_info(message)));
  ASSERT_EQ(signature.sw, 0x9000);
  ASSERT_EQ(signature.data.size(), 256U);
  const ByteView bytes(reinterpret_cast<const std::uint8_t*>(message.data()), message.size());
  EXPECT_TRUE(testing::verifies(cert.get(), bytes, signature.data));
  // P2 97 names the auth key without SELECT and gives the same signature (§1.5).
  EXPECT_EQ(transmit(card, sign_apdu(0x00, 0x97, digest_info(message))).data, signature.data);
  // P1 03: the card hashes the message itself and builds the DigestInfo.
  const auto hashed = transmit(card, sign_apdu(0x03, 0x97, Bytes(message.begin(), message.end())));
  EXPECT_EQ(hashed.data, signature.data);
}

TEST(JpkiSign, WithoutVerifyIs6982) {
  Card card = testing::jpki_card();
  ASSERT_EQ(send(card, kSelectAuthKey).sw, 0x9000);
  EXPECT_EQ(transmit(card, sign_apdu(0x00, kCurrentEf, digest_info("m"))).sw, 0x6982);
  EXPECT_EQ(transmit(card, sign_apdu(0x00, 0x9A, digest_info("m"))).sw, 0x6982);
  // The auth PIN does not unlock the sign key.
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, auth_pin())).sw, 0x9000);
  EXPECT_EQ(transmit(card, sign_apdu(0x00, 0x9A, digest_info("m"))).sw, 0x6982);
  EXPECT_EQ(transmit(card, sign_apdu(0x00, 0x97, digest_info("m"))).sw, 0x9000);
}

TEST(JpkiSign, WarmResetKeepsTheKeyUnlockedAndPowerDownLocksIt) {
  Card card = testing::jpki_card();
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, "0000")).sw, 0x63C2);
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, auth_pin())).sw, 0x9000);
  EXPECT_EQ(transmit(card, verify_apdu(kSignPinSfi, "BADPASS")).sw, 0x63C4);
  EXPECT_EQ(transmit(card, sign_apdu(0x00, 0x97, digest_info("m"))).sw, 0x9000);
  card.reset();
  EXPECT_EQ(card.state().current_df, FileTree::kMf);  // back to the MF all the same
  ASSERT_EQ(send(card, testing::kSelectJpki).sw, 0x9000);
  EXPECT_EQ(transmit(card, sign_apdu(0x00, 0x97, digest_info("m"))).sw, 0x9000);
  card.power_off();
  card.power_on();
  ASSERT_EQ(send(card, testing::kSelectJpki).sw, 0x9000);
  EXPECT_EQ(transmit(card, sign_apdu(0x00, 0x97, digest_info("m"))).sw, 0x6982);
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, "")).sw, 0x63C3);  // reset by the right PIN
  EXPECT_EQ(transmit(card, verify_apdu(kSignPinSfi, "")).sw, 0x63C4);  // kept
}

TEST(JpkiSign, ParameterAndInputErrors) {
  Card card = testing::jpki_card();
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, auth_pin())).sw, 0x9000);
  EXPECT_EQ(transmit(card, sign_apdu(0x06, 0x97, digest_info("m"))).sw, 0x6A86);  // P1 00..05
  EXPECT_EQ(transmit(card, sign_apdu(0x00, 0x98, digest_info("m"))).sw, 0x6A86);  // not a key
  EXPECT_EQ(transmit(card, sign_apdu(0x00, kCurrentEf, digest_info("m"))).sw, 0x6A88);
  EXPECT_EQ(transmit(card, sign_apdu(0x02, 0x97, hex("01 02 03"))).sw, 0x6985);  // not 32 bytes
  EXPECT_EQ(transmit(card, sign_apdu(0x00, 0x97, Bytes(246, 0x01))).sw, 0x6985);  // > k − 11
  EXPECT_EQ(send(card, "80 2A 00 97 00").sw, 0x6700);  // no input
  EXPECT_EQ(send(card, "80 AE 00 00").sw, 0x6982);     // SET SESSION KEY (§1.5)
}

}  // namespace
}  // namespace onshi::sim
