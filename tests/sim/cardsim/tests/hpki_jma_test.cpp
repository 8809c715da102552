// The JMA profile: the exact APDU sequence of cards-and-readers.md §2.2 ([miyako]'s flow),
// the certificate EF read without a PIN, and what the card refuses.
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

const testpki::GeneratedHpkiPersona& doctor() {
  return testing::GeneratedHpkiSet::get().persona(testpki::kHpkiJmaDoctorPersona);
}

// §2.2 steps 1–4: SELECT AP `00 A4 04 00 10 <AID16> 00`, SELECT EF 0002, SELECT EF 000C,
// MSE `00 22 41 B6 04 84 02 00 0C`.
void prepare(Card& card, Application app) {
  const Bytes aid = testing::aid_of(ProfileId::jma, app);
  ASSERT_EQ(aid.size(), 16U);
  const auto selected = transmit(card, testing::select_name_apdu(aid));
  ASSERT_EQ(selected.sw, sw::kOk);
  EXPECT_EQ(selected.data, testing::name_only_fci(aid));
  ASSERT_EQ(send(card, "00 A4 02 0C 02 00 02").sw, sw::kOk);
  ASSERT_EQ(send(card, "00 A4 02 0C 02 00 0C").sw, sw::kOk);
  ASSERT_EQ(send(card, "00 22 41 B6 04 84 02 00 0C").sw, sw::kOk);
}

TEST(HpkiJma, SignatureFlowOfSection22) {
  Card card = testing::hpki_card(testpki::kHpkiJmaDoctorPersona);
  prepare(card, Application::signature);
  // Step 5: VERIFY `00 20 00 88 Lc <PIN>`.
  EXPECT_EQ(transmit(card, testing::verify_apdu(0x88, doctor().signature_pin)).sw, sw::kOk);
  // Step 6: PSO `00 2A 9E 9A 00 01 00 <00 01 FF..FF 00 DigestInfo> 00 00`.
  const std::string message = "prescription #1";
  const auto signed_ = transmit(card, testing::pso_extended(testing::pkcs1_block(message)));
  ASSERT_EQ(signed_.sw, sw::kOk);
  ASSERT_EQ(signed_.data.size(), 256U);
  const auto cert = testing::read_pem_cert(doctor().signature_cert_pem);
  ASSERT_TRUE(cert);
  EXPECT_TRUE(testing::verifies(cert.get(), testing::text_view(message), signed_.data));
}

TEST(HpkiJma, AuthenticationFlowOfSection22) {
  Card card = testing::hpki_card(testpki::kHpkiJmaDoctorPersona);
  prepare(card, Application::authentication);
  EXPECT_EQ(transmit(card, testing::verify_apdu(0x88, doctor().authentication_pin)).sw, sw::kOk);
  const auto cert = testing::read_pem_cert(doctor().authentication_cert_pem);
  ASSERT_TRUE(cert);
  for (const std::string message : {"challenge 1", "challenge 2"}) {
    // The authentication application stays verified: no VERIFY between the two.
    const auto a = transmit(card, testing::pso_extended(testing::pkcs1_block(message)));
    ASSERT_EQ(a.sw, sw::kOk);
    EXPECT_TRUE(testing::verifies(cert.get(), testing::text_view(message), a.data));
  }
}

TEST(HpkiJma, SelectWithoutFci) {
  Card card = testing::hpki_card(testpki::kHpkiJmaDoctorPersona);
  const auto a = transmit(card, testing::select_name_apdu(
                                    testing::aid_of(ProfileId::jma, Application::signature), 0x0C));
  EXPECT_EQ(a.sw, sw::kOk);
  EXPECT_TRUE(a.data.empty());
}

TEST(HpkiJma, NoPartialNameSelection) {
  Card card = testing::hpki_card(testpki::kHpkiJmaDoctorPersona);
  EXPECT_EQ(send(card, "00 A4 04 00 05 E8 28 BD 08 0F 00").sw, sw::kFileNotFound);
}

// "証明書の取得に暗証番号は不要" (§2.2): the host reads 4 bytes, then the rest.
TEST(HpkiJma, CertificateReadsWithoutPinLengthFirst) {
  Card card = testing::hpki_card(testpki::kHpkiJmaDoctorPersona);
  const Bytes expected = testing::pem_der(doctor().signature_cert_pem);
  ASSERT_EQ(send(card, "00 A4 04 0C 10 E8 28 BD 08 0F A0 00 00 03 91 00 00 00 00 00 01").sw,
            sw::kOk);
  ASSERT_EQ(send(card, "00 A4 02 0C 02 00 16").sw, sw::kOk);
  const auto head = send(card, "00 B0 00 00 04");
  ASSERT_EQ(head.sw, sw::kOk);
  ASSERT_EQ(head.data.size(), 4U);
  ASSERT_EQ(head.data[0], 0x30);
  ASSERT_EQ(head.data[1], 0x82);
  const std::size_t total = 4 + ((std::size_t{head.data[2]} << 8) | head.data[3]);
  ASSERT_EQ(total, expected.size());
  // The rest in one extended READ BINARY at offset 4.
  const std::size_t rest = total - 4;
  const Bytes read_rest = {0x00,
                           0xB0,
                           0x00,
                           0x04,
                           0x00,
                           static_cast<std::uint8_t>(rest >> 8),
                           static_cast<std::uint8_t>(rest & 0xFF)};
  const auto tail = transmit(card, read_rest);
  ASSERT_EQ(tail.sw, sw::kOk);
  Bytes whole = head.data;
  whole.insert(whole.end(), tail.data.begin(), tail.data.end());
  EXPECT_EQ(whole, expected);
  // The EF is larger than the certificate (FF filler), so reading on shows the filler.
  const std::size_t after = total;
  const Bytes filler = {0x00, 0xB0, static_cast<std::uint8_t>(after >> 8),
                        static_cast<std::uint8_t>(after & 0xFF), 0x04};
  EXPECT_EQ(transmit(card, filler).data, hex("FF FF FF FF"));
}

