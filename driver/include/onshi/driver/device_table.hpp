// The one table of face readers onshi drives (libfido2's udev/fidodevs model): VID/PID → the
// adapter that speaks the reader's vendor protocol, and the USB facts the udev rules and the
// driver need. The udev rules are generated from this table at build time (onshi-udev-rules), so
// a reader is added in exactly one place.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace onshi::driver {

// How onshi talks to a reader's vendor interface. One adapter per protocol family.
enum class Adapter {
  onshi_v1,  // driver/PROTOCOL.md, onshi's reference design
};

std::string_view adapter_name(Adapter adapter) noexcept;

struct DeviceEntry {
  std::uint16_t vendor_id = 0;
  std::uint16_t product_id = 0;
  Adapter adapter = Adapter::onshi_v1;
  std::string_view name;  // for people: udev comments, onshictl
  // The interface onshi claims (the CCID interface belongs to pcscd: never claimed, never reset).
  std::uint8_t vendor_interface = 1;
  // USB autosuspend makes some readers fail to open (anchors-and-conventions.md, field bug 6):
  // the udev rule then keeps power/control "on".
  bool keep_powered = false;
  // A test identity (pid.codes' test PID): listed so onshi-facesim's device is driven, and so a
  // production build can refuse it outside test mode.
  bool test_only = false;
};

// Sorted by vendor, then product; no duplicates (a unit test checks).
std::span<const DeviceEntry> device_table() noexcept;
const DeviceEntry* find_device(std::uint16_t vendor_id, std::uint16_t product_id) noexcept;

}  // namespace onshi::driver
