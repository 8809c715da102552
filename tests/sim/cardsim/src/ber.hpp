// BER-TLV pieces for the emulator's structured EFs (ISO 7816-4 §5.2, X.690 §8.1.3): definite
// lengths in the short form up to 127, then `81 xx` and `82 xx xx`. Internal header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "onshi/bytes.hpp"

namespace onshi::sim::ber {

inline constexpr std::size_t kMaxShortLength = 0x7F;
inline constexpr std::size_t kMaxLength = 0xFFFF;  // the EFs are far smaller

inline std::size_t length_size(std::size_t length) {
  if (length <= kMaxShortLength) return 1;
  return length <= 0xFF ? 2 : 3;
}

// `length` must be at most kMaxLength.
inline void append_length(Bytes& out, std::size_t length) {
  if (length <= kMaxShortLength) {
    out.push_back(static_cast<std::uint8_t>(length));
  } else if (length <= 0xFF) {
    out.push_back(0x81);
    out.push_back(static_cast<std::uint8_t>(length));
  } else {
    out.push_back(0x82);
    out.push_back(static_cast<std::uint8_t>(length >> 8));
    out.push_back(static_cast<std::uint8_t>(length & 0xFF));
  }
}

inline void append_tlv(Bytes& out, ByteView tag, ByteView value) {
  out.insert(out.end(), tag.begin(), tag.end());
  append_length(out, value.size());
  out.insert(out.end(), value.begin(), value.end());
}

inline ByteView text_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace onshi::sim::ber
