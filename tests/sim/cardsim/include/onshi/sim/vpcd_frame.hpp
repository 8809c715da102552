// vpcd's framing (test-rigs.md §1 "vpcd wire protocol"): every message in both directions is a
// big-endian uint16 length and that many bytes. A 1-byte message from vpcd is a control code;
// anything longer is a command APDU. Pure code, no I/O, so it can be fuzzed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

#include "onshi/bytes.hpp"
#include "onshi/result.hpp"

namespace onshi::sim {

inline constexpr std::size_t kVpcdLengthSize = 2;
inline constexpr std::size_t kVpcdMaxPayload = 0xFFFF;

// Reassembles frames from a byte stream cut anywhere (TCP gives no message boundaries).
class VpcdFrameDecoder {
 public:
  // Appends received bytes; complete frames become available from next_frame().
  void feed(ByteView bytes);
  // The oldest complete frame's payload, or nullopt when none is complete yet.
  std::optional<Bytes> next_frame();
  // Bytes of a frame still incomplete (0 when the stream is at a frame boundary).
  std::size_t partial_size() const noexcept { return partial_.size(); }

 private:
  Bytes partial_;  // header bytes and then payload bytes of the frame being received
  std::deque<Bytes> complete_;
};

// length || payload; fails (Errc::invalid_argument) above 65535 bytes.
Result<Bytes> encode_vpcd_frame(ByteView payload);

// test-rigs.md §1: the control bytes vpcd sends as 1-byte messages.
enum class VpcdControl : std::uint8_t {
  power_off = 0x00,  // no reply
  power_on = 0x01,   // no reply
  reset = 0x02,      // no reply
  get_atr = 0x04,    // reply: one frame holding the ATR
};

struct VpcdMessage {
  enum class Kind : std::uint8_t { control, apdu, unknown_control, empty };
  Kind kind = Kind::empty;
  VpcdControl control = VpcdControl::power_off;  // meaningful for Kind::control
  ByteView apdu;                                 // meaningful for Kind::apdu (views the frame)
};

// What a frame from vpcd asks for. Never fails: unknown and empty frames are reported as such.
VpcdMessage classify_vpcd_frame(ByteView payload);

}  // namespace onshi::sim
