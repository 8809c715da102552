// The 券面事項入力補助AP through Card::process (cards-and-readers.md §1.4, §1.5, §1.7): its PIN
// and counter, the files it guards, the PIN-less card-present signature, and how its verified
// state lives next to the JPKI AP's.
#include <gtest/gtest.h>

#include <string>

#include "jpki_test_support.hpp"
#include "onshi/sim/kenmen.hpp"
#include "onshi/sim/persona_manifest.hpp"

namespace onshi::sim {
namespace {

using testing::digest_info;
using testing::GeneratedPki;
using testing::hex;
using testing::send;
using testing::sign_apdu;
using testing::transmit;
using testing::verify_apdu;

constexpr std::uint8_t kCurrentEf = 0x80;
constexpr std::uint8_t kKenmenPinSfi = 0x91;  // EF 0011 (§1.7), SFI = FID
constexpr std::uint8_t kAuthPinSfi = 0x98;
constexpr std::uint8_t kSignPinSfi = 0x9B;

const std::string& kenmen_pin(std::string_view persona = testpki::kCardPersona) {
  return GeneratedPki::get().persona(persona).kenmen_pin;
}

// The whole EF through short READ BINARYs of 256 bytes.
Bytes read_ef(Card& card, std::string_view select, std::size_t size) {
  EXPECT_EQ(send(card, select).sw, 0x9000);
  Bytes out;
  for (std::size_t offset = 0; offset < size; offset += 256) {
    const Bytes apdu = {0x00, 0xB0, static_cast<std::uint8_t>(offset >> 8),
                        static_cast<std::uint8_t>(offset & 0xFF),
                        static_cast<std::uint8_t>(std::min<std::size_t>(size - offset, 256))};
    const auto chunk = transmit(card, apdu);
    EXPECT_EQ(chunk.sw, 0x9000) << offset;
    out.insert(out.end(), chunk.data.begin(), chunk.data.end());
  }
  return out;
}

ossl::PkeyPtr manifest_card_present_key(std::string_view persona) {
  auto manifest = load_persona_manifest(GeneratedPki::get().generated().manifest);
  EXPECT_TRUE(manifest) << manifest.error().to_string();
  if (!manifest) return nullptr;
  const ManifestCard* card = manifest->find_persona(persona);
  EXPECT_NE(card, nullptr);
  if (card == nullptr || !card->card_present_public_key) return nullptr;
  auto key = ossl::parse_public_key_der(*card->card_present_public_key);
  EXPECT_TRUE(key);
  return key ? std::move(*key) : nullptr;
}

TEST(KenmenPin, EmptyVerifyReportsTheCounterBySfiOrSelectedEf) {
  Card card = testing::kenmen_card();
  EXPECT_EQ(transmit(card, verify_apdu(kKenmenPinSfi, "")).sw, 0x63C3);
  ASSERT_EQ(send(card, "00 A4 02 0C 02 00 11").sw, 0x9000);
  EXPECT_EQ(send(card, "00 20 00 80").sw, 0x63C3);
  EXPECT_EQ(send(card, "00 20 00 80").sw, 0x63C3);  // spends nothing
}

TEST(KenmenPin, CountsDownLocksAndNeverGoesBelowZero) {
  Card card = testing::kenmen_card();
  EXPECT_EQ(transmit(card, verify_apdu(kKenmenPinSfi, "0000")).sw, 0x63C2);
  EXPECT_EQ(transmit(card, verify_apdu(kKenmenPinSfi, "0001")).sw, 0x63C1);
  EXPECT_EQ(transmit(card, verify_apdu(kKenmenPinSfi, "0002")).sw, 0x63C0);
  EXPECT_EQ(transmit(card, verify_apdu(kKenmenPinSfi, kenmen_pin())).sw, 0x6984);
  EXPECT_EQ(transmit(card, verify_apdu(kKenmenPinSfi, "")).sw, 0x63C0);
  EXPECT_EQ(send(card, "00 B0 81 00 11").sw, 0x6982);
}

TEST(KenmenPin, RightPinResetsTheCounter) {
  Card card = testing::kenmen_card();
  EXPECT_EQ(transmit(card, verify_apdu(kKenmenPinSfi, "9999")).sw, 0x63C2);
  EXPECT_EQ(transmit(card, verify_apdu(kKenmenPinSfi, kenmen_pin())).sw, 0x9000);
  EXPECT_EQ(transmit(card, verify_apdu(kKenmenPinSfi, "")).sw, 0x9000);
  card.power_off();
  card.power_on();
  ASSERT_EQ(send(card, testing::kSelectKenmen).sw, 0x9000);
  EXPECT_EQ(transmit(card, verify_apdu(kKenmenPinSfi, "")).sw, 0x63C3);
}

TEST(KenmenPin, CountersOf0018And001BAnd0011AreIndependent) {
  Card card = testing::kenmen_card();
  EXPECT_EQ(transmit(card, verify_apdu(kKenmenPinSfi, "0000")).sw, 0x63C2);
  ASSERT_EQ(send(card, testing::kSelectJpki).sw, 0x9000);
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, "")).sw, 0x63C3);
  EXPECT_EQ(transmit(card, verify_apdu(kSignPinSfi, "")).sw, 0x63C5);
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, "0000")).sw, 0x63C2);
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, "0000")).sw, 0x63C1);
  EXPECT_EQ(transmit(card, verify_apdu(kSignPinSfi, "WRONG1")).sw, 0x63C4);
  EXPECT_EQ(transmit(card, verify_apdu(kKenmenPinSfi, "")).sw, 0x6A88);  // not in the JPKI AP
  ASSERT_EQ(send(card, testing::kSelectKenmen).sw, 0x9000);
  EXPECT_EQ(transmit(card, verify_apdu(kKenmenPinSfi, "")).sw, 0x63C2);
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, "")).sw, 0x6A88);  // not in the 券面AP
  EXPECT_EQ(transmit(card, verify_apdu(kKenmenPinSfi, "0000")).sw, 0x63C1);
  ASSERT_EQ(send(card, testing::kSelectJpki).sw, 0x9000);
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, "")).sw, 0x63C1);
  EXPECT_EQ(transmit(card, verify_apdu(kSignPinSfi, "")).sw, 0x63C4);
}

