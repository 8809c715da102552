#include "onshi/sim/vpcd_frame.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace onshi::sim {
namespace {

using testing::hex;

TEST(VpcdFrame, EncodesBigEndianLength) {
  EXPECT_EQ(*encode_vpcd_frame(hex("04")), hex("00 01 04"));
  EXPECT_EQ(*encode_vpcd_frame(Bytes{}), hex("00 00"));
  const Bytes big(0x1234, 0xAA);
  const auto frame = encode_vpcd_frame(big);
  ASSERT_TRUE(frame);
  EXPECT_EQ((*frame)[0], 0x12);
  EXPECT_EQ((*frame)[1], 0x34);
  EXPECT_TRUE(encode_vpcd_frame(Bytes(0xFFFF, 0)));
  EXPECT_FALSE(encode_vpcd_frame(Bytes(0x10000, 0)));
}

TEST(VpcdFrameDecoder, WholeFrameInOneRead) {
  VpcdFrameDecoder d;
  d.feed(hex("00 05 00 A4 04 0C 00"));
  EXPECT_EQ(d.next_frame(), hex("00 A4 04 0C 00"));
  EXPECT_FALSE(d.next_frame());
  EXPECT_EQ(d.partial_size(), 0u);
}

TEST(VpcdFrameDecoder, FrameSplitIntoSingleBytes) {
  VpcdFrameDecoder d;
  const Bytes stream = hex("00 05 00 B0 00 00 10");
  for (std::size_t i = 0; i + 1 < stream.size(); ++i) {
    d.feed(ByteView(&stream[i], 1));
    EXPECT_FALSE(d.next_frame()) << "after byte " << i;
    EXPECT_EQ(d.partial_size(), i + 1);
  }
  d.feed(ByteView(&stream.back(), 1));
  EXPECT_EQ(d.next_frame(), hex("00 B0 00 00 10"));
}

TEST(VpcdFrameDecoder, SplitInsideTheLengthAndSeveralFramesInOneRead) {
  VpcdFrameDecoder d;
  d.feed(hex("00"));
  d.feed(hex("01 04 00 01 01 00 04 00 84 00"));
  d.feed(hex("00 08 00"));
  EXPECT_EQ(d.next_frame(), hex("04"));
  EXPECT_EQ(d.next_frame(), hex("01"));
  EXPECT_EQ(d.next_frame(), hex("00 84 00 00"));
  EXPECT_FALSE(d.next_frame());
  EXPECT_EQ(d.partial_size(), 2u);  // "08 00": the header of a 0x0800-byte frame still to come
}

TEST(VpcdFrameDecoder, EmptyFrame) {
  VpcdFrameDecoder d;
  d.feed(hex("00 00 00 01 02"));
  EXPECT_EQ(d.next_frame(), Bytes{});
  EXPECT_EQ(d.next_frame(), hex("02"));
}

TEST(VpcdFrame, ClassifiesControlBytesAndApdus) {
  const auto control = [](std::uint8_t b) { return classify_vpcd_frame(Bytes{b}); };
  EXPECT_EQ(control(0x00).control, VpcdControl::power_off);
  EXPECT_EQ(control(0x01).control, VpcdControl::power_on);
  EXPECT_EQ(control(0x02).control, VpcdControl::reset);
  EXPECT_EQ(control(0x04).control, VpcdControl::get_atr);
  EXPECT_EQ(control(0x04).kind, VpcdMessage::Kind::control);
  EXPECT_EQ(control(0x03).kind, VpcdMessage::Kind::unknown_control);
  EXPECT_EQ(classify_vpcd_frame(Bytes{}).kind, VpcdMessage::Kind::empty);
  const Bytes apdu = hex("00 84");  // 2+ bytes: an APDU, even if malformed
  const auto m = classify_vpcd_frame(apdu);
  EXPECT_EQ(m.kind, VpcdMessage::Kind::apdu);
  EXPECT_EQ(m.apdu.size(), 2u);
}

}  // namespace
}  // namespace onshi::sim
