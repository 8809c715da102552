// HPKI PINs: 15 tries (cards-and-readers.md §2.3), 63Cx counters, a counter per application,
// and the two blocked status words of §2.1 (6984 on the JMA card, 6983 in the JAHIS example).
#include <gtest/gtest.h>

#include "hpki_test_support.hpp"
#include "onshi/sim/hpki_handler.hpp"
#include "onshi/sim/status_words.hpp"

namespace onshi::sim {
namespace {

using hpki::Application;
using hpki::ProfileId;
using testing::send;
using testing::transmit;

struct PinCase {
  std::string_view persona;
  ProfileId profile;
  std::uint8_t p2;
  std::uint16_t blocked;
};

class HpkiPin : public ::testing::TestWithParam<PinCase> {
 protected:
  Card select(Application app) const {
    Card card = testing::hpki_card(GetParam().persona);
    EXPECT_EQ(
        transmit(card, testing::select_name_apdu(testing::aid_of(GetParam().profile, app))).sw,
        sw::kOk);
    return card;
  }
  std::uint16_t query(Card& card) const {
    return transmit(card, Bytes{0x00, 0x20, 0x00, GetParam().p2}).sw;
  }
  std::uint16_t verify(Card& card, std::string_view pin) const {
    return transmit(card, testing::verify_apdu(GetParam().p2, pin)).sw;
  }
  const testpki::GeneratedHpkiPersona& generated() const {
    return testing::GeneratedHpkiSet::get().persona(GetParam().persona);
  }
};

TEST_P(HpkiPin, CounterCountsDownFromFifteenAndARightPinResetsIt) {
  Card card = select(Application::signature);
  EXPECT_EQ(query(card), 0x63CF);  // 15 left, nothing spent by asking
  EXPECT_EQ(verify(card, "0000"), 0x63CE);
  EXPECT_EQ(verify(card, "00000"), 0x63CD);
  EXPECT_EQ(query(card), 0x63CD);
  EXPECT_EQ(verify(card, generated().signature_pin), sw::kOk);
  EXPECT_EQ(query(card), sw::kOk);          // verified
  EXPECT_EQ(verify(card, "0000"), 0x63CE);  // back to 15, then one wrong
  EXPECT_EQ(query(card), 0x63CE);           // a wrong PIN also ends the verified state
}

TEST_P(HpkiPin, FifteenWrongPinsBlock) {
  Card card = select(Application::signature);
  for (int left = 14; left >= 0; --left) {
    EXPECT_EQ(verify(card, "0000"), 0x63C0 | left);
  }
  EXPECT_EQ(query(card), 0x63C0);
  EXPECT_EQ(verify(card, generated().signature_pin), GetParam().blocked);  // even the right one
  EXPECT_EQ(verify(card, "0000"), GetParam().blocked);
  // Blocked for good: a power cycle keeps the counter.
  card.power_off();
  card.power_on();
  ASSERT_EQ(transmit(card, testing::select_name_apdu(
                               testing::aid_of(GetParam().profile, Application::signature)))
                .sw,
            sw::kOk);
  EXPECT_EQ(verify(card, generated().signature_pin), GetParam().blocked);
}

TEST_P(HpkiPin, EachApplicationHasItsOwnCounterAndState) {
  Card card = select(Application::signature);
  EXPECT_EQ(verify(card, "0000"), 0x63CE);
  const Bytes auth = testing::aid_of(GetParam().profile, Application::authentication);
  ASSERT_EQ(transmit(card, testing::select_name_apdu(auth)).sw, sw::kOk);
  EXPECT_EQ(query(card), 0x63CF);
  // The signature PIN opens nothing here.
  EXPECT_EQ(verify(card, generated().signature_pin), 0x63CE);
  EXPECT_EQ(verify(card, generated().authentication_pin), sw::kOk);
  const Bytes sign = testing::aid_of(GetParam().profile, Application::signature);
  ASSERT_EQ(transmit(card, testing::select_name_apdu(sign)).sw, sw::kOk);
  EXPECT_EQ(query(card), 0x63CE);
}

TEST_P(HpkiPin, MalformedVerify) {
  Card card = select(Application::signature);
  EXPECT_EQ(transmit(card, Bytes{0x00, 0x20, 0x01, GetParam().p2}).sw, sw::kWrongP1P2);
  EXPECT_EQ(send(card, "00 20 00 08").sw, sw::kWrongP1P2);  // P2 b8 = 0
  EXPECT_EQ(send(card, "00 20 00 81").sw, sw::kReferencedDataNotFound);
  // Longer than 16 characters: refused without spending a try (§2.1 maxLength 16).
  EXPECT_EQ(verify(card, "12345678901234567"), sw::kWrongLength);
  EXPECT_EQ(query(card), 0x63CF);
}

INSTANTIATE_TEST_SUITE_P(
    Profiles, HpkiPin,
    ::testing::Values(PinCase{testpki::kHpkiJmaDoctorPersona, ProfileId::jma, 0x88, 0x6984},
                      PinCase{testpki::kHpkiJahisClinicPersona, ProfileId::jahis, 0x96, 0x6983}),
    [](const auto& test) { return std::string(hpki::profile(test.param.profile).name); });

TEST(HpkiPinPersona, TriesLeftComesFromThePersona) {
  auto persona = testing::hpki_persona(testpki::kHpkiJmaDoctorPersona);
  ASSERT_TRUE(persona.hpki && persona.hpki->signature && persona.hpki->authentication);
  EXPECT_EQ(persona.hpki->signature->pin.max_tries, hpki::kPinTries);
  EXPECT_EQ(persona.hpki->signature->pin.tries_left, hpki::kPinTries);
  persona.hpki->signature->pin.tries_left = 1;
  persona.hpki->authentication->pin.tries_left = 0;
  Card card(std::move(persona));
  card.power_on();
  const Bytes sign = testing::aid_of(ProfileId::jma, Application::signature);
  ASSERT_EQ(transmit(card, testing::select_name_apdu(sign)).sw, sw::kOk);
  EXPECT_EQ(send(card, "00 20 00 88").sw, 0x63C1);
  EXPECT_EQ(send(card, "00 20 00 88 04 30 30 30 30").sw, 0x63C0);
  EXPECT_EQ(send(card, "00 20 00 88 04 30 30 30 30").sw, 0x6984);
  const Bytes auth = testing::aid_of(ProfileId::jma, Application::authentication);
  ASSERT_EQ(transmit(card, testing::select_name_apdu(auth)).sw, sw::kOk);
  EXPECT_EQ(send(card, "00 20 00 88").sw, 0x63C0);
}

}  // namespace
}  // namespace onshi::sim