TEST(KenmenPin, VerifiedStateBelongsToItsAp) {
  Card card = testing::kenmen_card();
  ASSERT_EQ(send(card, testing::kSelectJpki).sw, 0x9000);
  const std::string& auth = GeneratedPki::get().card().auth_pin;
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, auth)).sw, 0x9000);
  ASSERT_EQ(send(card, testing::kSelectKenmen).sw, 0x9000);
  EXPECT_EQ(send(card, "00 B0 81 00 11").sw, 0x6982);  // the JPKI auth PIN opens nothing here
  EXPECT_EQ(transmit(card, verify_apdu(kKenmenPinSfi, kenmen_pin())).sw, 0x9000);
  ASSERT_EQ(send(card, testing::kSelectJpki).sw, 0x9000);
  EXPECT_EQ(send(card, "00 B0 81 00 04").sw, 0x6982);  // nor this PIN the sign certificate
}

TEST(KenmenPin, BadParametersAndReferences) {
  Card card = testing::kenmen_card();
  EXPECT_EQ(send(card, "00 20 00 80").sw, 0x6A88);  // no EF selected
  ASSERT_EQ(send(card, "00 A4 02 0C 02 00 01").sw, 0x9000);
  EXPECT_EQ(send(card, "00 20 00 80").sw, 0x6A88);  // My Number is not a PIN
  EXPECT_EQ(send(card, "00 20 01 91").sw, 0x6A86);
  EXPECT_EQ(send(card, "00 20 00 11").sw, 0x6A86);
  EXPECT_EQ(send(card, "00 20 00 94").sw, 0x6A88);  // 照合番号A: not emulated
}

