// Command chaining in the card core (ISO 7816-4 §5.3.3): collected only for a handler that
// opts in, dropped when another command comes between the parts, bounded in size.
#include <gtest/gtest.h>

#include "onshi/sim/card.hpp"
#include "onshi/sim/command_chain.hpp"
#include "onshi/sim/status_words.hpp"
#include "test_support.hpp"

namespace onshi::sim {
namespace {

using testing::hex;
using testing::send;

constexpr std::uint8_t kInsEcho = 0xDA;

// Answers `00 DA P1 P2` with the data it was given; accepts chaining for INS DA only.
class EchoHandler final : public CommandHandler {
 public:
  std::optional<Response> handle(const CommandApdu& command, CardState&) override {
    if (command.cla != 0x00 || command.ins != kInsEcho) return std::nullopt;
    ++calls;
    return Response{command.data, sw::kOk};
  }
  bool accepts_chaining(const CommandApdu& head) const override {
    return head.cla == 0x00 && head.ins == kInsEcho;
  }
  int calls = 0;
};

class CommandChaining : public ::testing::Test {
 protected:
  void SetUp() override {
    auto handler = std::make_unique<EchoHandler>();
    echo_ = handler.get();
    ASSERT_TRUE(card_.register_handler(hex(testing::kTestAid), std::move(handler)));
    ASSERT_EQ(send(card_, "00 A4 04 0C 0A " + std::string(testing::kTestAid)).sw, sw::kOk);
  }

  Card card_ = testing::powered_card();
  EchoHandler* echo_ = nullptr;
};

TEST_F(CommandChaining, PartsAreJoinedForTheHandler) {
  EXPECT_EQ(send(card_, "10 DA 00 00 02 01 02").sw, sw::kOk);
  EXPECT_EQ(send(card_, "10 DA 00 00 01 03").sw, sw::kOk);
  EXPECT_EQ(echo_->calls, 0);  // intermediate parts never reach the handler
  const auto a = send(card_, "00 DA 00 00 02 04 05 00");
  EXPECT_EQ(a.sw, sw::kOk);
  EXPECT_EQ(a.data, hex("01 02 03 04 05"));
  EXPECT_EQ(echo_->calls, 1);
}

TEST_F(CommandChaining, AnotherCommandInBetweenDropsTheChain) {
  EXPECT_EQ(send(card_, "10 DA 00 00 02 01 02").sw, sw::kOk);
  EXPECT_EQ(send(card_, "00 B0 81 00 01").sw, sw::kOk);  // READ BINARY in between
  const auto a = send(card_, "00 DA 00 00 01 09 00");
  EXPECT_EQ(a.data, hex("09"));  // only the last part: the chain was dropped
}

TEST_F(CommandChaining, AnUnacceptedChainedPartDropsTheChain) {
  EXPECT_EQ(send(card_, "10 DA 00 00 01 01").sw, sw::kOk);
  EXPECT_EQ(send(card_, "10 CA 00 00 01 02").sw, sw::kCommandChainingNotSupported);
  EXPECT_EQ(send(card_, "00 DA 00 00 01 03 00").data, hex("03"));
}

TEST_F(CommandChaining, APartWithAnotherHeaderStartsANewChain) {
  EXPECT_EQ(send(card_, "10 DA 00 00 01 01").sw, sw::kOk);
  EXPECT_EQ(send(card_, "10 DA 01 00 01 02").sw, sw::kOk);
  EXPECT_EQ(send(card_, "00 DA 01 00 01 03 00").data, hex("02 03"));
}

TEST_F(CommandChaining, ResetAndGetResponseDropTheChain) {
  EXPECT_EQ(send(card_, "10 DA 00 00 01 01").sw, sw::kOk);
  EXPECT_EQ(send(card_, "00 C0 00 00 10").sw, sw::kConditionsNotSatisfied);
  EXPECT_EQ(send(card_, "00 DA 00 00 01 02 00").data, hex("02"));

  EXPECT_EQ(send(card_, "10 DA 00 00 01 01").sw, sw::kOk);
  card_.reset();
  ASSERT_EQ(send(card_, "00 A4 04 0C 0A " + std::string(testing::kTestAid)).sw, sw::kOk);
  EXPECT_EQ(send(card_, "00 DA 00 00 01 02 00").data, hex("02"));
}

// A full-size part `<cla> DA 00 00 FF <255 bytes> [00]`, built by the encoder (GCC 12 -O2 misreads
// edits of a copied vector, see 9194f15).
Bytes echo_part(std::uint8_t cla) {
  CommandApdu command;
  command.cla = cla;
  command.ins = kInsEcho;
  command.data.assign(0xFF, 0xAB);
  command.apdu_case = cla == 0x00 ? ApduCase::case4s : ApduCase::case3s;
  if (cla == 0x00) command.ne = 256;
  return encode_command_apdu(command).value_or(Bytes{});
}

TEST_F(CommandChaining, ChainsLongerThanTheLimitAnswer6700) {
  const Bytes part = echo_part(0x10);
  std::size_t sent = 0;
  while (sent + 0xFF <= CommandChain::kMaxData) {
    ASSERT_EQ(testing::split(card_.process(part)).sw, sw::kOk);
    sent += 0xFF;
  }
  EXPECT_EQ(testing::split(card_.process(part)).sw, sw::kWrongLength);
  // Dropped: the next last part stands alone.
  EXPECT_EQ(send(card_, "00 DA 00 00 01 07 00").data, hex("07"));

  // The limit also holds for the last part.
  for (std::size_t n = 0; n + 0xFF <= CommandChain::kMaxData; n += 0xFF) {
    ASSERT_EQ(testing::split(card_.process(part)).sw, sw::kOk);
  }
  EXPECT_EQ(testing::split(card_.process(echo_part(0x00))).sw, sw::kWrongLength);
  EXPECT_EQ(echo_->calls, 1);
}

TEST_F(CommandChaining, AnIntermediatePartNeedsData) {
  EXPECT_EQ(send(card_, "10 DA 00 00").sw, sw::kWrongLength);
}

TEST_F(CommandChaining, WithoutAnAcceptingHandlerChainingIsUnsupported) {
  EXPECT_EQ(send(card_, "10 A4 00 0C").sw, sw::kCommandChainingNotSupported);
  EXPECT_EQ(send(card_, "00 A4 00 0C").sw, sw::kOk);  // back to the MF: no handler any more
  EXPECT_EQ(send(card_, "10 DA 00 00 01 01").sw, sw::kCommandChainingNotSupported);
}

}  // namespace
}  // namespace onshi::sim
