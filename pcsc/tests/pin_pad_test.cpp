// Secure PIN entry (PC/SC Part 10) against a scripted reader: the structure onshi builds per
// application, the guard before the pad, and the pad's own answers.
#include "onshi/pcsc/pin_pad.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "fake_api.hpp"
#include "onshi/pcsc/hpki_ap.hpp"
#include "onshi/pcsc/jpki_ap.hpp"

namespace onshi::pcsc {
namespace {

using testing::FakeApi;
using namespace std::chrono_literals;

constexpr std::uint32_t kVerifyControl = 0x42330006;  // pcsc-lite's FEATURE_VERIFY_PIN_DIRECT

// The JPKI auth PIN: exactly 4 ASCII digits, Lc 04, no padding (cards-and-readers.md §1.4).
TEST(PinPadStructure, JpkiAuthIsAFixedFourByteBlock) {
  const auto format = pad_pin_format(PinFormat::four_digits);
  ASSERT_TRUE(format);
  const Bytes s = verify_pin_direct_structure(jpki::pin_reference(jpki::Key::auth), *format, 30s);
  EXPECT_EQ(to_hex(s, true),
            "1E 00 82 04 00 04 04 02 01 11 04 00 00 00 00 09 00 00 00 00 20 00 80 04 00 00 00 00");
  EXPECT_EQ(s.size(), 19U + 9U);  // libccid: ulDataLength + 19 must be the whole length
}

// HPKI: 4–16 characters, the reader inserting Lc from the entered length (§2).
TEST(PinPadStructure, HpkiLetsTheReaderSetLc) {
  const auto format = pad_pin_format(PinFormat::hpki_pin);
  ASSERT_TRUE(format);
  const auto& jma = hpki::known_profiles().front();
  const PinReference ref = hpki::pin_reference(jma, hpki::App::signature);
  const Bytes s = verify_pin_direct_structure(ref, *format, 20s);
  EXPECT_EQ(s[0], 20);
  EXPECT_EQ(s[3], 0x00);  // variable block
  EXPECT_EQ(s[5], 16);    // max
  EXPECT_EQ(s[6], 4);     // min
  EXPECT_EQ(to_hex(ByteView(s).subspan(15), true),
            fmt::format("05 00 00 00 00 20 00 {:02X} 00", ref.verify_p2));
}

TEST(PinPadStructure, ThePadCannotEnterTheSignPassword) {
  EXPECT_FALSE(pad_pin_format(PinFormat::jpki_sign_password));
}

const Bytes kOk{0x90, 0x00};

class PinPadTest : public ::testing::Test {
 protected:
  FakeApi api;
  PinPad pad = [] {
    PinPad p;
    p.verify_control = kVerifyControl;
    return p;
  }();
  Card connect() {
    auto ctx = std::make_shared<Context>(Context::establish(api).value());
    CardOptions o;
    o.share = ShareMode::exclusive;
    return Card::connect(ctx, "Fake Reader 00 00", o).value();
  }
  // SELECT JPKI, SELECT EF 0018, empty VERIFY answering `counter`.
  void script_counter(std::uint16_t counter) {
    api.replies.push_back({SCARD_S_SUCCESS, kOk});
    api.replies.push_back({SCARD_S_SUCCESS, kOk});
    api.replies.push_back(
        {SCARD_S_SUCCESS,
         {static_cast<std::uint8_t>(counter >> 8), static_cast<std::uint8_t>(counter)}});
  }
  Result<VerifyOutcome> verify(Card& card, PinPolicy policy = {}) {
    return verify_pin_on_pad(card, jpki::pin_reference(jpki::Key::auth), pad, policy);
  }
  bool any_verify_with_data() const {
    for (const auto& apdu : api.sent) {
      if (apdu.size() > 4 && apdu[1] == 0x20) return true;
    }
    return false;
  }
};

TEST_F(PinPadTest, TheCounterIsReadThenThePadVerifies) {
  Card card = connect();
  script_counter(0x63C3);
  api.control_replies.push_back({SCARD_S_SUCCESS, kOk});
  auto r = verify(card);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->before.tries_left, 3);
  ASSERT_EQ(api.controls_sent.size(), 1U);
  EXPECT_EQ(api.controls_sent[0].first, kVerifyControl);
  EXPECT_FALSE(any_verify_with_data()) << "the PIN must come from the pad, not the host";
}

TEST_F(PinPadTest, TheGuardStopsAtOneTryLeftBeforeThePadIsAsked) {
  Card card = connect();
  script_counter(0x63C1);
  auto r = verify(card);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::pin_last_try);
  EXPECT_EQ(r.error().retries_remaining, 1);
  EXPECT_TRUE(api.controls_sent.empty());
  // With the explicit flag the pad is asked.
  script_counter(0x63C1);
  api.control_replies.push_back({SCARD_S_SUCCESS, kOk});
  EXPECT_TRUE(verify(card, PinPolicy{true}));
}

