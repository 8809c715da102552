#include "onshi/pcsc/card.hpp"

#include <gtest/gtest.h>

#include "fake_api.hpp"

namespace onshi::pcsc {
namespace {

using testing::FakeApi;

class CardTest : public ::testing::Test {
 protected:
  FakeApi api;
  Card connect() {
    auto ctx = Context::establish(api);
    EXPECT_TRUE(ctx);
    auto card = Card::connect(std::make_shared<Context>(std::move(ctx).value()), "Fake Reader 00 00");
    EXPECT_TRUE(card) << card.error().to_string();
    return std::move(card).value();
  }
  void reply(Bytes b) { api.replies.push_back({SCARD_S_SUCCESS, std::move(b)}); }
  void reply_rv(LONG rv) { api.replies.push_back({rv, {}}); }
};

const CommandApdu kRead{0x00, 0xB0, 0x00, 0x00, {}, 256};

TEST_F(CardTest, FollowsGetResponseChains) {
  Card card = connect();
  reply({0x61, 0x03});
  reply({0x01, 0x02, 0x03, 0x61, 0x02});
  reply({0x04, 0x05, 0x90, 0x00});
  auto r = card.transmit(kRead);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->data, (Bytes{1, 2, 3, 4, 5}));
  EXPECT_EQ(r->sw(), 0x9000);
  ASSERT_EQ(api.sent.size(), 3u);
  EXPECT_EQ(api.sent[1], (Bytes{0x00, 0xC0, 0x00, 0x00, 0x03}));
  EXPECT_EQ(api.sent[2], (Bytes{0x00, 0xC0, 0x00, 0x00, 0x02}));
}

TEST_F(CardTest, ResendsOnceWithTheExactLeAfter6Cxx) {
  Card card = connect();
  reply({0x6C, 0x04});
  reply({0x0A, 0x0B, 0x0C, 0x0D, 0x90, 0x00});
  auto r = card.transmit(kRead);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->data.size(), 4u);
  ASSERT_EQ(api.sent.size(), 2u);
  EXPECT_EQ(api.sent[1], (Bytes{0x00, 0xB0, 0x00, 0x00, 0x04}));
}

TEST_F(CardTest, AnEndless61xxChainIsAnErrorNotAHang) {
  Card card = connect();
  for (int i = 0; i < 400; ++i) reply({0xAA, 0x61, 0x01});
  auto r = card.transmit(kRead);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::apdu_malformed_response);
}

TEST_F(CardTest, ResponseWithoutStatusWordIsMalformed) {
  Card card = connect();
  reply({0x90});
  EXPECT_EQ(card.transmit(kRead).error().code, Errc::apdu_malformed_response);
}

// Regression (cards-and-readers.md §4.2): another program reset the card. The handle is
// reconnected with SCARD_LEAVE_CARD, the caller hears "card_reset", and the APDU is not replayed.
TEST_F(CardTest, ResetIsReconnectedAndReportedWithoutReplay) {
  Card card = connect();
  reply_rv(SCARD_W_RESET_CARD);
  auto r = card.transmit(kRead);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::card_reset);
  EXPECT_EQ(api.reconnect_calls, 1);
  EXPECT_EQ(api.last_reconnect_init, static_cast<DWORD>(SCARD_LEAVE_CARD));
  EXPECT_EQ(api.sent.size(), 1u);
  reply({0x90, 0x00});
  EXPECT_TRUE(card.transmit(kRead));  // the handle works again
}

TEST_F(CardTest, RemovalIsStickyAndClear) {
  Card card = connect();
  reply_rv(SCARD_W_REMOVED_CARD);
  auto r = card.transmit(kRead);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::card_removed);
  EXPECT_NE(r.error().message.find("Fake Reader 00 00"), std::string::npos);
  auto again = card.transmit(kRead);
  EXPECT_EQ(again.error().code, Errc::card_removed);
  EXPECT_EQ(api.sent.size(), 1u);  // no second attempt on a dead handle
}

// Regression: vpcd answers an APDU that met a removal with zero bytes and success; pcscd sees the
// removal a little later. That is a removal, not a malformed answer.
TEST_F(CardTest, EmptyAnswerFromARemovedCardIsARemoval) {
  Card card = connect();
  reply({});
  api.status_state = SCARD_ABSENT;
  auto r = card.transmit(kRead);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::card_removed);
}

TEST_F(CardTest, EmptyAnswerWithTheCardStillThereIsMalformed) {
  Card card = connect();
  reply({});
  api.status_rv = SCARD_F_INTERNAL_ERROR;
  auto r = card.transmit(kRead);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::apdu_malformed_response);
  EXPECT_EQ(api.status_calls, 1);
}

TEST_F(CardTest, DisconnectsOnDestructionWithLeaveCard) {
  {
    Card card = connect();
  }
  EXPECT_EQ(api.disconnect_calls, 1);
  EXPECT_EQ(api.last_disconnect, static_cast<DWORD>(SCARD_LEAVE_CARD));
}

TEST_F(CardTest, ExplicitDisconnectUsesItsDispositionOnce) {
  Card card = connect();
  ASSERT_TRUE(card.disconnect(Disposition::unpower));
  EXPECT_EQ(api.last_disconnect, static_cast<DWORD>(SCARD_UNPOWER_CARD));
  EXPECT_EQ(card.transmit(kRead).error().code, Errc::invalid_argument);
}

TEST_F(CardTest, ConnectFailureNamesTheReader) {
  api.connect_rv = SCARD_E_NO_SMARTCARD;
  auto ctx = std::make_shared<Context>(Context::establish(api).value());
  auto card = Card::connect(ctx, "Fake Reader 00 00");
  ASSERT_FALSE(card);
  EXPECT_EQ(card.error().code, Errc::card_absent);
  EXPECT_NE(card.error().message.find("Fake Reader 00 00"), std::string::npos);
}

}  // namespace
}  // namespace onshi::pcsc
