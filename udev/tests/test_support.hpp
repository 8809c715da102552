// Shared by udev_tests and udev_udevadm_tests: the built rules files, the devices the checks
// evaluate, and the system's own rules files where the machine has them.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "rules_eval.hpp"

namespace onshi::udev::test {

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RulesError("cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The files the build generated (CMakeLists.txt passes their paths).
inline std::filesystem::path built_rules(bool with_test_devices) {
  return with_test_devices ? ONSHI_UDEV_TEST_RULES_FILE : ONSHI_UDEV_RULES_FILE;
}
inline std::filesystem::path built_no_uaccess_rules(bool with_test_devices) {
  return with_test_devices ? ONSHI_UDEV_TEST_NO_UACCESS_FILE : ONSHI_UDEV_NO_UACCESS_FILE;
}
inline std::filesystem::path fixture(const std::string& name) {
  return std::filesystem::path(ONSHI_UDEV_FIXTURES_DIR) / name;
}

// A rules file as Debian 12 installs it (/lib/udev/rules.d, the same directory as
// /usr/lib/udev/rules.d with merged /usr), if this machine has it.
inline std::optional<std::filesystem::path> system_rules(const std::string& name) {
  for (const char* dir : {"/lib/udev/rules.d", "/usr/lib/udev/rules.d"}) {
    const std::filesystem::path p = std::filesystem::path(dir) / name;
    if (std::filesystem::is_regular_file(p)) return p;
  }
  return std::nullopt;
}

// ID_USB_INTERFACES of onshi's face reader: CCID slot + vendor interface (test-rigs.md §3,
// "Composite device"), as udev's usb_id builtin spells it.
inline constexpr const char* kFaceReaderInterfaces = ":0b0000:ff0000:";
inline constexpr const char* kCcidOnlyInterfaces = ":0b0000:";

// A USB device node event as the rules see it (sysfs spells IDs as lower-case 4-digit hex).
inline Device usb_device(std::uint16_t vid, std::uint16_t pid, const std::string& interfaces,
                         const std::string& action = "add") {
  Device d;
  d.action = action;
  d.env = {{"DEVTYPE", "usb_device"}, {"ID_USB_INTERFACES", interfaces}};
  d.attrs = {{"idVendor", fmt::format("{:04x}", vid)},
             {"idProduct", fmt::format("{:04x}", pid)},
             {"power/control", "auto"}};
  d.parent_attrs = {{{"idVendor", "1d6b"}, {"idProduct", "0002"}}};  // the root hub
  return d;
}

inline std::string setfacl_run(const Device& d) {
  return "/usr/bin/setfacl -m g:onshi:rw " + d.devnode;
}

}  // namespace onshi::udev::test