TEST_F(PinPadTest, AWrongPinOnThePadReportsTheTriesLeft) {
  Card card = connect();
  script_counter(0x63C3);
  api.control_replies.push_back({SCARD_S_SUCCESS, {0x63, 0xC2}});
  auto r = verify(card);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::pin_wrong);
  EXPECT_EQ(r.error().retries_remaining, 2);
}

TEST_F(PinPadTest, TimeoutAndCancelOnThePadSpendNothing) {
  Card card = connect();
  script_counter(0x63C3);
  api.control_replies.push_back({SCARD_S_SUCCESS, {0x64, 0x00}});
  auto r = verify(card);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::timeout);
  EXPECT_NE(r.error().message.find("no try was spent"), std::string::npos);
  script_counter(0x63C3);
  api.control_replies.push_back({SCARD_S_SUCCESS, {0x64, 0x01}});
  r = verify(card);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::cancelled);
}

TEST_F(PinPadTest, AGarbledPadAnswerLeavesTheOutcomeUnknown) {
  Card card = connect();
  script_counter(0x63C3);
  api.control_replies.push_back({SCARD_S_SUCCESS, {0x90}});
  auto r = verify(card);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::apdu_malformed_response);
  script_counter(0x63C3);
  api.control_replies.push_back({SCARD_E_NOT_TRANSACTED, {}});
  r = verify(card);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::pin_state_unknown);
}

TEST_F(PinPadTest, DetectionFindsVerifyPinDirectOrNothing) {
  Card card = connect();
  EXPECT_FALSE(detect_pin_pad(card).value());  // no Part 10 at all
  // 06 04 42330006 (VERIFY_PIN_DIRECT), 12 04 42330012 (GET_TLV_PROPERTIES)
  api.control_replies.push_back(
      {SCARD_S_SUCCESS, *from_hex("06 04 42 33 00 06 12 04 42 33 00 12")});
  api.control_replies.push_back({SCARD_S_SUCCESS, *from_hex("01 02 10 02 06 01 04 07 01 08")});
  auto found = detect_pin_pad(card);
  ASSERT_TRUE(found);
  ASSERT_TRUE(*found);
  EXPECT_EQ((*found)->verify_control, kVerifyControl);
  EXPECT_EQ((*found)->properties.lcd_layout, 0x0210);
  // A reader without the feature: no pad.
  api.control_replies.push_back({SCARD_S_SUCCESS, *from_hex("12 04 42 33 00 12")});
  EXPECT_FALSE(detect_pin_pad(card).value());
  // Garbage is an error, not "no pad"; so is a reader that went away.
  api.control_replies.push_back({SCARD_S_SUCCESS, *from_hex("06 03 42 33 00")});
  EXPECT_FALSE(detect_pin_pad(card));
  api.control_replies.push_back({SCARD_E_READER_UNAVAILABLE, {}});
  EXPECT_FALSE(detect_pin_pad(card));
  api.control_replies.push_back({SCARD_E_NOT_TRANSACTED, {}});
  EXPECT_FALSE(detect_pin_pad(card).value());
}

}  // namespace
}  // namespace onshi::pcsc
