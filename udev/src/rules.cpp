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
#   pcscd and onshid's PIN guard. systemd's own rules would add it (60-fido-id.rules:10 marks
#   every CCID device ID_SMARTCARD_READER=1, 70-uaccess.rules:51 tags it), so
#   {no_uaccess} hides the property from 70-uaccess.rules and the
#   ENV{{ID_SMARTCARD_READER}} line below puts it back for 99-systemd.rules (smartcard.target).
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
#   After 70-uaccess.rules and 73-seat-late.rules too, so the restored ID_SMARTCARD_READER is
#   seen only from here on; the uaccess ACL handling removes only user entries, never the group
#   entry set here.
)";

// The 69 file. The facts: systemd 252's 60-fido-id.rules:10, 70-uaccess.rules:51,
// 71-seat.rules:12, 73-seat-late.rules:16, 99-systemd.rules:62; NEWS "CHANGES WITH 247" (sticky
// tags); udev/README.md "uaccess".
constexpr std::string_view kNoUaccessHeader =
    R"(# {file}: keeps systemd from tagging onshi's face readers "uaccess".
# Generated from driver/src/device_table.cpp by onshi-udev-rules — do not edit.
# {variant}
#
# A face reader is one composite USB device with a CCID interface (the patient's card slot).
# systemd 252 marks every such device a smart-card reader (60-fido-id.rules:10:
# ENV{{ID_USB_INTERFACES}}=="*:0b????:*" -> ENV{{ID_SMARTCARD_READER}}="1"), 70-uaccess.rules:51
# then tags it "uaccess" (and 71-seat.rules:12 "seat"), and 73-seat-late.rules:16 runs the uaccess
# builtin, which gives the desktop user raw access to the card, around pcscd and onshid's PIN guard.
# A TAG-="uaccess" cannot undo that: since systemd 247 tags are sticky (NEWS), -= drops the tag
# from CURRENT_TAGS only, and 73-seat-late's TAG=="uaccess" still matches.
# So for the table's devices only, on every event 70-uaccess.rules acts on (all but remove,
# unbind included), this file moves ID_SMARTCARD_READER into {saved} while
# 70-uaccess.rules runs: 69 sorts after 60-fido-id.rules and before 70-uaccess.rules.
# {rules} puts it back after 73-seat-late.rules, so 99-systemd.rules:62 still
# adds the "systemd" tag and SYSTEMD_WANTS=smartcard.target, and the udev database keeps
# ID_SMARTCARD_READER=1. The ACL for onshid's group is set by {rules} as before.
# 60-fido-id.rules:12 has added the "security-device" tag before this file runs.
# A reader already plugged in when this file is installed keeps its sticky "uaccess" tag until it
# is unplugged or the machine reboots; a `udevadm trigger` does not remove it.
# This depends on how 60-fido-id.rules and 70-uaccess.rules work: check it for every new systemd
# (udev_udevadm_tests).
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

// The table device on every event that 60-fido-id.rules and 70-uaccess.rules act on (all but
// remove; unbind too, or an unbind would add the sticky "uaccess" tag).
std::string id_match(const DeviceEntry& e) {
  return fmt::format(R"(SUBSYSTEM=="usb", ENV{{DEVTYPE}}=="usb_device", ACTION!="remove", )"
                     R"(ATTR{{idVendor}}=="{:04x}", ATTR{{idProduct}}=="{:04x}")",
                     e.vendor_id, e.product_id);
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
  // What the 69 file hid from 70-uaccess.rules, back for 99-systemd.rules and the database.
  out += fmt::format("{}, ENV{{{saved}}}==\"?*\", ENV{{ID_SMARTCARD_READER}}=\"$env{{{saved}}}\"\n",
                     id_match(e), fmt::arg("saved", kSavedSmartcardProperty));
  return out;
}

std::string no_uaccess_rules(const DeviceEntry& e) {
  return fmt::format(
      "\n# {:04x}:{:04x}  {}{}\n{}, ENV{{ID_SMARTCARD_READER}}==\"?*\", "
      "ENV{{{saved}}}=\"$env{{ID_SMARTCARD_READER}}\", ENV{{ID_SMARTCARD_READER}}=\"\"\n",
      e.vendor_id, e.product_id, e.name,
      e.test_only ? "\n#            test_only (not a product)" : "", id_match(e),
      fmt::arg("saved", kSavedSmartcardProperty));
}

// The rules of the variant's devices, in table order.
std::string each_device(std::span<const DeviceEntry> devices, const RulesOptions& options,
                        std::string (*rules)(const DeviceEntry&)) {
  std::string out;
  std::size_t written = 0;
  for (const DeviceEntry& e : devices) {
    if (e.test_only && !options.with_test_devices) continue;
    out += rules(e);
    ++written;
  }
  if (written == 0) out += "\n# (no readers: every entry of the table is test-only)\n";
  return out;
}

}  // namespace

Result<std::string> generate_rules(std::span<const DeviceEntry> devices,
                                   const RulesOptions& options) {
  if (auto ok = check_table(devices); !ok) return fail(std::move(ok).error());
  std::string out =
      fmt::format(kHeader, fmt::arg("file", kRulesFileName), fmt::arg("group", kAgentGroup),
                  fmt::arg("no_uaccess", kNoUaccessFileName),
                  fmt::arg("variant", options.with_test_devices ? kTestVariant : kClinicVariant));
  return out + each_device(devices, options, device_rules);
}

Result<std::string> generate_no_uaccess_rules(std::span<const DeviceEntry> devices,
                                              const RulesOptions& options) {
  if (auto ok = check_table(devices); !ok) return fail(std::move(ok).error());
  std::string out =
      fmt::format(kNoUaccessHeader, fmt::arg("file", kNoUaccessFileName),
                  fmt::arg("rules", kRulesFileName), fmt::arg("saved", kSavedSmartcardProperty),
                  fmt::arg("variant", options.with_test_devices ? kTestVariant : kClinicVariant));
  return out + each_device(devices, options, no_uaccess_rules);
}

}  // namespace onshi::udev
