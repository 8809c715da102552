// TLV records of a payload (driver/PROTOCOL.md §2.1): tag, one length byte, value. Private to
// the driver's message layer.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "onshi/bytes.hpp"
#include "onshi/result.hpp"

namespace onshi::driver::tlv {

// PROTOCOL.md §3.1.
enum Tag : std::uint8_t {
  session = 0x01,
  protocol_min = 0x02,
  protocol_max = 0x03,
  protocol = 0x04,
  features = 0x05,
  vendor = 0x06,
  model = 0x07,
  serial = 0x08,
  firmware = 0x09,
  mode = 0x0A,
  consents = 0x0B,
  timeout = 0x0C,
  face_attempts = 0x0D,
  text = 0x0E,
  seconds = 0x0F,
  error = 0x10,
  expected = 0x11,
  matched = 0x12,
  score = 0x13,
  attempt = 0x14,
  confirmed = 0x15,
  reason = 0x16,
  answers = 0x17,
  state = 0x18,
  card = 0x19,
  ok = 0x1A,
};

// The value width of a known tag: 1, 2, 4 or 6 bytes, 0 for a string (0..255), -1 unknown.
int width_of(std::uint8_t tag) noexcept;

class Writer {
 public:
  Writer& u8(Tag tag, std::uint8_t v);
  Writer& u16(Tag tag, std::uint16_t v);
  Writer& u32(Tag tag, std::uint32_t v);
  Writer& str(Tag tag, std::string_view v);  // cut to 255 bytes
  Writer& raw(Tag tag, ByteView v);
  Bytes take() { return std::move(out_); }

 private:
  Bytes out_;
};

// A parsed payload: each known tag at most once, with its width checked; unknown tags skipped.
class Reader {
 public:
  static Result<Reader> parse(ByteView payload);

  bool has(Tag tag) const { return values_[tag].has_value(); }
  std::optional<std::uint8_t> u8(Tag tag) const;
  std::optional<std::uint16_t> u16(Tag tag) const;
  std::optional<std::uint32_t> u32(Tag tag) const;
  std::optional<std::string> str(Tag tag) const;
  std::optional<ByteView> raw(Tag tag) const { return values_[tag]; }

 private:
  std::array<std::optional<ByteView>, 256> values_{};
};

}  // namespace onshi::driver::tlv
