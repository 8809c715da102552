// PC/SC Part 10 (v2.02.09) reader features: the feature list returned by
// CM_IOCTL_GET_FEATURE_REQUEST and the properties of FEATURE_GET_TLV_PROPERTIES. Both come from
// the reader driver and are parsed as untrusted input.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include "onshi/bytes.hpp"
#include "onshi/result.hpp"

namespace onshi::pcsc {

// SCARD_CTL_CODE(3400) as pcsc-lite defines it (reader.h); Windows uses another base.
inline constexpr std::uint32_t kGetFeatureRequest = 0x42000000 + 3400;

enum class Feature : std::uint8_t {
  verify_pin_direct = 0x06,
  modify_pin_direct = 0x07,
  ifd_pin_properties = 0x0A,
  get_tlv_properties = 0x12,
  ccid_esc_command = 0x13,
};

// Tag → control code, from a list of {tag, 4, code (big-endian)} entries.
using FeatureMap = std::map<std::uint8_t, std::uint32_t>;
Result<FeatureMap> parse_feature_list(ByteView data);

// The properties onshi uses (PCSCv2_PART10_PROPERTY_*); unknown tags are skipped.
struct TlvProperties {
  std::optional<std::uint16_t> lcd_layout;           // 0x01 wLcdLayout
  std::optional<std::uint8_t> min_pin_size;          // 0x06 bMinPINSize
  std::optional<std::uint8_t> max_pin_size;          // 0x07 bMaxPINSize
  std::optional<std::uint8_t> ppdu_support;          // 0x09 bPPDUSupport
  std::optional<std::uint32_t> max_apdu_data_size;   // 0x0A dwMaxAPDUDataSize (0: short APDUs only)
  std::optional<std::uint16_t> vendor_id;            // 0x0B wIdVendor
  std::optional<std::uint16_t> product_id;           // 0x0C wIdProduct
};
// Little-endian values of 1, 2 or 4 bytes; a value of the wrong size for its tag is an error.
Result<TlvProperties> parse_tlv_properties(ByteView data);

}  // namespace onshi::pcsc
