// The control channel's vendor-interface commands (face, staff, consent, operator-cancel,
// device-error, vendor-delay, vendor-features, vendor-fault, vendor-event) and the vendor part of
// `status`; control.hpp documents the syntax.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "onshi/facesim/control.hpp"
#include "onshi/facesim/usb_device.hpp"

namespace onshi::facesim {

// nullopt when `words[0]` is none of the vendor commands; `reader` is checked already.
std::optional<ControlAnswer> run_vendor_command(Emulator& emulator, std::size_t reader,
                                                const std::vector<std::string>& words);

// The "vendor" object of `status` (as of the VendorDevice's last advance).
nlohmann::json vendor_status(const UsbDevice& device);

}  // namespace onshi::facesim
