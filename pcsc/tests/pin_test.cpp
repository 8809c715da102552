// The PIN-safety rules of cards-and-readers.md §1.4, against a scripted reader: exactly which
// APDUs go out, and which never do.
#include "onshi/pcsc/pin.hpp"

#include <gtest/gtest.h>

#include "fake_api.hpp"
#include "onshi/pcsc/jpki_ap.hpp"

namespace onshi::pcsc {
namespace {

using testing::FakeApi;

SecretBytes secret(std::string_view s) {
  return SecretBytes(ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

const Bytes kSelectJpki{0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0,
                        0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01};
const Bytes kSelectAuthPin{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18};
const Bytes kEmptyVerify{0x00, 0x20, 0x00, 0x80};
const Bytes kVerify1234{0x00, 0x20, 0x00, 0x80, 0x04, '1', '2', '3', '4'};

class PinTest : public ::testing::Test {
 protected:
  FakeApi api;
  Card connect(ShareMode share = ShareMode::exclusive) {
    auto ctx = std::make_shared<Context>(Context::establish(api).value());
    CardOptions o;
    o.share = share;
    return Card::connect(ctx, "Fake Reader 00 00", o).value();
  }
  void reply(Bytes b) { api.replies.push_back({SCARD_S_SUCCESS, std::move(b)}); }
  Result<VerifyOutcome> verify(Card& card, std::string_view pin, PinPolicy policy = {}) {
    auto p = secret(pin);
    return verify_pin(card, jpki::pin_reference(jpki::Key::auth), p, policy);
  }
};

TEST(PinFormat, FourDigitsExactly) {
  auto ok = secret("0123");
  EXPECT_TRUE(check_pin_format(ok, PinFormat::four_digits));
  for (std::string_view bad : {"123", "12345", "12a4", "12 4", ""}) {
    auto p = secret(bad);
    auto r = check_pin_format(p, PinFormat::four_digits);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::pin_format);
    if (!bad.empty()) {
      EXPECT_EQ(r.error().message.find(bad), std::string::npos) << "the PIN must not be echoed";
    }
  }
}

TEST(PinFormat, SignPasswordIsUpperCasedAndChecked) {
  auto p = secret("abc123");
  ASSERT_TRUE(check_pin_format(p, PinFormat::jpki_sign_password));
  EXPECT_EQ(std::string(p.view().begin(), p.view().end()), "ABC123");
  for (std::string_view bad : {"ABC12", "ABCDEFGHIJ1234567", "ABC-123", "ＡBC123"}) {
    auto b = secret(bad);
    EXPECT_EQ(check_pin_format(b, PinFormat::jpki_sign_password).error().code, Errc::pin_format)
        << bad;
  }
}

TEST(PinGuard, RefusesBlockedAndTheLastTryUnlessAllowed) {
  EXPECT_EQ(guard_pin_attempt({0, true, false}, {}, "x").error().code, Errc::pin_blocked);
  EXPECT_EQ(guard_pin_attempt({0, true, false}, {true}, "x").error().code, Errc::pin_blocked);
  const auto last = guard_pin_attempt({1, false, false}, {}, "x");
  ASSERT_FALSE(last);
  EXPECT_EQ(last.error().code, Errc::pin_last_try);
  EXPECT_EQ(last.error().retries_remaining, 1);
  EXPECT_TRUE(guard_pin_attempt({1, false, false}, {true}, "x"));
  EXPECT_TRUE(guard_pin_attempt({2, false, false}, {}, "x"));
  EXPECT_TRUE(guard_pin_attempt({std::nullopt, false, false}, {}, "x")) << "6300: no retry limit";
}

TEST_F(PinTest, ReadsTheCounterThenSendsThePinOnce) {
  Card card = connect();
  reply({0x90, 0x00});  // SELECT AP
  reply({0x90, 0x00});  // SELECT EF 0018
  reply({0x63, 0xC3});  // empty VERIFY: 3 left
  reply({0x90, 0x00});  // VERIFY
  auto r = verify(card, "1234");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->before.tries_left, 3);
  EXPECT_FALSE(r->powered_down);
  ASSERT_EQ(api.sent.size(), 4u);
  EXPECT_EQ(api.sent[0], kSelectJpki);
  EXPECT_EQ(api.sent[1], kSelectAuthPin);
  EXPECT_EQ(api.sent[2], kEmptyVerify);
  EXPECT_EQ(api.sent[3], kVerify1234);
}

TEST_F(PinTest, NeedsAnExclusiveConnection) {
  Card card = connect(ShareMode::shared);
  auto r = verify(card, "1234");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  EXPECT_TRUE(api.sent.empty());
}

TEST_F(PinTest, MalformedPinNeverReachesTheCard) {
  Card card = connect();
  EXPECT_EQ(verify(card, "12345").error().code, Errc::pin_format);
  EXPECT_TRUE(api.sent.empty());
}

TEST_F(PinTest, LastTryIsRefusedWithoutTheFlag) {
  Card card = connect();
  reply({0x90, 0x00});
  reply({0x90, 0x00});
  reply({0x63, 0xC1});
  auto r = verify(card, "1234");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::pin_last_try);
  EXPECT_EQ(r.error().retries_remaining, 1);
  ASSERT_EQ(api.sent.size(), 3u) << "no VERIFY with data";
}

TEST_F(PinTest, LastTryIsSpentWithTheFlag) {
  Card card = connect();
  reply({0x90, 0x00});
  reply({0x90, 0x00});
  reply({0x63, 0xC1});
  reply({0x90, 0x00});
  EXPECT_TRUE(verify(card, "1234", PinPolicy{true}));
  EXPECT_EQ(api.sent.back(), kVerify1234);
}

TEST_F(PinTest, BlockedPinIsNotTried) {
  for (Bytes sw : {Bytes{0x63, 0xC0}, Bytes{0x69, 0x84}}) {
    api.sent.clear();
    Card card = connect();
    reply({0x90, 0x00});
    reply({0x90, 0x00});
    reply(sw);
    auto r = verify(card, "1234", PinPolicy{true});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::pin_blocked);
    EXPECT_EQ(api.sent.size(), 3u);
  }
}

