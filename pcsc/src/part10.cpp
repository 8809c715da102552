#include "onshi/pcsc/part10.hpp"

#include <fmt/format.h>

namespace onshi::pcsc {

Result<FeatureMap> parse_feature_list(ByteView data) {
  FeatureMap out;
  std::size_t i = 0;
  while (i < data.size()) {
    if (data.size() - i < 2) {
      return fail(Errc::apdu_malformed_response, fmt::format("feature list truncated at byte {}", i));
    }
    const std::uint8_t tag = data[i];
    const std::uint8_t length = data[i + 1];
    if (length != 4) {
      return fail(Errc::apdu_malformed_response,
                  fmt::format("feature 0x{:02X} has a {}-byte value, expected 4", tag, length));
    }
    if (data.size() - i - 2 < 4) {
      return fail(Errc::apdu_malformed_response, fmt::format("feature 0x{:02X} value truncated", tag));
    }
    const std::uint32_t code = (std::uint32_t{data[i + 2]} << 24) | (std::uint32_t{data[i + 3]} << 16) |
                               (std::uint32_t{data[i + 4]} << 8) | std::uint32_t{data[i + 5]};
    out[tag] = code;
    i += 6;
  }
  return out;
}

namespace {

Result<std::uint32_t> little_endian(ByteView v, std::size_t expected, std::uint8_t tag) {
  if (v.size() != expected) {
    return fail(Errc::apdu_malformed_response,
                fmt::format("TLV property 0x{:02X} has {} bytes, expected {}", tag, v.size(), expected));
  }
  std::uint32_t value = 0;
  for (std::size_t k = v.size(); k-- > 0;) value = (value << 8) | v[k];
  return value;
}

}  // namespace

Result<TlvProperties> parse_tlv_properties(ByteView data) {
  TlvProperties p;
  std::size_t i = 0;
  while (i < data.size()) {
    if (data.size() - i < 2) {
      return fail(Errc::apdu_malformed_response, fmt::format("TLV properties truncated at byte {}", i));
    }
    const std::uint8_t tag = data[i];
    const std::size_t length = data[i + 1];
    if (data.size() - i - 2 < length) {
      return fail(Errc::apdu_malformed_response, fmt::format("TLV property 0x{:02X} value truncated", tag));
    }
    const ByteView v = data.subspan(i + 2, length);
    switch (tag) {
      case 0x01: {
        ONSHI_TRY_ASSIGN(auto x, little_endian(v, 2, tag));
        p.lcd_layout = static_cast<std::uint16_t>(x);
        break;
      }
      case 0x06: {
        ONSHI_TRY_ASSIGN(auto x, little_endian(v, 1, tag));
        p.min_pin_size = static_cast<std::uint8_t>(x);
        break;
      }
      case 0x07: {
        ONSHI_TRY_ASSIGN(auto x, little_endian(v, 1, tag));
        p.max_pin_size = static_cast<std::uint8_t>(x);
        break;
      }
      case 0x09: {
        ONSHI_TRY_ASSIGN(auto x, little_endian(v, 1, tag));
        p.ppdu_support = static_cast<std::uint8_t>(x);
        break;
      }
      case 0x0A: {
        ONSHI_TRY_ASSIGN(auto x, little_endian(v, 4, tag));
        p.max_apdu_data_size = x;
        break;
      }
      case 0x0B: {
        ONSHI_TRY_ASSIGN(auto x, little_endian(v, 2, tag));
        p.vendor_id = static_cast<std::uint16_t>(x);
        break;
      }
      case 0x0C: {
        ONSHI_TRY_ASSIGN(auto x, little_endian(v, 2, tag));
        p.product_id = static_cast<std::uint16_t>(x);
        break;
      }
      default:
        break;  // other properties (display, firmware id...) are not used
    }
    i += 2 + length;
  }
  return p;
}

}  // namespace onshi::pcsc
