// The face reader's USB identity: device, configuration and string descriptors of the composite
// device (interface 0: CCID pin-pad slot, interface 1: the vendor interface for face sessions),
// and the sysfs description umockdev builds the testbed from (test-rigs.md §5, "What the testbed
// must contain").
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "onshi/bytes.hpp"
#include "onshi/facesim/ccid_slot.hpp"

namespace onshi::facesim {

// INVENTED BY ONSHI for its reference design: 1209 is pid.codes' open-source vendor ID and
// 0001 its "Test PID" (https://pid.codes/1209/0001/), meant for exactly this kind of testing.
// libccid does not list it, so onshi-facesim adds it to a copy of libccid's Info.plist in
// pcscd's mount namespace (tests/sim/facesim/README.md, "Why an own VID/PID").
inline constexpr std::uint16_t kVendorId = 0x1209;
inline constexpr std::uint16_t kProductId = 0x0001;

// Endpoints (test-rigs.md §5): CCID bulk OUT/IN + interrupt IN, then the vendor interface's.
inline constexpr std::uint8_t kCcidBulkOut = 0x02;
inline constexpr std::uint8_t kCcidBulkIn = 0x82;
inline constexpr std::uint8_t kCcidInterruptIn = 0x83;
inline constexpr std::uint8_t kVendorBulkOut = 0x04;
inline constexpr std::uint8_t kVendorBulkIn = 0x85;
inline constexpr std::uint8_t kVendorInterruptIn = 0x86;
inline constexpr std::uint8_t kCcidInterface = 0;
inline constexpr std::uint8_t kVendorInterface = 1;

struct ReaderIdentity {
  std::uint16_t vendor_id = kVendorId;
  std::uint16_t product_id = kProductId;
  std::uint16_t bcd_device = 0x0100;
  std::string manufacturer = "onshi";
  std::string product = "onshi face reader (emulated)";
  std::string serial = "FACE0001";
  // CCID class descriptor fields (CCID §5.1).
  ApduLevel level = ApduLevel::short_apdu;
  std::uint32_t max_message_length = 271;  // dwMaxCCIDMessageLength
  std::uint16_t lcd_layout = 0x0210;       // wLcdLayout: 2 lines of 16 characters
  std::uint8_t pin_support = 0x03;         // bPINSupport: verification and modification
};

// The 54-byte CCID class descriptor (type 0x21).
Bytes ccid_class_descriptor(const ReaderIdentity& id);
Bytes device_descriptor(const ReaderIdentity& id);
// Configuration 1 with both interfaces and their endpoints (wTotalLength bytes).
Bytes configuration_descriptor(const ReaderIdentity& id);
// String descriptor `index` (0: language IDs; 1 manufacturer, 2 product, 3 serial); nullopt for
// an index the device does not have.
std::optional<Bytes> string_descriptor(const ReaderIdentity& id, std::uint8_t index);

// Where one plugged-in device sits: bus 1, port `port` (sysfs 1-<port>), address `address`.
struct UsbLocation {
  int port = 1;
  int address = 2;
};
std::string sysfs_path(const UsbLocation& at);  // /sys/devices/.../usb1/1-<port>
std::string interface_sysfs_path(const UsbLocation& at, int interface);
std::string device_node(const UsbLocation& at);  // /dev/bus/usb/001/<address>
// The umockdev-record text for the device and its two interface nodes.
std::string umockdev_description(const ReaderIdentity& id, const UsbLocation& at);

}  // namespace onshi::facesim