TEST_F(PinTest, NoLimitCounterAllowsVerify) {
  Card card = connect();
  reply({0x90, 0x00});
  reply({0x90, 0x00});
  reply({0x63, 0x00});
  reply({0x90, 0x00});
  auto r = verify(card, "1234");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->before.tries_left.has_value());
}

TEST_F(PinTest, WrongPinIsReportedAndNeverRetried) {
  Card card = connect();
  reply({0x90, 0x00});
  reply({0x90, 0x00});
  reply({0x63, 0xC3});
  reply({0x63, 0xC2});
  reply({0x90, 0x00});  // would be consumed by a retry
  auto r = verify(card, "1234");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::pin_wrong);
  EXPECT_EQ(r.error().retries_remaining, 2);
  EXPECT_EQ(api.sent.size(), 4u);
  EXPECT_EQ(api.replies.size(), 1u);
}

TEST_F(PinTest, TheTryThatBlocksIsReportedAsBlocked) {
  Card card = connect();
  reply({0x90, 0x00});
  reply({0x90, 0x00});
  reply({0x63, 0xC1});
  reply({0x63, 0xC0});
  auto r = verify(card, "1234", PinPolicy{true});
  EXPECT_EQ(r.error().code, Errc::pin_blocked);
  EXPECT_EQ(r.error().retries_remaining, 0);
}

TEST_F(PinTest, AlreadyVerifiedCardIsPoweredDownAndReadAgain) {
  Card card = connect();
  reply({0x90, 0x00});  // SELECT AP
  reply({0x90, 0x00});  // SELECT EF
  reply({0x90, 0x00});  // empty VERIFY: verified earlier, counter hidden
  // SCardReconnect(SCARD_UNPOWER_CARD), then:
  reply({0x6F, 0x00});  // the throw-away command after the power cycle
  reply({0x90, 0x00});  // SELECT AP
  reply({0x90, 0x00});  // SELECT EF
  reply({0x63, 0xC1});  // the real counter: 1 left
  auto r = verify(card, "1234");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::pin_last_try) << "the hidden counter was 1";
  EXPECT_EQ(api.reconnect_calls, 1);
  EXPECT_EQ(api.last_reconnect_init, static_cast<DWORD>(SCARD_UNPOWER_CARD));
  EXPECT_EQ(api.sent.size(), 7u);
}

TEST_F(PinTest, StillVerifiedAfterPowerDownIsRefused) {
  Card card = connect();
  for (int i = 0; i < 3; ++i) reply({0x90, 0x00});
  for (int i = 0; i < 4; ++i) reply({0x90, 0x00});
  auto r = verify(card, "1234");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::pin_state_unknown);
  for (const auto& apdu : api.sent) EXPECT_NE(apdu, kVerify1234);
}

// Regression: a verified card handed back with SCARD_LEAVE_CARD (e.g. when release() met a call
// stuck past its deadline) stays unlocked for any program. Once VERIFY went out, the handle's end
// is SCARD_UNPOWER_CARD whichever way the Card goes.
TEST_F(PinTest, VerifiedCardIsUnpoweredEvenWhenDroppedWithoutRelease) {
  {
    Card card = connect();
    reply({0x90, 0x00});
    reply({0x90, 0x00});
    reply({0x63, 0xC3});
    reply({0x90, 0x00});
    ASSERT_TRUE(verify(card, "1234"));
  }
  EXPECT_EQ(api.disconnect_calls, 1);
  EXPECT_EQ(api.last_disconnect, static_cast<DWORD>(SCARD_UNPOWER_CARD));
}

TEST_F(PinTest, CardWithoutVerifyIsLeftAsItWas) {
  { Card card = connect(); }
  EXPECT_EQ(api.last_disconnect, static_cast<DWORD>(SCARD_LEAVE_CARD));
}

TEST_F(PinTest, LostAnswerToVerifyMeansTheOutcomeIsUnknown) {
  Card card = connect();
  reply({0x90, 0x00});
  reply({0x90, 0x00});
  reply({0x63, 0xC3});
  api.replies.push_back({SCARD_E_NOT_TRANSACTED, {}});
  auto r = verify(card, "1234");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::pin_state_unknown);
  EXPECT_NE(r.error().message.find("answer was lost"), std::string::npos) << r.error().message;
  EXPECT_EQ(api.sent.size(), 4u) << "and it is not sent again";
}

TEST_F(PinTest, MissingPinFileMeansNoPin) {
  Card card = connect();
  reply({0x90, 0x00});
  reply({0x6A, 0x82});
  auto r = verify(card, "1234");
  EXPECT_EQ(r.error().code, Errc::pin_not_set);
}

TEST_F(PinTest, NotAMyNumberCard) {
  Card card = connect();
  reply({0x6A, 0x82});
  EXPECT_EQ(verify(card, "1234").error().code, Errc::card_unsupported);
}

}  // namespace
}  // namespace onshi::pcsc
