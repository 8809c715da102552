// Power, reset, class/instruction checks, GET CHALLENGE and application handlers.
#include <gtest/gtest.h>

#include "onshi/sim/card.hpp"
#include "onshi/sim/status_words.hpp"
#include "test_support.hpp"

namespace onshi::sim {
namespace {

using testing::hex;
using testing::send;

const std::string kSelectAp = "00 A4 04 0C 0A " + std::string(testing::kTestAid);

TEST(Power, PowerOnReturnsTheAtrAndUnpoweredCardsAnswer6F00) {
  Card card(testing::shipped_persona("generic.json"));
  EXPECT_FALSE(card.powered());
  EXPECT_EQ(send(card, kSelectAp).sw, sw::kNoPreciseDiagnosis);
  EXPECT_EQ(card.power_on(), hex("3B 8A 80 01 4F 4E 53 48 49 2D 53 49 4D 21 03"));
  EXPECT_EQ(send(card, kSelectAp).sw, sw::kOk);
  card.power_off();
  EXPECT_EQ(send(card, kSelectAp).sw, sw::kNoPreciseDiagnosis);
}

TEST(Power, WarmResetLosesTheSelection) {
  Card card = testing::powered_card();
  ASSERT_EQ(send(card, kSelectAp).sw, sw::kOk);
  ASSERT_EQ(send(card, "00 A4 02 0C 02 00 01").sw, sw::kOk);
  EXPECT_EQ(card.reset(), card.atr());
  EXPECT_EQ(card.state().current_df, FileTree::kMf);
  EXPECT_EQ(send(card, "00 B0 00 00 01").sw, sw::kNoCurrentEf);
}

TEST(Classes, UnsupportedClassesAndInstructions) {
  Card card = testing::powered_card();
  EXPECT_EQ(send(card, "00 CA 01 00 00").sw, sw::kInsNotSupported);        // GET DATA
  EXPECT_EQ(send(card, "00 20 00 80").sw, sw::kInsNotSupported);           // VERIFY
  EXPECT_EQ(send(card, "80 2A 00 80 01 AA 00").sw, sw::kClaNotSupported);  // proprietary
  EXPECT_EQ(send(card, "FF CA 00 00 00").sw, sw::kClaNotSupported);        // PC/SC pseudo-APDU
  EXPECT_EQ(send(card, "20 A4 00 0C").sw, sw::kClaNotSupported);           // RFU class
  EXPECT_EQ(send(card, "0C B0 00 00 01").sw, sw::kSecureMessagingNotSupported);
  EXPECT_EQ(send(card, "01 A4 00 0C").sw, sw::kLogicalChannelNotSupported);
  EXPECT_EQ(send(card, "40 A4 00 0C").sw, sw::kLogicalChannelNotSupported);
  EXPECT_EQ(send(card, "10 A4 00 0C").sw, sw::kCommandChainingNotSupported);
}

TEST(Classes, MalformedApdusAnswer6700) {
  Card card = testing::powered_card();
  EXPECT_EQ(send(card, "00 A4 04 0C 05 AA").sw, sw::kWrongLength);
  EXPECT_EQ(card.process(Bytes{0x00, 0xA4}), hex("67 00"));
  EXPECT_EQ(card.process(Bytes{}), hex("67 00"));
}

TEST(GetChallenge, ReturnsLeRandomBytes) {
  Card card = testing::powered_card();
  const auto a = send(card, "00 84 00 00 08");
  const auto b = send(card, "00 84 00 00 08");
  EXPECT_EQ(a.sw, sw::kOk);
  EXPECT_EQ(a.data.size(), 8u);
  EXPECT_NE(a.data, b.data);
  EXPECT_EQ(send(card, "00 84 00 00 00").data.size(), 256u);
  EXPECT_EQ(send(card, "00 84 00 01 08").sw, sw::kWrongP1P2);
  EXPECT_EQ(send(card, "00 84 00 00").sw, sw::kWrongLength);
  EXPECT_EQ(send(card, "00 84 00 00 00 00 08").sw, sw::kWrongLength);  // extended
}

// A stand-in for the JPKI/HPKI handlers of later issues: answers 80 2A, lets the rest through.
class FakeSigner final : public CommandHandler {
 public:
  explicit FakeSigner(int* resets, std::size_t answer_size = 4)
      : resets_(resets), answer_size_(answer_size) {}
  std::optional<Response> handle(const CommandApdu& command, CardState&) override {
    if (command.cla != 0x80 || command.ins != 0x2A) return std::nullopt;
    return Response{Bytes(answer_size_, 0x5A), sw::kOk};
  }
  void on_reset() override { ++*resets_; }

 private:
  int* resets_;
  std::size_t answer_size_;
};

TEST(Handlers, ConsultedOnlyWhileTheirDfIsCurrent) {
  Card card = testing::powered_card();
  int resets = 0;
  ASSERT_TRUE(card.register_handler(hex(testing::kTestAid), std::make_unique<FakeSigner>(&resets)));
  EXPECT_EQ(send(card, "80 2A 00 80 01 AA 00").sw, sw::kClaNotSupported);  // at the MF
  ASSERT_EQ(send(card, kSelectAp).sw, sw::kOk);                            // generic SELECT
  const auto a = send(card, "80 2A 00 80 01 AA 00");
  EXPECT_EQ(a.sw, sw::kOk);
  EXPECT_EQ(a.data, hex("5A 5A 5A 5A"));
  EXPECT_EQ(send(card, "00 A4 02 0C 02 00 01").sw, sw::kOk);  // falls through to the core
  card.reset();
  EXPECT_EQ(resets, 1);
  EXPECT_EQ(send(card, "80 2A 00 80 01 AA 00").sw, sw::kClaNotSupported);
}

TEST(Handlers, AnMfHandlerSeesEveryDf) {
  Card card = testing::powered_card();
  int resets = 0;
  ASSERT_TRUE(card.register_handler(FileTree::kMf, std::make_unique<FakeSigner>(&resets)));
  ASSERT_EQ(send(card, "00 A4 01 0C 02 5F 00").sw, sw::kOk);
  EXPECT_EQ(send(card, "80 2A 00 80 01 AA 00").sw, sw::kOk);
}

TEST(Handlers, AnswersAreChunkedLikeAnyOther) {
  Card card = testing::powered_card("t0-style.json");
  int resets = 0;
  ASSERT_TRUE(
      card.register_handler(hex(testing::kTestAid), std::make_unique<FakeSigner>(&resets, 256)));
  ASSERT_EQ(send(card, kSelectAp).sw, sw::kOk);
  EXPECT_EQ(send(card, "80 2A 00 80 01 AA 00").sw, 0x6100);
  EXPECT_EQ(send(card, "00 C0 00 00 00").data.size(), 200u);
}

TEST(Handlers, RegistrationNeedsAnExistingDf) {
  Card card = testing::powered_card();
  int resets = 0;
  EXPECT_FALSE(card.register_handler(hex("A0 00 00 00 01"), std::make_unique<FakeSigner>(&resets)));
  EXPECT_FALSE(card.register_handler(NodeId{9999}, std::make_unique<FakeSigner>(&resets)));
  EXPECT_FALSE(card.register_handler(FileTree::kMf, nullptr));
}

}  // namespace
}  // namespace onshi::sim