TEST(HpkiJma, CertificateInShortChunks) {
  Card card = testing::hpki_card(testpki::kHpkiJmaDoctorPersona);
  const Bytes expected = testing::pem_der(doctor().authentication_cert_pem);
  ASSERT_EQ(transmit(card, testing::select_name_apdu(
                               testing::aid_of(ProfileId::jma, Application::authentication)))
                .sw,
            sw::kOk);
  ASSERT_EQ(send(card, "00 A4 02 0C 02 00 16").sw, sw::kOk);
  Bytes whole;
  while (whole.size() < expected.size()) {
    const std::size_t offset = whole.size();
    const std::size_t n = std::min<std::size_t>(0xE0, expected.size() - offset);
    const auto a = transmit(
        card, Bytes{0x00, 0xB0, static_cast<std::uint8_t>(offset >> 8),
                    static_cast<std::uint8_t>(offset & 0xFF), static_cast<std::uint8_t>(n)});
    ASSERT_EQ(a.sw, sw::kOk);
    whole.insert(whole.end(), a.data.begin(), a.data.end());
  }
  EXPECT_EQ(whole, expected);
}

TEST(HpkiJma, KeyAndPinEfsAreNotReadable) {
  Card card = testing::hpki_card(testpki::kHpkiJmaDoctorPersona);
  prepare(card, Application::signature);
  ASSERT_EQ(send(card, "00 A4 02 0C 02 00 0C").sw, sw::kOk);
  EXPECT_EQ(send(card, "00 B0 00 00 00").sw, 0x6981);
  ASSERT_EQ(send(card, "00 A4 02 0C 02 00 02").sw, sw::kOk);
  EXPECT_EQ(send(card, "00 B0 00 00 00").sw, 0x6981);
}

TEST(HpkiJma, TheJahisTagOrKeyIsRefused) {
  Card card = testing::hpki_card(testpki::kHpkiJmaDoctorPersona);
  prepare(card, Application::signature);
  ASSERT_EQ(transmit(card, testing::verify_apdu(0x88, doctor().signature_pin)).sw, sw::kOk);
  EXPECT_EQ(send(card, "00 22 41 B6 04 81 02 00 0C").sw, 0x6A80);  // tag 81 is JAHIS's
  const Bytes block = testing::pkcs1_block("x");
  EXPECT_EQ(transmit(card, testing::pso_extended(block)).sw, sw::kConditionsNotSatisfied);
  EXPECT_EQ(send(card, "00 22 41 B6 04 84 02 00 17").sw, 0x6A80);  // not this card's key
  EXPECT_EQ(transmit(card, testing::pso_extended(block)).sw, sw::kConditionsNotSatisfied);
  EXPECT_EQ(send(card, "00 22 41 A4 04 84 02 00 0C").sw, sw::kWrongP1P2);  // AT, not DST
  EXPECT_EQ(send(card, "00 22 41 B6 05 84 03 00 00 0C").sw, 0x6A80);
  // The right MSE makes the same PSO work: the PIN is still verified.
  EXPECT_EQ(send(card, "00 22 41 B6 04 84 02 00 0C").sw, sw::kOk);
  EXPECT_EQ(transmit(card, testing::pso_extended(block)).sw, sw::kOk);
}

TEST(HpkiJma, SelectingAnotherApplicationDropsTheEnvironment) {
  Card card = testing::hpki_card(testpki::kHpkiJmaDoctorPersona);
  prepare(card, Application::authentication);
  ASSERT_EQ(transmit(card, testing::verify_apdu(0x88, doctor().authentication_pin)).sw, sw::kOk);
  const Bytes auth = testing::aid_of(ProfileId::jma, Application::authentication);
  ASSERT_EQ(transmit(card, testing::select_name_apdu(auth)).sw, sw::kOk);  // re-selected
  EXPECT_EQ(transmit(card, testing::pso_extended(testing::pkcs1_block("x"))).sw,
            sw::kConditionsNotSatisfied);
}

}  // namespace
}  // namespace onshi::sim
