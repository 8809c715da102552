// PROTOCOL.md §2: the frame, its CRC, and what a receiver does with a bad one (§2.2); §2.1 TLV.
#include "onshi/facesim/vendor_frame.hpp"

#include <gtest/gtest.h>

#include <random>

#include "onshi/facesim/vendor_tlv.hpp"
#include "slot_test_support.hpp"

namespace onshi::facesim::vendor {
namespace {

using onshi::facesim::testing::hex;

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
// A frame with its CRC computed over whatever header it is given.
Bytes raw_frame(std::uint8_t version, std::uint8_t type, std::uint8_t seq, const Bytes& payload) {
  Bytes f{kMagic0,
          kMagic1,
          version,
          type,
          seq,
          0,
          static_cast<std::uint8_t>(payload.size()),
          static_cast<std::uint8_t>(payload.size() >> 8)};
  f.insert(f.end(), payload.begin(), payload.end());
  const std::uint32_t crc = crc32(f);
  for (int i = 0; i < 4; ++i) f.push_back(static_cast<std::uint8_t>(crc >> (8 * i)));
  return f;
}

TEST(VendorFrame, CrcIsZlibsCheckValue) {
  EXPECT_EQ(crc32(bytes_of("123456789")), 0xCBF43926U);  // §2
  EXPECT_EQ(crc32({}), 0U);
}

TEST(VendorFrame, EncodingFollowsTheLayout) {
  const Bytes f = encode_frame(Type::get_status, 0x07, hex("18 01 00"));
  ASSERT_EQ(f.size(), 15U);
  EXPECT_EQ(to_hex(ByteView(f).first(11)), "4F46010607000300180100");
  const std::uint32_t crc = crc32(ByteView(f).first(11));
  EXPECT_EQ(f[11] | (f[12] << 8) | (f[13] << 16) | (static_cast<std::uint32_t>(f[14]) << 24),
            crc);  // little-endian
}

TEST(VendorFrame, OneTransferCarriesSeveralFrames) {
  DecodeStats stats;
  const auto frames = decode_transfer(
      cat({encode_frame(Type::get_status, 1, {}), encode_frame(Type::reset, 2, hex("7E 01 00"))}),
      stats);
  ASSERT_EQ(frames.size(), 2U);
  EXPECT_EQ(frames[0].type, 0x06);
  EXPECT_EQ(frames[0].seq, 1);
  EXPECT_EQ(frames[1].type, 0x05);
  EXPECT_EQ(to_hex(frames[1].payload), "7E0100");
  EXPECT_EQ(stats.garbage_bytes, 0U);
}

TEST(VendorFrame, GarbageIsSkippedToTheNextMagicAndCounted) {
  DecodeStats stats;
  const Bytes good = encode_frame(Type::get_status, 1, {});
  // A lone 'O' is no magic either.
  const auto frames =
      decode_transfer(cat({hex("AA BB 4F"), good, hex("CC"), good, hex("DD 4F")}), stats);
  EXPECT_EQ(frames.size(), 2U);
  EXPECT_EQ(stats.garbage_bytes, 6U);
  EXPECT_EQ(stats.truncated + stats.bad_crc + stats.oversized + stats.bad_version, 0U);
}

TEST(VendorFrame, FewerThanTwelveBytesAfterAMagicAreTruncated) {
  DecodeStats stats;
  const auto frames = decode_transfer(
      cat({encode_frame(Type::get_status, 1, {}), hex("4F 46 01 06 02 00 00 00")}), stats);
  EXPECT_EQ(frames.size(), 1U);
  EXPECT_EQ(stats.truncated, 1U);
  EXPECT_EQ(stats.garbage_bytes, 0U);
}

TEST(VendorFrame, FewerBytesThanTheLengthSaysDropTheRest) {
  DecodeStats stats;
  Bytes cut = encode_frame(Type::get_info, 1, hex("02 01 01 03 01 01"));
  cut.pop_back();
  // What follows the cut frame is lost with it (one frame never spans two transfers, §1).
  EXPECT_TRUE(decode_transfer(cat({cut}), stats).empty());
  EXPECT_EQ(stats.truncated, 1U);
}

TEST(VendorFrame, ALengthAbove1012IsOversizedAndSkippedPastTheMagic) {
  DecodeStats stats;
  Bytes big = raw_frame(1, 0x06, 1, Bytes(1013, 0));
  const Bytes good = encode_frame(Type::get_status, 2, {});
  const auto frames = decode_transfer(cat({big, good}), stats);
  ASSERT_EQ(frames.size(), 1U);
  EXPECT_EQ(frames[0].seq, 2);
  EXPECT_EQ(stats.oversized, 1U);
  EXPECT_EQ(stats.garbage_bytes, big.size() - 2);  // the rest of it, skipped while resyncing
  // 1012 is still a frame: max_frame = 1024.
  const Bytes largest = encode_frame(Type::get_status, 3, Bytes(kMaxPayload, 0));
  EXPECT_EQ(largest.size(), kMaxFrame);
  EXPECT_EQ(decode_transfer(largest, stats).size(), 1U);
}

TEST(VendorFrame, AnotherVersionIsSkippedWholeWhenItsCrcIsRight) {
  DecodeStats stats;
  // The payload holds a whole frame: skipping the v2 frame whole means it is never seen.
  const Bytes inner = encode_frame(Type::get_status, 9, {});
  const auto frames = decode_transfer(
      cat({raw_frame(2, 0x06, 1, inner), encode_frame(Type::get_status, 2, {})}), stats);
  ASSERT_EQ(frames.size(), 1U);
  EXPECT_EQ(frames[0].seq, 2);
  EXPECT_EQ(stats.bad_version, 1U);
  EXPECT_EQ(stats.garbage_bytes, 0U);
  // With a wrong CRC its length cannot be trusted: a bad CRC, and the inner frame is found.
  Bytes broken = raw_frame(2, 0x06, 1, inner);
  broken.back() ^= 1;
  DecodeStats again;
  const auto resynced = decode_transfer(broken, again);
  ASSERT_EQ(resynced.size(), 1U);
  EXPECT_EQ(resynced[0].seq, 9);
  EXPECT_EQ(again.bad_crc, 1U);
  EXPECT_EQ(again.bad_version, 0U);
}

TEST(VendorFrame, ABadCrcSkipsPastTheMagicOnly) {
  DecodeStats stats;
  Bytes bad = encode_frame(Type::get_status, 1, hex("7E 02 AA BB"));
  bad[9] ^= 0x01;  // a payload byte
  const auto frames = decode_transfer(cat({bad, encode_frame(Type::get_status, 2, {})}), stats);
  ASSERT_EQ(frames.size(), 1U);
  EXPECT_EQ(frames[0].seq, 2);
  EXPECT_EQ(stats.bad_crc, 1U);
  EXPECT_EQ(stats.garbage_bytes, bad.size() - 2);
  // A corrupted length byte: the frame looks truncated or lands on garbage, never a crash.
  Bytes length_hit = encode_frame(Type::get_status, 1, {});
  length_hit[6] = 0x05;
  DecodeStats other;
  EXPECT_TRUE(decode_transfer(length_hit, other).empty());
  EXPECT_EQ(other.truncated, 1U);
}

TEST(VendorFrame, ReservedFlagsAreKeptNotJudged) {
  Bytes f = raw_frame(1, 0x06, 4, {});
  f[5] = 0x80;
  const std::uint32_t crc = crc32(ByteView(f).first(8));
  for (int i = 0; i < 4; ++i) f[8 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
  DecodeStats stats;
  const auto frames = decode_transfer(f, stats);
  ASSERT_EQ(frames.size(), 1U);
  EXPECT_EQ(frames[0].flags, 0x80);
}

TEST(VendorFrame, RandomBytesNeverBreakTheDecoder) {
  std::mt19937 rng(1234);
  const Bytes good = encode_frame(Type::get_status, 5, {});
  for (int round = 0; round < 2000; ++round) {
    Bytes t(rng() % 80);
    for (auto& b : t) b = static_cast<std::uint8_t>(rng() % 4 == 0 ? 0x4F : rng());
    if (round % 2 == 0)
      t.insert(t.begin() + static_cast<std::ptrdiff_t>(rng() % (t.size() + 1)), good.begin(),
               good.end());
    DecodeStats stats;
    const auto frames = decode_transfer(t, stats);
    EXPECT_LE(frames.size() * kMinFrame + stats.garbage_bytes, t.size());
  }
}

TEST(VendorTlv, UnknownTagsAreIgnoredKnownOnesChecked) {
  constexpr TagSpec known[] = {{Tag::session, 4}, {Tag::text, kText}};
  const auto ok = parse_fields(hex("7E 03 01 02 03  01 04 2A 00 00 00  7E 00  0E 02 68 69"), known);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->u32(Tag::session), 42U);
  EXPECT_EQ(ok->text(Tag::text), "hi");
  EXPECT_FALSE(ok->has(Tag::mode));
  EXPECT_FALSE(parse_fields(hex("01 04 2A 00 00 00 01 04 2A 00 00 00"), known));  // twice
  EXPECT_FALSE(parse_fields(hex("01 02 2A 00"), known));                          // wrong width
  EXPECT_FALSE(parse_fields(hex("7E 05 01 02"), known));  // runs past the end
  EXPECT_FALSE(parse_fields(hex("01"), known));           // a tag without its length
  EXPECT_TRUE(parse_fields({}, known));
}

TEST(VendorTlv, WriterIsLittleEndian) {
  const Bytes p = TlvWriter()
                      .u8(Tag::mode, 3)
                      .u16(Tag::timeout, 0x0102)
                      .u32(Tag::session, 0x0A0B0C0D)
                      .text(Tag::text, "x")
                      .take();
  EXPECT_EQ(to_hex(p),
            "0A0103"
            "0C020201"
            "01040D0C0B0A"
            "0E0178");
}

TEST(VendorTlv, Utf8IsChecked) {
  EXPECT_TRUE(valid_utf8("お待ちください"));
  EXPECT_TRUE(valid_utf8("plain"));
  EXPECT_FALSE(valid_utf8("\xC0\x80"));      // overlong
  EXPECT_FALSE(valid_utf8("\xE3\x81"));      // cut short
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));  // a surrogate
  EXPECT_FALSE(valid_utf8("\xF5\x80\x80\x80"));
}

}  // namespace
}  // namespace onshi::facesim::vendor
