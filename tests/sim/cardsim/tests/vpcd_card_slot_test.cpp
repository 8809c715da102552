// The vpcd transport against a fake vpcd on 127.0.0.1 (test-rigs.md §1 wire protocol).
#include "onshi/sim/vpcd_card_slot.hpp"

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <vector>

#include "fake_vpcd.hpp"
#include "onshi/sim/status_words.hpp"
#include "test_support.hpp"

namespace onshi::sim {
namespace {

using namespace std::chrono_literals;
using testing::FakeVpcd;
using testing::hex;
using Clock = std::chrono::steady_clock;

const Bytes kAtr = hex("3B 8A 80 01 4F 4E 53 48 49 2D 53 49 4D 21 03");
const Bytes kSelectAp = hex("00 A4 04 0C 0A " + std::string(testing::kTestAid));
const Bytes kSelectText = hex("00 A4 02 0C 02 00 01");
const Bytes kReadFour = hex("00 B0 00 00 04");

class Slot : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(vpcd_.ok());
    SlotOptions options;
    options.port = vpcd_.port();
    options.trace = [this](std::string_view line) {
      const std::lock_guard lock(trace_mutex_);
      trace_.emplace_back(line);
    };
    slot_ = std::make_unique<VpcdCardSlot>(Card(testing::shipped_persona("generic.json")), options);
  }
  void TearDown() override {
    slot_.reset();  // joins the serving thread, which traces into trace_
    if (HasFailure()) {
      const std::lock_guard lock(trace_mutex_);
      for (const auto& line : trace_) std::cerr << "  trace: " << line << "\n";
    }
  }

  void insert_and_power_on() {
    ASSERT_TRUE(slot_->insert(Clock::now() + 2s));
    ASSERT_TRUE(vpcd_.accept());
    ASSERT_TRUE(vpcd_.send_control(0x01));
  }

  // Declared first so they outlive the slot whose thread writes to them.
  std::mutex trace_mutex_;
  std::vector<std::string> trace_;
  FakeVpcd vpcd_;
  std::unique_ptr<VpcdCardSlot> slot_;
};

TEST_F(Slot, ServesControlBytesAndApdusLikeVpcdSeesIt) {
  ASSERT_TRUE(slot_->insert(Clock::now() + 2s));
  EXPECT_TRUE(slot_->is_inserted());
  ASSERT_TRUE(vpcd_.accept());
  // test-rigs.md §1: SCardConnect shows 04, 04, 01 (power on), 04, APDUs ..., 00 (power off).
  ASSERT_TRUE(vpcd_.send_control(0x04));
  EXPECT_EQ(vpcd_.read_frame(), kAtr);
  ASSERT_TRUE(vpcd_.send_control(0x04));
  EXPECT_EQ(vpcd_.read_frame(), kAtr);
  ASSERT_TRUE(vpcd_.send_control(0x01));  // no reply: the next frame is the ATR asked below
  ASSERT_TRUE(vpcd_.send_control(0x04));
  EXPECT_EQ(vpcd_.read_frame(), kAtr);
  EXPECT_EQ(vpcd_.transmit(kSelectAp), hex("90 00"));
  EXPECT_EQ(vpcd_.transmit(kSelectText), hex("90 00"));
  EXPECT_EQ(vpcd_.transmit(kReadFour), hex("6F 6E 73 68 90 00"));  // "onsh"
  EXPECT_EQ(slot_->apdu_count(), 3u);
  ASSERT_TRUE(vpcd_.send_control(0x02));  // reset: selection lost
  EXPECT_EQ(vpcd_.transmit(kReadFour), hex("69 86"));
  ASSERT_TRUE(vpcd_.send_control(0x00));  // power off: no reply
  ASSERT_TRUE(vpcd_.send_control(0x04));  // the ATR is still answered
  EXPECT_EQ(vpcd_.read_frame(), kAtr);
  EXPECT_FALSE(slot_->with_card([](Card& card) { return card.powered(); }));
  EXPECT_EQ(vpcd_.transmit(kSelectAp), hex("6F 00"));

  slot_->remove();
  EXPECT_FALSE(slot_->is_inserted());
  EXPECT_EQ(slot_->last_removal(), RemovalReason::requested);
  EXPECT_TRUE(vpcd_.card_closed());
  slot_->remove();  // idempotent
}

