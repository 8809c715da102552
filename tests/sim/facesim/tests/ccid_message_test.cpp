#include "onshi/facesim/ccid_message.hpp"

#include <gtest/gtest.h>

namespace onshi::facesim::ccid {
namespace {

Bytes hex(std::string_view h) { return *from_hex(h); }

TEST(CcidMessage, DecodesAHeaderAndItsData) {
  auto m = decode(hex("6F 05 00 00 00 00 07 00 00 00 00 A4 04 0C 00"), 271);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->type, 0x6F);
  EXPECT_EQ(m->seq, 0x07);
  EXPECT_EQ(to_hex(m->data), "00A4040C00");
}

TEST(CcidMessage, RejectsWhatIsShorterThanAHeader) {
  auto m = decode(hex("65 00 00 00 00 00 01 00 00"), 271);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("shorter than its 10-byte header"), std::string::npos);
}

TEST(CcidMessage, RejectsADwLengthThatDisagreesWithTheBytes) {
  auto m = decode(hex("6F 06 00 00 00 00 01 00 00 00 00 A4 04 0C 00"), 271);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("dwLength 6 but carries 5"), std::string::npos);
  // A dwLength near 4 GiB must not wrap into a match.
  EXPECT_FALSE(decode(hex("6F FF FF FF FF 00 01 00 00 00"), 271));
}

TEST(CcidMessage, RejectsMoreThanDwMaxCcidMessageLength) {
  Bytes big(10 + 262, 0);
  big[0] = 0x6F;
  big[1] = 0x06;
  big[2] = 0x01;  // 262
  EXPECT_FALSE(decode(big, 271));
  EXPECT_TRUE(decode(big, 522));
}

TEST(CcidMessage, RepliesCarryStatusErrorAndTheRequestsSequence) {
  Message request;
  request.type = 0x62;
  request.seq = 0x2A;
  const Bytes reply = encode_reply(kDataBlock, request, IccStatus::absent, CommandStatus::failed,
                                   kErrIccMute, 0, {});
  EXPECT_EQ(to_hex(reply, true), "80 00 00 00 00 00 2A 42 FE 00");
  EXPECT_EQ(to_hex(notify_slot_change(true, true)), "5003");
  EXPECT_EQ(to_hex(notify_slot_change(false, true)), "5002");
}

}  // namespace
}  // namespace onshi::facesim::ccid
