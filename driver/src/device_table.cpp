#include "onshi/driver/device_table.hpp"

#include <algorithm>
#include <array>

namespace onshi::driver {
namespace {

// Keep sorted by (vendor_id, product_id): device_table_test and the udev generator rely on it.
constexpr std::array kDevices{
    // pid.codes' open-source vendor ID with its "Test PID" (https://pid.codes/1209/0001/):
    // onshi-facesim's emulated reader (tests/sim/facesim/README.md, "Why an own VID/PID").
    DeviceEntry{.vendor_id = 0x1209,
                .product_id = 0x0001,
                .adapter = Adapter::onshi_v1,
                .name = "onshi reference face reader (pid.codes test ID; onshi-facesim)",
                .vendor_interface = 1,
                .keep_powered = true,
                .test_only = true},
};

}  // namespace

std::string_view adapter_name(Adapter adapter) noexcept {
  switch (adapter) {
    case Adapter::onshi_v1:
      return "onshi-v1";
  }
  return "unknown";
}

std::span<const DeviceEntry> device_table() noexcept { return kDevices; }

const DeviceEntry* find_device(std::uint16_t vendor_id, std::uint16_t product_id) noexcept {
  const auto it = std::find_if(kDevices.begin(), kDevices.end(), [&](const DeviceEntry& e) {
    return e.vendor_id == vendor_id && e.product_id == product_id;
  });
  return it == kDevices.end() ? nullptr : &*it;
}

}  // namespace onshi::driver
