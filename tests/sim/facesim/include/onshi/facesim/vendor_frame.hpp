// Frames of the face-reader vendor protocol (driver/PROTOCOL.md §2): encoding, the CRC-32, and
// the decoding of one USB transfer into frames with the resynchronisation of §2.2. Bytes in,
// bytes out.
#pragma once

#include <cstdint>
#include <vector>

#include "onshi/bytes.hpp"
#include "onshi/facesim/vendor_protocol.hpp"

namespace onshi::facesim::vendor {

struct Frame {
  std::uint8_t type = 0;
  std::uint8_t seq = 0;
  std::uint8_t flags = 0;  // §2: reserved, ignored on receipt
  Bytes payload;
};

// §2: IEEE 802.3 / zlib CRC-32 (reflected, init and xor-out 0xFFFFFFFF).
std::uint32_t crc32(ByteView bytes);

// One frame, flags 0. The payload must be at most kMaxPayload bytes (every payload this device
// builds is, by construction).
Bytes encode_frame(std::uint8_t type, std::uint8_t seq, ByteView payload);
inline Bytes encode_frame(Type type, std::uint8_t seq, ByteView payload) {
  return encode_frame(static_cast<std::uint8_t>(type), seq, payload);
}

// What §2.2 has a receiver report. garbage_bytes counts every byte skipped while looking for a
// magic, also the bytes after a magic that turned out to be no frame (oversized, bad CRC).
struct DecodeStats {
  std::uint64_t garbage_bytes = 0;
  std::uint64_t truncated = 0;
  std::uint64_t oversized = 0;
  std::uint64_t bad_version = 0;
  std::uint64_t bad_crc = 0;
};

// Every good frame of one transfer, front to back; what is not a good frame is counted in
// `stats` and skipped (§2.2). Never fails.
std::vector<Frame> decode_transfer(ByteView transfer, DecodeStats& stats);

}  // namespace onshi::facesim::vendor