TEST_F(Slot, ReassemblesFramesCutAnywhereAndAnswersInOrder) {
  insert_and_power_on();
  Bytes stream = *encode_vpcd_frame(kSelectAp);
  const Bytes atr_request = *encode_vpcd_frame(Bytes{0x04});
  stream.insert(stream.end(), atr_request.begin(), atr_request.end());
  for (std::uint8_t b : stream) {  // one byte per send, with pauses so they arrive apart
    ASSERT_TRUE(vpcd_.send_all(ByteView(&b, 1)));
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(vpcd_.read_frame(), hex("90 00"));
  EXPECT_EQ(vpcd_.read_frame(), kAtr);
  Bytes both = *encode_vpcd_frame(kSelectText);  // two APDUs in one send
  const Bytes read = *encode_vpcd_frame(kReadFour);
  both.insert(both.end(), read.begin(), read.end());
  ASSERT_TRUE(vpcd_.send_all(both));
  EXPECT_EQ(vpcd_.read_frame(), hex("90 00"));
  EXPECT_EQ(vpcd_.read_frame(), hex("6F 6E 73 68 90 00"));
}

TEST_F(Slot, QuickAckKeepsVpcdsSplitFramesFast) {
  // vpcd 0.8 sends length and payload separately with Nagle on; without TCP_QUICKACK on our
  // side each APDU waits ~40 ms for a delayed ACK (test-rigs.md §1 pitfall 3).
  insert_and_power_on();
  constexpr int kApdus = 20;
  const auto start = Clock::now();
  for (int i = 0; i < kApdus; ++i) {
    const auto reply = vpcd_.transmit(hex("00 84 00 00 08"), /*split_header=*/true);
    ASSERT_TRUE(reply);
    ASSERT_EQ(reply->size(), 10u);
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  EXPECT_LT(elapsed, 400ms) << kApdus << " APDUs; delayed ACKs would take about 800 ms";
}

TEST_F(Slot, InsertRetriesUntilVpcdListens) {
  std::uint16_t port = 0;
  {
    FakeVpcd probe;  // find a free port, then free it again
    port = probe.port();
  }
  SlotOptions options;
  options.port = port;
  VpcdCardSlot late(Card(testing::shipped_persona("generic.json")), options);
  auto inserted = std::async(std::launch::async, [&] { return late.insert(Clock::now() + 3s); });
  std::this_thread::sleep_for(300ms);  // like pcscd starting lazily
  FakeVpcd vpcd(port);
  ASSERT_TRUE(vpcd.ok());
  ASSERT_TRUE(inserted.get());
  ASSERT_TRUE(vpcd.accept());
  ASSERT_TRUE(vpcd.send_control(0x04));
  EXPECT_EQ(vpcd.read_frame(), kAtr);
}

TEST_F(Slot, InsertGivesUpAtTheDeadline) {
  std::uint16_t port = 0;
  {
    FakeVpcd probe;
    port = probe.port();
  }
  SlotOptions options;
  options.port = port;
  VpcdCardSlot lonely(Card(testing::shipped_persona("generic.json")), options);
  const auto start = Clock::now();
  auto inserted = lonely.insert(start + 200ms);
  ASSERT_FALSE(inserted);
  EXPECT_EQ(inserted.error().code, Errc::timeout);
  EXPECT_LT(Clock::now() - start, 1s);
  EXPECT_FALSE(lonely.is_inserted());
}

TEST_F(Slot, RemoveCancelsAnInsertStillRetrying) {
  std::uint16_t port = 0;
  {
    FakeVpcd probe;
    port = probe.port();
  }
  SlotOptions options;
  options.port = port;
  VpcdCardSlot lonely(Card(testing::shipped_persona("generic.json")), options);
  auto inserted = std::async(std::launch::async, [&] { return lonely.insert(Clock::now() + 10s); });
  std::this_thread::sleep_for(100ms);
  const auto start = Clock::now();
  lonely.remove();
  const auto result = inserted.get();
  EXPECT_LT(Clock::now() - start, 1s);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::cancelled);
}

TEST_F(Slot, InsertTwiceIsBusyAndBadHostIsRefused) {
  insert_and_power_on();
  auto again = slot_->insert(Clock::now() + 1s);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::busy);

  SlotOptions options;
  options.host = "localhost";
  options.port = vpcd_.port();
  VpcdCardSlot named(Card(testing::shipped_persona("generic.json")), options);
  auto inserted = named.insert(Clock::now() + 1s);
  ASSERT_FALSE(inserted);
  EXPECT_EQ(inserted.error().code, Errc::invalid_argument);
}

TEST_F(Slot, VpcdClosingRemovesTheCard) {
  insert_and_power_on();
  EXPECT_EQ(vpcd_.transmit(kSelectAp), hex("90 00"));
  vpcd_.close_connection();
  EXPECT_TRUE(slot_->wait_removed(2s));
  EXPECT_EQ(slot_->last_removal(), RemovalReason::peer_closed);
}

TEST_F(Slot, WaitRemovedTimesOutWhileInserted) {
  insert_and_power_on();
  EXPECT_FALSE(slot_->wait_removed(50ms));
}

