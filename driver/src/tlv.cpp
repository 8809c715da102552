#include "tlv.hpp"

#include <fmt/format.h>

namespace onshi::driver::tlv {

int width_of(std::uint8_t tag) noexcept {
  switch (tag) {
    case session:
    case features:
      return 4;
    case timeout:
    case seconds:
    case score:
      return 2;
    case protocol_min:
    case protocol_max:
    case protocol:
    case mode:
    case consents:
    case face_attempts:
    case error:
    case expected:
    case matched:
    case attempt:
    case confirmed:
    case reason:
    case state:
    case card:
    case ok:
      return 1;
    case answers:
      return 6;
    case vendor:
    case model:
    case serial:
    case firmware:
    case text:
      return 0;
    default:
      return -1;
  }
}

Writer& Writer::raw(Tag tag, ByteView v) {
  out_.push_back(tag);
  out_.push_back(static_cast<std::uint8_t>(v.size()));
  out_.insert(out_.end(), v.begin(), v.end());
  return *this;
}

Writer& Writer::u8(Tag tag, std::uint8_t v) { return raw(tag, ByteView(&v, 1)); }

Writer& Writer::u16(Tag tag, std::uint16_t v) {
  const std::uint8_t b[2] = {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8)};
  return raw(tag, b);
}

Writer& Writer::u32(Tag tag, std::uint32_t v) {
  std::uint8_t b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<std::uint8_t>(v >> (8 * i));
  return raw(tag, b);
}

Writer& Writer::str(Tag tag, std::string_view v) {
  if (v.size() > 255) v = v.substr(0, 255);
  return raw(tag, ByteView(reinterpret_cast<const std::uint8_t*>(v.data()), v.size()));
}

Result<Reader> Reader::parse(ByteView payload) {
  Reader r;
  std::size_t at = 0;
  while (at < payload.size()) {
    if (payload.size() - at < 2)
      return fail(Errc::face_reader_protocol, fmt::format("TLV record at {} has no length", at));
    const std::uint8_t tag = payload[at];
    const std::size_t length = payload[at + 1];
    if (payload.size() - at - 2 < length) {
      return fail(Errc::face_reader_protocol,
                  fmt::format("TLV tag 0x{:02X} at {} runs past the payload ({} bytes, {} left)",
                              tag, at, length, payload.size() - at - 2));
    }
    const ByteView value = payload.subspan(at + 2, length);
    at += 2 + length;
    const int width = width_of(tag);
    if (width < 0) continue;  // a later version's tag (§2.1)
    if (width > 0 && static_cast<std::size_t>(width) != length) {
      return fail(Errc::face_reader_protocol,
                  fmt::format("TLV tag 0x{:02X} has {} bytes, not {}", tag, length, width));
    }
    if (r.values_[tag]) {
      return fail(Errc::face_reader_protocol, fmt::format("TLV tag 0x{:02X} given twice", tag));
    }
    r.values_[tag] = value;
  }
  return r;
}

std::optional<std::uint8_t> Reader::u8(Tag tag) const {
  if (!values_[tag]) return std::nullopt;
  return (*values_[tag])[0];
}

std::optional<std::uint16_t> Reader::u16(Tag tag) const {
  if (!values_[tag]) return std::nullopt;
  const ByteView v = *values_[tag];
  return static_cast<std::uint16_t>(v[0] | (v[1] << 8));
}

std::optional<std::uint32_t> Reader::u32(Tag tag) const {
  if (!values_[tag]) return std::nullopt;
  const ByteView v = *values_[tag];
  std::uint32_t out = 0;
  for (int i = 0; i < 4; ++i) out |= static_cast<std::uint32_t>(v[i]) << (8 * i);
  return out;
}

std::optional<std::string> Reader::str(Tag tag) const {
  if (!values_[tag]) return std::nullopt;
  const ByteView v = *values_[tag];
  return std::string(v.begin(), v.end());
}

}  // namespace onshi::driver::tlv
