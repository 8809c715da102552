// A reader's stable identity (DEVELOPERS brief, issue "Foundation"): USB VID/PID from
// GET_TLV_PROPERTIES plus SCARD_ATTR_VENDOR_IFD_SERIAL_NO, else the display name without its
// slot/index suffix. Never the display name itself: pcsc-lite renumbers it on replug.
// SCARD_ATTR_CHANNEL_ID changes on every replug too; it only pairs a reader with its USB device
// at one moment, and its type tells USB readers (0x0020) from virtual ones.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "onshi/pcsc/context.hpp"
#include "onshi/result.hpp"

namespace onshi::pcsc {

// SCARD_ATTR_CHANNEL_ID: 0xDDDDCCCC, DDDD = channel type; libccid: 0x0020<<16 | bus<<8 | address.
inline constexpr std::uint16_t kChannelTypeUsb = 0x0020;

struct ReaderIdentity {
  std::string display_name;              // as pcscd lists it now
  std::string base_name;                 // without the " 00 00" slot/index suffix
  std::optional<std::uint16_t> vendor_id;
  std::optional<std::uint16_t> product_id;
  std::optional<std::string> serial;
  std::optional<std::uint32_t> channel_id;
  bool pin_pad = false;                  // FEATURE_VERIFY_PIN_DIRECT offered

  bool is_usb() const noexcept { return channel_id && (*channel_id >> 16) == kChannelTypeUsb; }
  std::optional<int> usb_bus() const noexcept;
  std::optional<int> usb_address() const noexcept;

  // "usb:046a:0072:EMU0001", or "name:Test PCD" when the reader tells nothing better.
  std::string stable_key() const;
};

// "Cherry ST-1275 [CCID pinpad] (EMU0001) 00 00" -> "Cherry ST-1275 [CCID pinpad] (EMU0001").
// pcsc-lite appends " %02X %02X" (reader index, slot); other names are returned unchanged.
std::string strip_slot_suffix(std::string_view display_name);

// Connects in SCARD_SHARE_DIRECT (no card needed) and asks the driver what it knows. Readers that
// answer nothing (vpcd) still get an identity from their name.
Result<ReaderIdentity> query_reader_identity(const std::shared_ptr<Context>& context,
                                             const std::string& reader);

}  // namespace onshi::pcsc