TEST_F(Slot, FaultRemoveClosesInsteadOfAnsweringTheNthApdu) {
  FaultScript faults;
  faults.remove_at_apdu = 2;
  slot_->set_fault_script(faults);
  insert_and_power_on();
  EXPECT_EQ(vpcd_.transmit(kSelectAp), hex("90 00"));
  ASSERT_TRUE(vpcd_.send_frame(kSelectText));
  EXPECT_TRUE(vpcd_.card_closed());  // no reply, just the end of the connection
  EXPECT_TRUE(slot_->wait_removed(2s));
  EXPECT_EQ(slot_->last_removal(), RemovalReason::fault);
  EXPECT_EQ(slot_->apdu_count(), 2u);
  EXPECT_FALSE(slot_->fault_script().remove_at_apdu);  // fired once, then disarmed

  // Re-inserted, the card counts from 1 again and answers normally.
  ASSERT_TRUE(slot_->insert(Clock::now() + 2s));
  ASSERT_TRUE(vpcd_.accept());
  ASSERT_TRUE(vpcd_.send_control(0x01));
  EXPECT_EQ(vpcd_.transmit(kSelectAp), hex("90 00"));
  EXPECT_EQ(vpcd_.transmit(kSelectText), hex("90 00"));
  EXPECT_EQ(slot_->apdu_count(), 2u);
}

TEST_F(Slot, FaultGarbageOneByte) {
  FaultScript faults;
  faults.garbage_at_apdu = 2;
  slot_->set_fault_script(faults);
  insert_and_power_on();
  EXPECT_EQ(vpcd_.transmit(kSelectAp), hex("90 00"));
  const auto reply = vpcd_.transmit(kSelectText);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->size(), 1u);
  EXPECT_EQ(vpcd_.transmit(kSelectText), hex("90 00"));  // and then back to normal
}

TEST_F(Slot, FaultGarbageRandomBytes) {
  FaultScript faults;
  faults.garbage_at_apdu = 1;
  faults.garbage = GarbageKind::random_bytes;
  slot_->set_fault_script(faults);
  insert_and_power_on();
  const auto reply = vpcd_.transmit(kSelectAp);
  ASSERT_TRUE(reply);
  EXPECT_GE(reply->size(), 1u);
  EXPECT_LE(reply->size(), 300u);
  EXPECT_TRUE(slot_->is_inserted());
}

TEST_F(Slot, FaultResetLosesTheHostsSelection) {
  FaultScript faults;
  faults.reset_at_apdu = 3;
  slot_->set_fault_script(faults);
  insert_and_power_on();
  EXPECT_EQ(vpcd_.transmit(kSelectAp), hex("90 00"));
  EXPECT_EQ(vpcd_.transmit(kSelectText), hex("90 00"));
  EXPECT_EQ(vpcd_.transmit(kReadFour), hex("69 86"));  // reset just before: no EF any more
}

TEST_F(Slot, FaultMuteNeverAnswersAndRemoveInterruptsIt) {
  insert_and_power_on();
  EXPECT_EQ(vpcd_.transmit(kSelectAp), hex("90 00"));
  FaultScript faults;
  faults.mute_at_apdu = slot_->apdu_count() + 1;  // set while inserted
  slot_->set_fault_script(faults);
  ASSERT_TRUE(vpcd_.send_frame(kSelectText));
  EXPECT_FALSE(vpcd_.read_frame(300ms));
  EXPECT_TRUE(slot_->is_inserted());
  const auto start = Clock::now();
  slot_->remove();
  EXPECT_LT(Clock::now() - start, 500ms);
  EXPECT_EQ(slot_->last_removal(), RemovalReason::requested);
  EXPECT_TRUE(vpcd_.card_closed());
}

TEST_F(Slot, FaultMuteEndsWhenVpcdGoesAway) {
  FaultScript faults;
  faults.mute_at_apdu = 1;
  slot_->set_fault_script(faults);
  insert_and_power_on();
  ASSERT_TRUE(vpcd_.send_frame(kSelectAp));
  EXPECT_FALSE(vpcd_.read_frame(100ms));
  vpcd_.close_connection();
  EXPECT_TRUE(slot_->wait_removed(2s));
  EXPECT_EQ(slot_->last_removal(), RemovalReason::peer_closed);
}

TEST_F(Slot, FaultSlowDelaysEveryAnswerAndRemoveInterruptsIt) {
  FaultScript faults;
  faults.answer_delay = 150ms;
  slot_->set_fault_script(faults);
  insert_and_power_on();
  for (int i = 0; i < 2; ++i) {
    const auto start = Clock::now();
    EXPECT_EQ(vpcd_.transmit(kSelectAp), hex("90 00"));
    EXPECT_GE(Clock::now() - start, 150ms);
  }
  faults.answer_delay = 10s;
  slot_->set_fault_script(faults);
  ASSERT_TRUE(vpcd_.send_frame(kSelectAp));
  std::this_thread::sleep_for(50ms);
  const auto start = Clock::now();
  slot_->remove();
  EXPECT_LT(Clock::now() - start, 500ms);
}

}  // namespace
}  // namespace onshi::sim
