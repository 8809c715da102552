// The framing layer (driver/PROTOCOL.md §2): the byte layout, and the receiver's resynchronisation
// rules of §2.2 on every kind of damaged transfer.
#include "onshi/driver/frame.hpp"

#include <gtest/gtest.h>

#include <string_view>

namespace onshi::driver {
namespace {

Frame frame(std::uint8_t type, std::uint8_t seq, Bytes payload = {}, std::uint8_t flags = 0) {
  Frame f;
  f.type = type;
  f.seq = seq;
  f.flags = flags;
  f.payload = std::move(payload);
  return f;
}

void expect_same(const Frame& got, const Frame& want) {
  EXPECT_EQ(got.type, want.type);
  EXPECT_EQ(got.seq, want.seq);
  EXPECT_EQ(got.flags, want.flags);
  EXPECT_EQ(got.payload, want.payload);
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes ascii(std::string_view s) { return Bytes(s.begin(), s.end()); }

// A frame header of any version and length, with a CRC computed over it and `payload` (so only
// the field under test is wrong).
Bytes raw_frame(std::uint8_t version, std::uint16_t length, const Bytes& payload) {
  Bytes out{kFrameMagic0,
            kFrameMagic1,
            version,
            0x43,
            0x07,
            0x00,
            static_cast<std::uint8_t>(length),
            static_cast<std::uint8_t>(length >> 8)};
  out.insert(out.end(), payload.begin(), payload.end());
  const std::uint32_t crc = frame_crc(out);
  for (int shift = 0; shift < 32; shift += 8)
    out.push_back(static_cast<std::uint8_t>(crc >> shift));
  return out;
}

void expect_report(const FrameReport& r, FrameFault fault, std::size_t offset, std::size_t bytes) {
  EXPECT_EQ(frame_fault_name(r.fault), frame_fault_name(fault));
  EXPECT_EQ(r.offset, offset);
  EXPECT_EQ(r.bytes, bytes);
}

TEST(FrameCrc, MatchesTheCheckValueOfPROTOCOLmd) {
  EXPECT_EQ(frame_crc(ascii("123456789")), 0xCBF43926u);
  EXPECT_EQ(frame_crc({}), 0u);
}

TEST(EncodeFrame, LaysOutHeaderPayloadAndLittleEndianCrc) {
  const Bytes e = encode_frame(frame(0x81, 0x2A, {0x04, 0x01, 0x01}));
  ASSERT_EQ(e.size(), 8u + 3u + 4u);
  const Bytes header{0x4F, 0x46, 0x01, 0x81, 0x2A, 0x00, 0x03, 0x00, 0x04, 0x01, 0x01};
  EXPECT_EQ(Bytes(e.begin(), e.begin() + 11), header);
  const std::uint32_t crc = frame_crc(header);
  EXPECT_EQ(e[11], static_cast<std::uint8_t>(crc));
  EXPECT_EQ(e[12], static_cast<std::uint8_t>(crc >> 8));
  EXPECT_EQ(e[13], static_cast<std::uint8_t>(crc >> 16));
  EXPECT_EQ(e[14], static_cast<std::uint8_t>(crc >> 24));
}

TEST(EncodeFrame, WritesTheLengthLittleEndian) {
  const Bytes e = encode_frame(frame(0x01, 0, Bytes(0x123, 0xAA)));
  EXPECT_EQ(e[6], 0x23);
  EXPECT_EQ(e[7], 0x01);
  EXPECT_EQ(e.size(), kFrameHeaderSize + 0x123 + kFrameCrcSize);
}

TEST(EncodeFrame, EmptyPayloadIsTheTwelveByteMinimum) {
  const Bytes e = encode_frame(frame(0x05, 9));
  EXPECT_EQ(e.size(), 12u);
  const auto d = decode_transfer(e);
  ASSERT_EQ(d.frames.size(), 1u);
  EXPECT_TRUE(d.reports.empty());
  expect_same(d.frames[0], frame(0x05, 9));
}

TEST(EncodeFrame, RoundTripsTheMaximumPayload) {
  Bytes payload(kMaxPayload);
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>(i * 7);
  const Frame f = frame(0x86, 255, payload, 0x80);  // reserved flag bits survive a round trip
  const Bytes e = encode_frame(f);
  EXPECT_EQ(e.size(), kMaxFrame);
  const auto d = decode_transfer(e);
  ASSERT_EQ(d.frames.size(), 1u);
  EXPECT_TRUE(d.reports.empty());
  expect_same(d.frames[0], f);
}

TEST(DecodeTransfer, EmptyTransferHasNoFramesAndNoReports) {
  const auto d = decode_transfer({});
  EXPECT_TRUE(d.frames.empty());
  EXPECT_TRUE(d.reports.empty());
}

TEST(DecodeTransfer, FindsTwoFramesOfOneTransferInOrder) {
  const Frame a = frame(0x43, 1, {0x12, 0x01, 0x01});
  const Frame b = frame(0x48, 2, {0x16, 0x01, 0x01});
  const auto d = decode_transfer(concat({encode_frame(a), encode_frame(b)}));
  ASSERT_EQ(d.frames.size(), 2u);
  EXPECT_TRUE(d.reports.empty());
  expect_same(d.frames[0], a);
  expect_same(d.frames[1], b);
}

TEST(DecodeTransfer, ReportsLeadingAndTrailingGarbageWithOffsetAndCount) {
  const Frame f = frame(0x41, 3);
  const Bytes e = encode_frame(f);
  const auto d = decode_transfer(concat({{0x00, 0xFF, 0x4F}, e, {0x46, 0x01}}));
  ASSERT_EQ(d.frames.size(), 1u);
  expect_same(d.frames[0], f);
  ASSERT_EQ(d.reports.size(), 2u);
  // The lone 'O' before the frame is not a magic: it belongs to the garbage.
  expect_report(d.reports[0], FrameFault::garbage, 0, 3);
  expect_report(d.reports[1], FrameFault::garbage, 3 + e.size(), 2);
}

TEST(DecodeTransfer, ALoneLastMagicByteIsGarbage) {
  const auto d = decode_transfer(concat({encode_frame(frame(0x42, 1)), {0x4F}}));
  ASSERT_EQ(d.frames.size(), 1u);
  ASSERT_EQ(d.reports.size(), 1u);
  expect_report(d.reports[0], FrameFault::garbage, 12, 1);
}

TEST(DecodeTransfer, AMagicInsideGarbageIsTriedAndTheFrameAfterItIsFound) {
  const Frame f = frame(0x43, 4, {0x14, 0x01, 0x02});
  // A stray "OF" with a plausible 8-byte header of length 0: its "CRC" is the next frame's
  // first bytes, so it fails, and the receiver resynchronises on the real frame.
  const Bytes garbage{0xAA, 0x4F, 0x46, 0x01, 0x43, 0x00, 0x00, 0x00, 0x00};
  const auto d = decode_transfer(concat({garbage, encode_frame(f)}));
  ASSERT_EQ(d.frames.size(), 1u);
  expect_same(d.frames[0], f);
  ASSERT_EQ(d.reports.size(), 2u);
  expect_report(d.reports[0], FrameFault::garbage, 0, 1);
  expect_report(d.reports[1], FrameFault::bad_crc, 1, 8);
}

TEST(DecodeTransfer, TruncatedHeaderDropsTheRest) {
  const Bytes e = encode_frame(frame(0x41, 1));
  const auto d = decode_transfer(Bytes(e.begin(), e.begin() + 11));
  EXPECT_TRUE(d.frames.empty());
  ASSERT_EQ(d.reports.size(), 1u);
  expect_report(d.reports[0], FrameFault::truncated, 0, 11);
}

TEST(DecodeTransfer, TruncatedPayloadAfterAGoodFrameKeepsTheGoodFrame) {
  const Frame good = frame(0x41, 1);
  const Bytes cut = encode_frame(frame(0x43, 2, Bytes(20, 0x11)));
  const auto d = decode_transfer(concat({encode_frame(good), Bytes(cut.begin(), cut.end() - 5)}));
  ASSERT_EQ(d.frames.size(), 1u);
  expect_same(d.frames[0], good);
  ASSERT_EQ(d.reports.size(), 1u);
  expect_report(d.reports[0], FrameFault::truncated, 12, cut.size() - 5);
}

TEST(DecodeTransfer, OversizedLengthIsSkippedAndTheNextFrameFound) {
  const Frame f = frame(0xFF, 5, {0x10, 0x01, 0x02});
  // Length 1013: one more than §2 allows.
  const Bytes big{0x4F, 0x46, 0x01, 0x43, 0x01, 0x00, 0xF5, 0x03, 0x01, 0x02};
  const auto d = decode_transfer(concat({big, encode_frame(f)}));
  ASSERT_EQ(d.frames.size(), 1u);
  expect_same(d.frames[0], f);
  ASSERT_EQ(d.reports.size(), 1u);
  expect_report(d.reports[0], FrameFault::oversized, 0, big.size());
}

TEST(DecodeTransfer, BadCrcIsSkippedToTheNextMagic) {
  Bytes bad = encode_frame(frame(0x43, 6, {0x12, 0x01, 0x01}));
  bad.back() ^= 0x01;
  const Frame f = frame(0x48, 7, {0x16, 0x01, 0x04});
  const auto d = decode_transfer(concat({bad, encode_frame(f)}));
  ASSERT_EQ(d.frames.size(), 1u);
  expect_same(d.frames[0], f);
  ASSERT_EQ(d.reports.size(), 1u);
  expect_report(d.reports[0], FrameFault::bad_crc, 0, bad.size());
}

TEST(DecodeTransfer, BadCrcWithACorruptedLengthResynchronisesInsideTheFrame) {
  // The length shrank from 12 to 1 (a damaged length byte): the CRC fails, and the frame carried
  // in the payload is found, because the receiver looks for the next magic just past this one
  // instead of trusting the length.
  const Frame inner = frame(0x42, 8);
  Bytes bad = encode_frame(frame(0x43, 6, encode_frame(inner)));
  bad[6] = 0x01;
  const auto d = decode_transfer(bad);
  ASSERT_EQ(d.frames.size(), 1u);
  expect_same(d.frames[0], inner);
  ASSERT_EQ(d.reports.size(), 2u);
  expect_report(d.reports[0], FrameFault::bad_crc, 0, 8);
  expect_report(d.reports[1], FrameFault::garbage, 20, 4);  // the outer frame's CRC
}

TEST(DecodeTransfer, BadVersionFrameIsSkippedAsAWhole) {
  // The version-2 frame's payload holds a complete version-1 frame: skipped with its container,
  // because a good CRC makes the length trustworthy.
  const Frame hidden = frame(0x41, 1);
  const Bytes v2 = raw_frame(2, 12, encode_frame(hidden));
  const Frame f = frame(0x42, 2);
  const auto d = decode_transfer(concat({v2, encode_frame(f)}));
  ASSERT_EQ(d.frames.size(), 1u);
  expect_same(d.frames[0], f);
  ASSERT_EQ(d.reports.size(), 1u);
  expect_report(d.reports[0], FrameFault::bad_version, 0, v2.size());
}

TEST(DecodeTransfer, BadVersionWithBadCrcIsABadCrc) {
  Bytes v2 = raw_frame(2, 2, {0x01, 0x02});
  v2.back() ^= 0x80;
  const auto d = decode_transfer(v2);
  EXPECT_TRUE(d.frames.empty());
  ASSERT_EQ(d.reports.size(), 1u);
  expect_report(d.reports[0], FrameFault::bad_crc, 0, v2.size());
}

TEST(DecodeTransfer, KeepsFramesOfUnknownTypes) {
  // Types are the message layer's business (§2.2 unknown_type): the frame layer keeps them.
  const Frame f = frame(0x99, 0, {0xEE, 0x00});
  const auto d = decode_transfer(encode_frame(f));
  ASSERT_EQ(d.frames.size(), 1u);
  EXPECT_TRUE(d.reports.empty());
  expect_same(d.frames[0], f);
}

TEST(DecodeTransfer, NoSingleBitFlipAnywhereYieldsAFrame) {
  // CRC-32 detects every single-bit error: whichever byte and bit is hit (magic, version,
  // length, payload or CRC), the damaged frame is reported, never accepted as another one.
  const Bytes good = encode_frame(frame(
      0x43, 0x11, {0x01, 0x04, 0x07, 0x00, 0x00, 0x00, 0x12, 0x01, 0x01, 0x13, 0x02, 0x66, 0x03}));
  for (std::size_t pos = 0; pos < good.size(); ++pos) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes damaged = good;
      damaged[pos] ^= static_cast<std::uint8_t>(1u << bit);
      const auto d = decode_transfer(damaged);
      EXPECT_TRUE(d.frames.empty()) << "byte " << pos << " bit " << bit;
      EXPECT_FALSE(d.reports.empty()) << "byte " << pos << " bit " << bit;
    }
  }
}

TEST(DecodeTransfer, ReportsAccountForEverySkippedByte) {
  // garbage · bad CRC · good · bad version · garbage: the skipped bytes and the frames add up
  // to the transfer, in order and without overlap.
  Bytes bad = encode_frame(frame(0x43, 1, {0x01, 0x02}));
  bad[9] ^= 0x40;
  const Bytes good = encode_frame(frame(0x44, 2, {0x15, 0x01, 0x01}));
  const Bytes v3 = raw_frame(3, 0, {});
  const Bytes transfer = concat({{0x00, 0x00}, bad, good, v3, {0x01, 0x02, 0x03}});
  const auto d = decode_transfer(transfer);
  ASSERT_EQ(d.frames.size(), 1u);
  ASSERT_EQ(d.reports.size(), 4u);
  expect_report(d.reports[0], FrameFault::garbage, 0, 2);
  expect_report(d.reports[1], FrameFault::bad_crc, 2, bad.size());
  expect_report(d.reports[2], FrameFault::bad_version, 2 + bad.size() + good.size(), v3.size());
  expect_report(d.reports[3], FrameFault::garbage, transfer.size() - 3, 3);
}

TEST(FrameFaultName, NamesEveryFault) {
  EXPECT_EQ(frame_fault_name(FrameFault::garbage), "garbage");
  EXPECT_EQ(frame_fault_name(FrameFault::truncated), "truncated");
  EXPECT_EQ(frame_fault_name(FrameFault::oversized), "oversized");
  EXPECT_EQ(frame_fault_name(FrameFault::bad_version), "bad_version");
  EXPECT_EQ(frame_fault_name(FrameFault::bad_crc), "bad_crc");
}

}  // namespace
}  // namespace onshi::driver
