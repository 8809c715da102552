// The framing layer of the onshi vendor protocol (driver/PROTOCOL.md §2): frames in and out of
// one USB transfer, with the receiver's resynchronisation rules (§2.2). Bytes only: no USB, no
// meaning of types or payloads (messages.hpp has those).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "onshi/bytes.hpp"

namespace onshi::driver {

// PROTOCOL.md §2.
inline constexpr std::uint8_t kFrameMagic0 = 0x4F;  // 'O'
inline constexpr std::uint8_t kFrameMagic1 = 0x46;  // 'F'
inline constexpr std::uint8_t kFrameVersion = 1;
inline constexpr std::size_t kFrameHeaderSize = 8;
inline constexpr std::size_t kFrameCrcSize = 4;
inline constexpr std::size_t kMaxPayload = 1012;
inline constexpr std::size_t kMaxFrame = kFrameHeaderSize + kMaxPayload + kFrameCrcSize;  // 1024

struct Frame {
  std::uint8_t type = 0;
  std::uint8_t seq = 0;
  std::uint8_t flags = 0;
  Bytes payload;
};

// CRC-32 (IEEE 802.3, as zlib's crc32) over `data`.
std::uint32_t frame_crc(ByteView data) noexcept;

// The bytes of one frame. The payload must fit (kMaxPayload): callers build payloads from
// bounded fields; a longer one is a programming error and is cut (asserted in debug builds).
Bytes encode_frame(const Frame& frame);

// What a receiver skipped, and why (PROTOCOL.md §2.2).
enum class FrameFault : std::uint8_t { garbage, truncated, oversized, bad_version, bad_crc };
std::string_view frame_fault_name(FrameFault fault) noexcept;

struct FrameReport {
  FrameFault fault = FrameFault::garbage;
  std::size_t offset = 0;  // where in the transfer
  std::size_t bytes = 0;   // how many bytes were skipped
};

struct DecodedTransfer {
  std::vector<Frame> frames;
  std::vector<FrameReport> reports;
};

// Every good frame of one transfer, in order, and a report for everything skipped. Never throws
// on any input (fuzz_driver_frame), never reads past `transfer`.
DecodedTransfer decode_transfer(ByteView transfer);

}  // namespace onshi::driver
