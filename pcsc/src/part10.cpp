#include "onshi/pcsc/part10.hpp"

#include <fmt/format.h>

#include <type_traits>

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
    // Stores the value of `tag` into `field` when its size is what the property prescribes.
    auto store = [&](auto& field, std::size_t size) -> Status {
      ONSHI_TRY_ASSIGN(auto x, little_endian(v, size, tag));
      field = static_cast<typename std::remove_reference_t<decltype(field)>::value_type>(x);
      return {};
    };
    Status stored;
    switch (tag) {
      case 0x01: stored = store(p.lcd_layout, 2); break;
      case 0x06: stored = store(p.min_pin_size, 1); break;
      case 0x07: stored = store(p.max_pin_size, 1); break;
      case 0x09: stored = store(p.ppdu_support, 1); break;
      case 0x0A: stored = store(p.max_apdu_data_size, 4); break;
      case 0x0B: stored = store(p.vendor_id, 2); break;
      case 0x0C: stored = store(p.product_id, 2); break;
      default: break;  // other properties (display, firmware id...) are not used
    }
    if (!stored) return std::move(stored).error();
    i += 2 + length;
  }
  return p;
}

}  // namespace onshi::pcsc
