#include "onshi/driver/frame.hpp"

#include <boost/crc.hpp>
#include <cassert>

namespace onshi::driver {
namespace {

std::uint16_t le16(ByteView b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] | (b[at + 1] << 8));
}

std::uint32_t le32(ByteView b, std::size_t at) {
  return static_cast<std::uint32_t>(b[at]) | (static_cast<std::uint32_t>(b[at + 1]) << 8) |
         (static_cast<std::uint32_t>(b[at + 2]) << 16) |
         (static_cast<std::uint32_t>(b[at + 3]) << 24);
}

bool magic_at(ByteView b, std::size_t at) {
  return at + 1 < b.size() && b[at] == kFrameMagic0 && b[at + 1] == kFrameMagic1;
}

// The next magic at or after `from`, or b.size().
std::size_t next_magic(ByteView b, std::size_t from) {
  while (from < b.size() && !magic_at(b, from)) ++from;
  return from;
}

}  // namespace

std::uint32_t frame_crc(ByteView data) noexcept {
  boost::crc_32_type crc;
  crc.process_bytes(data.data(), data.size());
  return crc.checksum();
}

Bytes encode_frame(const Frame& frame) {
  assert(frame.payload.size() <= kMaxPayload);
  const std::size_t n = std::min(frame.payload.size(), kMaxPayload);
  Bytes out;
  out.reserve(kFrameHeaderSize + n + kFrameCrcSize);
  out.insert(out.end(),
             {kFrameMagic0, kFrameMagic1, kFrameVersion, frame.type, frame.seq, frame.flags,
              static_cast<std::uint8_t>(n), static_cast<std::uint8_t>(n >> 8)});
  out.insert(out.end(), frame.payload.begin(), frame.payload.begin() + static_cast<long>(n));
  const std::uint32_t crc = frame_crc(out);
  for (int shift = 0; shift < 32; shift += 8)
    out.push_back(static_cast<std::uint8_t>(crc >> shift));
  return out;
}

std::string_view frame_fault_name(FrameFault fault) noexcept {
  switch (fault) {
    case FrameFault::garbage:
      return "garbage";
    case FrameFault::truncated:
      return "truncated";
    case FrameFault::oversized:
      return "oversized";
    case FrameFault::bad_version:
      return "bad_version";
    case FrameFault::bad_crc:
      return "bad_crc";
  }
  return "unknown";
}

DecodedTransfer decode_transfer(ByteView b) {
  DecodedTransfer out;
  std::size_t at = 0;
  while (at < b.size()) {
    if (!magic_at(b, at)) {
      // A lone last byte that could start a magic is still garbage: frames never span transfers.
      const std::size_t next = next_magic(b, at);
      out.reports.push_back({FrameFault::garbage, at, next - at});
      at = next;
      continue;
    }
    const std::size_t left = b.size() - at;
    if (left < kFrameHeaderSize + kFrameCrcSize) {
      out.reports.push_back({FrameFault::truncated, at, left});
      break;
    }
    const std::size_t length = le16(b, at + 6);
    if (length > kMaxPayload) {
      // The length may be the corrupted field: look for the next magic just past this one.
      const std::size_t next = next_magic(b, at + 2);
      out.reports.push_back({FrameFault::oversized, at, next - at});
      at = next;
      continue;
    }
    const std::size_t total = kFrameHeaderSize + length + kFrameCrcSize;
    if (left < total) {
      out.reports.push_back({FrameFault::truncated, at, left});
      break;
    }
    const ByteView body = b.subspan(at, kFrameHeaderSize + length);
    if (frame_crc(body) != le32(b, at + kFrameHeaderSize + length)) {
      const std::size_t next = next_magic(b, at + 2);
      out.reports.push_back({FrameFault::bad_crc, at, next - at});
      at = next;
      continue;
    }
    if (b[at + 2] != kFrameVersion) {
      out.reports.push_back({FrameFault::bad_version, at, total});
      at += total;
      continue;
    }
    Frame f;
    f.type = b[at + 3];
    f.seq = b[at + 4];
    f.flags = b[at + 5];
    f.payload.assign(body.begin() + kFrameHeaderSize, body.end());
    out.frames.push_back(std::move(f));
    at += total;
  }
  return out;
}

}  // namespace onshi::driver