TEST(KenmenFiles, MyNumberAndBasicFourNeedThePin) {
  Card card = testing::kenmen_card();
  for (std::string_view read : {"00 B0 81 00 11", "00 B0 82 00 10", "00 B0 91 00 01"}) {
    EXPECT_EQ(send(card, read).sw, 0x6982) << read;
  }
  ASSERT_EQ(send(card, "00 A4 02 0C 02 00 02").sw, 0x9000);
  EXPECT_EQ(send(card, "00 B0 00 00 10").sw, 0x6982);
  EXPECT_EQ(send(card, "00 A4 02 0C 02 00 03").sw, 0x6A82);  // EF 0003 is not emulated
  EXPECT_EQ(transmit(card, verify_apdu(kKenmenPinSfi, kenmen_pin())).sw, 0x9000);
  EXPECT_EQ(send(card, "00 B0 91 00 01").sw, 0x6982);  // the PIN EF never reads
}

TEST(KenmenFiles, MyNumberReadsAsSeventeenBytes) {
  Card card = testing::kenmen_card();
  const std::string number = GeneratedPki::holder(testpki::kCardPersona).kenmen->my_number;
  ASSERT_EQ(send(card, "00 A4 02 0C 02 00 11").sw, 0x9000);
  ASSERT_EQ(transmit(card, verify_apdu(kCurrentEf, kenmen_pin())).sw, 0x9000);
  // §1.7 PIN route: SELECT EF 0001, READ BINARY.
  Bytes expected = hex("FF 10 0C");
  expected.insert(expected.end(), number.begin(), number.end());
  expected.insert(expected.end(), {0xFF, 0xFF});
  EXPECT_EQ(read_ef(card, "00 A4 02 0C 02 00 01", kenmen::kMyNumberEfSize), expected);
  // §1.6: `00 B0 81 03 0C` reads the 12 digits by SFI.
  const auto digits = send(card, "00 B0 81 03 0C");
  EXPECT_EQ(digits.sw, 0x9000);
  EXPECT_EQ(std::string(digits.data.begin(), digits.data.end()), number);
  EXPECT_EQ(send(card, "00 B0 81 00 20").sw, 0x6282);  // 17 bytes, then the end of the EF
}

TEST(KenmenFiles, BasicFourIsTheClassicRecordWithTheHoldersData) {
  Card card = testing::kenmen_card();
  const auto holder = GeneratedPki::holder(testpki::kCardPersona);
  ASSERT_EQ(transmit(card, verify_apdu(kKenmenPinSfi, kenmen_pin())).sw, 0x9000);
  const Bytes ef = read_ef(card, "00 A4 02 0C 02 00 02", kenmen::kBasicFourEfSize);
  auto expected = kenmen::basic_four_ef({holder.name, holder.address, "19900102", holder.sex},
                                        kenmen::Layout::classic);
  ASSERT_TRUE(expected);
  EXPECT_EQ(ef, *expected);
  EXPECT_EQ(Bytes(ef.begin(), ef.begin() + 2), hex("FF 20"));
  // §1.6: the length byte by SFI at offset 2.
  EXPECT_EQ(send(card, "00 B0 82 02 01").data, Bytes{ef[2]});
}

TEST(KenmenFiles, Layout2023HasTwoBytesBeforeTheRecordAndLongLengths) {
  Card card = testing::kenmen_card(testpki::kCard2023Persona);
  ASSERT_EQ(transmit(card, verify_apdu(kKenmenPinSfi, kenmen_pin(testpki::kCard2023Persona))).sw,
            0x9000);
  const Bytes ef = read_ef(card, "00 A4 02 0C 02 00 02", kenmen::kBasicFourEfSize);
  // 01 00 (onshi's stand-in), FF 20, 81 xx: the address is longer than 127 bytes.
  EXPECT_EQ(Bytes(ef.begin(), ef.begin() + 5), hex("01 00 FF 20 81"));
  EXPECT_EQ(Bytes(ef.begin() + 6, ef.begin() + 9), hex("DF 21 08"));
  const std::size_t address = static_cast<std::size_t>((ef[11] << 8) | ef[12]);
  EXPECT_EQ(Bytes(ef.begin() + static_cast<std::ptrdiff_t>(address),
                  ef.begin() + static_cast<std::ptrdiff_t>(address) + 3),
            hex("DF 23 81"));
  const auto holder = GeneratedPki::holder(testpki::kCard2023Persona);
  const std::size_t length = ef[address + 3];
  EXPECT_EQ(std::string(ef.begin() + static_cast<std::ptrdiff_t>(address) + 4,
                        ef.begin() + static_cast<std::ptrdiff_t>(address + 4 + length)),
            holder.address);
}

