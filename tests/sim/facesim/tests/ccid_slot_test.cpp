#include "onshi/facesim/ccid_slot.hpp"

#include <gtest/gtest.h>

#include "slot_test_support.hpp"

namespace onshi::facesim {
namespace {

using namespace std::chrono_literals;
using testing::hex;
using testing::message;

struct Answer {
  Bytes bytes;
  std::uint8_t status() const { return bytes.at(7); }
  std::uint8_t error() const { return bytes.at(8); }
  std::uint8_t chain() const { return bytes.at(9); }
  Bytes data() const {
    const ByteView all(bytes);
    const ByteView d = all.size() > 10 ? all.subspan(10) : ByteView{};
    return Bytes(d.begin(), d.end());
  }
  std::uint16_t sw() const {
    if (bytes.size() < 12) return 0;  // no data block with a status word
    return static_cast<std::uint16_t>((bytes[bytes.size() - 2] << 8) | bytes.back());
  }
};

// Every reply due by `t`; the last one.
Answer last_reply(CcidSlot& slot, Clock::time_point t) {
  Answer last{};
  while (auto r = slot.take_reply(t)) last = Answer{*r};
  return last;
}

// The reply due at `t`; a failure (and an empty answer) when there is none.
Answer due(CcidSlot& slot, Clock::time_point t) {
  auto r = slot.take_reply(t);
  EXPECT_TRUE(r) << "no reply due";
  return {r.value_or(Bytes(10, 0))};
}

class SlotTest : public ::testing::Test {
 protected:
  Clock::time_point now = Clock::now();
  Answer send(CcidSlot& slot, const Bytes& m) {
    slot.handle(m, now);
    auto r = slot.take_reply(now);
    EXPECT_TRUE(r) << "no reply";
    return {r.value_or(Bytes{})};
  }
  CcidSlot powered(SlotConfig config = {}) {
    CcidSlot slot(config);
    slot.insert(testing::jpki_card());
    const Answer atr = send(slot, message(0x62, 1));
    EXPECT_EQ(atr.status(), 0x00);
    return slot;
  }
};

TEST_F(SlotTest, AnEmptySlotIsMuteAndReportsNoCard) {
  CcidSlot slot({});
  const Answer a = send(slot, message(0x62, 3));
  EXPECT_EQ(a.bytes[0], ccid::kDataBlock);
  EXPECT_EQ(a.bytes[6], 3);
  EXPECT_EQ(a.status(), 0x42);  // failed, no ICC
  EXPECT_EQ(a.error(), ccid::kErrIccMute);
  EXPECT_EQ(to_hex(*slot.take_notification()), "5002");
  EXPECT_FALSE(slot.take_notification());
}

TEST_F(SlotTest, InsertionAndRemovalEachRaiseOneNotification) {
  CcidSlot slot({});
  (void)slot.take_notification();
  slot.insert(testing::jpki_card());
  EXPECT_EQ(to_hex(*slot.take_notification()), "5003");
  slot.remove();
  EXPECT_EQ(to_hex(*slot.take_notification()), "5002");
  EXPECT_EQ(send(slot, message(0x65, 9)).status(), 0x02);  // GetSlotStatus: no ICC
}

TEST_F(SlotTest, PowerOnReturnsTheAtrAndApdusReachTheCard) {
  CcidSlot slot = powered();
  const Answer select =
      send(slot, message(0x6F, 2, hex("00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01")));
  EXPECT_EQ(select.chain(), 0x00);  // unchained: libccid asks for more otherwise
  EXPECT_EQ(select.sw(), 0x9000);
  EXPECT_EQ(slot.stats().apdus, 1U);
}

TEST_F(SlotTest, ShortApduLevelRefusesLongCommandsAndResponses) {
  CcidSlot slot = powered();
  Bytes pso = hex("00 2A 9E 9A 00 01 00");
  pso.resize(7 + 256, 0x01);
  pso.insert(pso.end(), {0x00, 0x00});
  const Answer a = send(slot, message(0x6F, 2, pso));
  EXPECT_EQ(a.status() & 0xC0, 0x40);
  EXPECT_EQ(a.error(), ccid::kErrBadLength);
  EXPECT_EQ(slot.stats().apdus, 0U);  // never reached the card
}

TEST_F(SlotTest, ExtendedLevelChainsCommandsAndResponses) {
  SlotConfig config;
  config.level = ApduLevel::extended_apdu;
  config.max_message_length = 64;
  CcidSlot slot = powered(config);
  ASSERT_EQ(send(slot, message(0x6F, 2, hex("00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"))).sw(),
            0x9000);
  ASSERT_EQ(send(slot, message(0x6F, 3, hex("00 A4 02 0C 02 00 0A"))).sw(), 0x9000);
  // The certificate (about 1.2 KB) in one extended READ BINARY, sent in two parts.
  const Bytes read = hex("00 B0 00 00 00 00 00");
  Answer part = send(slot, message(0x6F, 4, ByteView(read).first(4), ccid::kLevelBegin));
  EXPECT_EQ(part.chain(), ccid::kChainContinue);
  EXPECT_TRUE(part.data().empty());  // libccid insists on dwLength 0 here
  part = send(slot, message(0x6F, 5, ByteView(read).subspan(4), ccid::kLevelEnd));
  EXPECT_EQ(part.chain(), ccid::kChainBegin);
  Bytes response = part.data();
  for (std::uint8_t seq = 6; part.chain() != ccid::kChainEnd && seq < 200; ++seq) {
    part = send(slot, message(0x6F, seq, {}, ccid::kLevelContinue));
    EXPECT_LE(part.bytes.size(), 64U);
    const Bytes d = part.data();
    response.insert(response.end(), d.begin(), d.end());
  }
  ASSERT_GT(response.size(), 1000U);
  EXPECT_EQ(response[0], 0x30);  // a DER certificate
  const std::uint8_t sw1 = response[response.size() - 2];
  EXPECT_TRUE(sw1 == 0x90 || sw1 == 0x62) << to_hex(response);  // 6282: the file ended before Le
}

TEST_F(SlotTest, ChainingOutOfSequenceIsAnErrorNotACrash) {
  SlotConfig config;
  config.level = ApduLevel::extended_apdu;
  CcidSlot slot = powered(config);
  const Answer a = send(slot, message(0x6F, 2, hex("00 B0"), ccid::kLevelEnd));
  EXPECT_EQ(a.status() & 0xC0, 0x40);
  EXPECT_EQ(a.error(), 8);  // wLevelParameter
  EXPECT_EQ(send(slot, message(0x6F, 3, {}, ccid::kLevelContinue)).error(), 8);
}

Bytes jpki_pin_verify(std::uint8_t timeout) {
  // 4-digit block, Lc 04, P2 98: the auth PIN by SFI (cards-and-readers.md §1.4).
  Bytes data = hex("00 00 82 04 00 04 04 02 01 09 04 00 00 00 00 00 20 00 98 04 00 00 00 00");
  data[1] = timeout;
  return data;
}

TEST_F(SlotTest, TheTypedPinReachesTheCardAsVerify) {
  CcidSlot slot = powered();
  ASSERT_EQ(send(slot, message(0x6F, 2, hex("00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"))).sw(),
            0x9000);
  slot.push_pad_entry({PadEntry::Kind::type, testing::jpki_auth_pin()});
  slot.handle(message(0x69, 3, jpki_pin_verify(30)), now);
  EXPECT_FALSE(slot.take_reply(now));  // the patient is still typing
  const auto reply = slot.take_reply(now + 1s);
  ASSERT_TRUE(reply);
  EXPECT_EQ(Answer{*reply}.sw(), 0x9000);  // (reply checked above)
  EXPECT_EQ(slot.stats().verify_lcs, std::vector<std::uint8_t>{4});
  // A wrong PIN costs a try.
  slot.push_pad_entry({PadEntry::Kind::type, "0000" == testing::jpki_auth_pin() ? "1111" : "0000"});
  slot.handle(message(0x69, 4, jpki_pin_verify(30)), now);
  EXPECT_EQ(due(slot, now + 1s).sw(), 0x63C2);
}

TEST_F(SlotTest, CancelAndWalkingAwayFailWithTheirCcidErrors) {
  SlotConfig config;
  config.time_extension_interval = 1s;
  CcidSlot slot = powered(config);
  slot.push_pad_entry({PadEntry::Kind::cancel, {}});
  slot.handle(message(0x69, 5, jpki_pin_verify(3)), now);
  Answer a = due(slot, now + 1s);
  EXPECT_EQ(a.status() & 0xC0, 0x40);
  EXPECT_EQ(a.error(), ccid::kErrPinCancelled);
  // Nobody at the pad: time extensions every second, then the timeout after bTimeOut.
  slot.handle(message(0x69, 6, jpki_pin_verify(3)), now);
  EXPECT_FALSE(slot.take_reply(now + 500ms));
  EXPECT_EQ(due(slot, now + 1s).status(), 0x80);  // time extension
  EXPECT_EQ(due(slot, now + 2s).status(), 0x80);
  EXPECT_FALSE(slot.take_reply(now + 2900ms));
  a = due(slot, now + 3s);
  EXPECT_EQ(a.error(), ccid::kErrPinTimeout);
  EXPECT_TRUE(slot.stats().verify_lcs.empty());  // nothing reached the card
}

TEST_F(SlotTest, APinOfTheWrongLengthIsNotAcceptedByThePad) {
  CcidSlot slot = powered();
  slot.push_pad_entry({PadEntry::Kind::type, "12345"});
  slot.handle(message(0x69, 7, jpki_pin_verify(2)), now);
  EXPECT_EQ(last_reply(slot, now + 10s).error(), ccid::kErrPinTimeout);
  EXPECT_TRUE(slot.stats().verify_lcs.empty());
}

// Found in review: a response the host abandoned must not be resumed by a later continue.
TEST_F(SlotTest, AnAbandonedChainedResponseIsNotResumed) {
  SlotConfig config;
  config.level = ApduLevel::extended_apdu;
  config.max_message_length = 64;
  CcidSlot slot = powered(config);
  ASSERT_EQ(send(slot, message(0x6F, 2, hex("00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"))).sw(),
            0x9000);
  ASSERT_EQ(send(slot, message(0x6F, 3, hex("00 A4 02 0C 02 00 0A"))).sw(), 0x9000);
  EXPECT_EQ(send(slot, message(0x6F, 4, hex("00 B0 00 00 00 00 00"))).chain(), ccid::kChainBegin);
  EXPECT_EQ(send(slot, message(0x6F, 5, hex("00 A4 02 0C 02 00 0A"))).sw(), 0x9000);  // abandoned
  EXPECT_EQ(send(slot, message(0x6F, 6, {}, ccid::kLevelContinue)).error(), 8);
  EXPECT_EQ(slot.stats().chained_responses, 1U);
}

TEST_F(SlotTest, APatientSlowerThanThePadsTimeoutRunsIntoIt) {
  SlotConfig config;
  config.typing_time = 5s;
  CcidSlot slot = powered(config);
  slot.push_pad_entry({PadEntry::Kind::type, testing::jpki_auth_pin()});
  slot.handle(message(0x69, 7, jpki_pin_verify(2)), now);
  EXPECT_EQ(last_reply(slot, now + 10s).error(), ccid::kErrPinTimeout);
  EXPECT_TRUE(slot.stats().verify_lcs.empty());
}

TEST_F(SlotTest, MalformedMessagesGetErrorsAndAreCounted) {
  CcidSlot slot = powered();
  slot.handle(hex("6F 01 00"), now);  // no header: no reply possible
  EXPECT_FALSE(slot.take_reply(now));
  EXPECT_EQ(send(slot, hex("6F 09 00 00 00 00 08 00 00 00 00")).error(), ccid::kErrBadLength);
  EXPECT_EQ(send(slot, hex("65 00 00 00 00 01 09 00 00 00")).error(), ccid::kErrBadSlot);
  EXPECT_EQ(send(slot, hex("71 00 00 00 00 00 0A 00 00 00")).error(), ccid::kErrCmdNotSupported);
  EXPECT_EQ(slot.stats().protocol_errors, 4U);
}

}  // namespace
}  // namespace onshi::facesim
