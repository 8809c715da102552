#include "onshi/udev/rules.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

namespace onshi::udev {
namespace {

using driver::DeviceEntry;

// Why the rules look the way they do, for whoever reads the installed file. The facts: udev(7);
// systemd's 60-fido-id/70-uaccess/73-seat-late rules and devnode-acl.c; libccid's
// 92_pcscd_ccid.rules (GROUP="pcscd" since 1.7.0, blog.apdu.fr 2025-10 "pcscd runs as pcscd
// user"); anchors-and-conventions.md "udev" and field bug 6 (autosuspend).
constexpr std::string_view kHeader =
    R"(# {file}: access to onshi's face-authentication card readers.
# Generated from driver/src/device_table.cpp by onshi-udev-rules — do not edit.
# {variant}
#
# A face reader is one composite USB device: interface 0 is the CCID card slot (pcscd + libccid),
# interface 1 the vendor interface onshid claims with libusb. Permissions belong to the whole
# device node, so whatever is granted here reaches the patient's card too:
# * No TAG+="uaccess": it would give the logged-in desktop user raw access to the card, around
#   pcscd and onshid's PIN guard.
# * No GROUP, MODE or OWNER: libccid >= 1.7.0 sets GROUP="pcscd" on CCID devices and only one
#   GROUP can win, so pcscd or onshid would lose the reader. pcscd keeps the owning group; onshid's
#   group "{group}" gets a POSIX ACL entry instead.
# * ACTION add|change|bind: udev re-applies the GROUP/MODE/OWNER its rules assign on every event
#   but remove, and chmod rewrites an ACL's mask (the group bits become the mask), which can cut
#   g:{group}:rw down to r. RUN runs after udev has set the node's permissions, so each such event
#   re-applies the entry and setfacl recomputes the mask. An unbind is followed by a remove or by
#   the bind that makes the device usable again, which re-applies it.
# * ATTR{{power/control}}="on" for readers that need it: USB autosuspend makes libusb_open fail
#   on some readers.
# * 93: after 92-libccid.rules and 92_pcscd_ccid.rules (and 60-autosuspend.rules), whose
#   ATTR{{power/control}}="auto" must not win over "on" (attributes are written in rule order).
#   After 70-uaccess.rules and 73-seat-late.rules too, in which this file takes no part: the
#   uaccess ACL handling removes only user entries, never the group entry set here.
)";

constexpr std::string_view kClinicVariant =
    "Clinic variant: the table's test-only entries (pid.codes test IDs) are left out.";
constexpr std::string_view kTestVariant =
    "Test variant (--with-test-devices): includes test-only IDs, for test machines and\n"
    "# onshi-facesim only; never install it on a clinic's terminal.";

bool has_control_characters(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

Result<bool> check_table(std::span<const DeviceEntry> devices) {
  for (std::size_t i = 0; i < devices.size(); ++i) {
    const DeviceEntry& e = devices[i];
    const std::string id = fmt::format("{:04x}:{:04x}", e.vendor_id, e.product_id);
    if (e.vendor_id == 0)  // no USB vendor has ID 0: an entry left half-filled
      return fail(Errc::invalid_argument, fmt::format("device table: vendor ID 0 in {}", id));
    if (e.name.empty() || has_control_characters(e.name))
      return fail(Errc::invalid_argument,
                  fmt::format("device table: {} needs a one-line name (it becomes a comment)", id));
    // The fidodevs check.sh rule: sorted, so the rules (and diffs of them) follow the table.
    if (i > 0 && std::tie(devices[i - 1].vendor_id, devices[i - 1].product_id) >=
                     std::tie(e.vendor_id, e.product_id))
      return fail(Errc::invalid_argument,
                  fmt::format("device table: {} is out of order or duplicated", id));
  }
  return true;
}

std::string device_rules(const DeviceEntry& e) {
  // Lower-case 4-digit hex: exactly how sysfs spells idVendor/idProduct.
  const std::string match =
      fmt::format(R"(SUBSYSTEM=="usb", ENV{{DEVTYPE}}=="usb_device", ACTION=="add|change|bind", )"
                  R"(ATTR{{idVendor}}=="{:04x}", ATTR{{idProduct}}=="{:04x}")",
                  e.vendor_id, e.product_id);
  std::string out = fmt::format(
      "\n# {:04x}:{:04x}  {}\n#            adapter {}, vendor interface {}{}{}\n", e.vendor_id,
      e.product_id, e.name, driver::adapter_name(e.adapter), e.vendor_interface,
      e.keep_powered ? ", keep_powered" : "", e.test_only ? ", test_only (not a product)" : "");
  out += fmt::format("{}, RUN+=\"{} -m g:{}:rw $devnode\"\n", match, kSetfacl, kAgentGroup);
  // A line of its own: where power/control is missing the ACL must still be set.
  if (e.keep_powered)
    out += fmt::format("{}, TEST==\"power/control\", ATTR{{power/control}}=\"on\"\n", match);
  return out;
}

}  // namespace

Result<std::string> generate_rules(std::span<const DeviceEntry> devices,
                                   const RulesOptions& options) {
  if (auto ok = check_table(devices); !ok) return fail(std::move(ok).error());
  std::string out =
      fmt::format(kHeader, fmt::arg("file", kRulesFileName), fmt::arg("group", kAgentGroup),
                  fmt::arg("variant", options.with_test_devices ? kTestVariant : kClinicVariant));
  std::size_t written = 0;
  for (const DeviceEntry& e : devices) {
    if (e.test_only && !options.with_test_devices) continue;
    out += device_rules(e);
    ++written;
  }
  if (written == 0) out += "\n# (no readers: every entry of the table is test-only)\n";
  return out;
}

}  // namespace onshi::udev