TEST(KenmenSign, CardPresentKeySignsWithoutAPinAndVerifiesWithTheManifestKey) {
  Card card = testing::kenmen_card();
  const std::string challenge = "onshi card-present challenge 0001";
  const auto signature = transmit(card, sign_apdu(0x00, 0x00, digest_info(challenge)));
  ASSERT_EQ(signature.sw, 0x9000);
  ASSERT_EQ(signature.data.size(), 256U);
  const auto key = manifest_card_present_key(testpki::kCardPersona);
  ASSERT_TRUE(key);
  EXPECT_TRUE(testing::verifies_with(key.get(), testing::text_view(challenge), signature.data));
  // Another persona's key does not verify it: every card has its own.
  const auto other = manifest_card_present_key(testpki::kChildPersona);
  ASSERT_TRUE(other);
  EXPECT_FALSE(testing::verifies_with(other.get(), testing::text_view(challenge), signature.data));
  // Nothing was verified, and the counter is untouched.
  EXPECT_EQ(transmit(card, verify_apdu(kKenmenPinSfi, "")).sw, 0x63C3);
}

TEST(KenmenSign, TheP384PersonasCardPresentKeyIsStillRsa2048) {
  Card card = testing::kenmen_card(testpki::kP384Persona);
  const auto signature = transmit(card, sign_apdu(0x00, 0x00, digest_info("m")));
  ASSERT_EQ(signature.sw, 0x9000);
  EXPECT_EQ(signature.data.size(), 256U);
  const auto key = manifest_card_present_key(testpki::kP384Persona);
  ASSERT_TRUE(key);
  EXPECT_TRUE(testing::verifies_with(key.get(), testing::text_view("m"), signature.data));
}

TEST(KenmenSign, ParameterAndInputErrors) {
  Card card = testing::kenmen_card();
  EXPECT_EQ(transmit(card, sign_apdu(0x01, 0x00, digest_info("m"))).sw, 0x6A86);
  EXPECT_EQ(transmit(card, sign_apdu(0x00, 0x80, digest_info("m"))).sw, 0x6A86);
  EXPECT_EQ(send(card, "80 2A 00 00 00").sw, 0x6700);                             // no data
  EXPECT_EQ(transmit(card, sign_apdu(0x00, 0x00, Bytes(246, 0x01))).sw, 0x6985);  // > k − 11
  EXPECT_EQ(transmit(card, sign_apdu(0x00, 0x00, Bytes(245, 0x01))).sw, 0x9000);
  // INTERNAL AUTHENTICATE: the 券面 keys refuse it (§1.5).
  EXPECT_EQ(send(card, "00 88 00 00 08 01 02 03 04 05 06 07 08 00").sw, 0x6985);
}

TEST(KenmenSign, ThePinlessKeyIsOnlyHereNotInTheJpkiAp) {
  Card card = testing::kenmen_card();
  ASSERT_EQ(send(card, testing::kSelectJpki).sw, 0x9000);
  EXPECT_EQ(transmit(card, sign_apdu(0x00, 0x00, digest_info("m"))).sw, 0x6A86);
}

TEST(KenmenSecurity, WarmResetKeepsThePinVerifiedAndPowerDownClearsIt) {
  Card card = testing::kenmen_card();
  ASSERT_EQ(transmit(card, verify_apdu(kKenmenPinSfi, kenmen_pin())).sw, 0x9000);
  card.reset();
  EXPECT_EQ(send(card, "00 B0 81 00 01").sw, 0x6A82);  // back at the MF
  ASSERT_EQ(send(card, testing::kSelectKenmen).sw, 0x9000);
  EXPECT_EQ(send(card, "00 B0 81 00 03").data, hex("FF 10 0C"));
  card.power_off();
  card.power_on();
  ASSERT_EQ(send(card, testing::kSelectKenmen).sw, 0x9000);
  EXPECT_EQ(send(card, "00 B0 81 00 03").sw, 0x6982);
}

}  // namespace
}  // namespace onshi::sim
