#include "onshi/facesim/vendor_frame.hpp"

#include <boost/crc.hpp>

namespace onshi::facesim::vendor {
namespace {

std::uint16_t get16(ByteView b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] | (b[at + 1] << 8));
}

std::uint32_t get32(ByteView b, std::size_t at) {
  return static_cast<std::uint32_t>(b[at]) | (static_cast<std::uint32_t>(b[at + 1]) << 8) |
         (static_cast<std::uint32_t>(b[at + 2]) << 16) |
         (static_cast<std::uint32_t>(b[at + 3]) << 24);
}

// The position of the next magic at or after `from`, or transfer.size() when there is none.
std::size_t find_magic(ByteView transfer, std::size_t from) {
  for (std::size_t i = from; i + 1 < transfer.size(); ++i) {
    if (transfer[i] == kMagic0 && transfer[i + 1] == kMagic1) return i;
  }
  return transfer.size();
}

}  // namespace

std::uint32_t crc32(ByteView bytes) {
  boost::crc_32_type crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

Bytes encode_frame(std::uint8_t type, std::uint8_t seq, ByteView payload) {
  Bytes frame;
  frame.reserve(kMinFrame + payload.size());
  for (const std::uint8_t b : {kMagic0, kMagic1, kFrameVersion, type, seq, std::uint8_t{0},
                               static_cast<std::uint8_t>(payload.size()),
                               static_cast<std::uint8_t>(payload.size() >> 8)}) {
    frame.push_back(b);
  }
  frame.insert(frame.end(), payload.begin(), payload.end());
  const std::uint32_t crc = crc32(frame);
  for (int i = 0; i < 4; ++i) frame.push_back(static_cast<std::uint8_t>(crc >> (8 * i)));
  return frame;
}

std::vector<Frame> decode_transfer(ByteView transfer, DecodeStats& stats) {
  std::vector<Frame> frames;
  std::size_t at = 0;
  while (at < transfer.size()) {
    const std::size_t magic = find_magic(transfer, at);
    stats.garbage_bytes += magic - at;
    at = magic;
    if (at == transfer.size()) break;
    const std::size_t left = transfer.size() - at;
    if (left < kMinFrame) {
      ++stats.truncated;  // §2.2: the rest of the transfer is dropped
      break;
    }
    const std::size_t length = get16(transfer, at + 6);
    if (length > kMaxPayload) {
      ++stats.oversized;
      at += 2;  // past this magic
      continue;
    }
    if (left < kMinFrame + length) {
      ++stats.truncated;
      break;
    }
    const ByteView covered = transfer.subspan(at, kHeaderSize + length);
    if (crc32(covered) != get32(transfer, at + kHeaderSize + length)) {
      ++stats.bad_crc;  // the length may be the corrupted byte: trust nothing of it
      at += 2;
      continue;
    }
    if (transfer[at + 2] != kFrameVersion) {
      ++stats.bad_version;  // its length is trustworthy (the CRC is right): skip it whole
      at += kMinFrame + length;
      continue;
    }
    const ByteView payload = covered.subspan(kHeaderSize);
    frames.push_back({transfer[at + 3], transfer[at + 4], transfer[at + 5],
                      Bytes(payload.begin(), payload.end())});
    at += kMinFrame + length;
  }
  return frames;
}

}  // namespace onshi::facesim::vendor
