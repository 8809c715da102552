// The udev rules for onshi's face readers, generated from driver/'s device table (libfido2's
// udev/fidodevs -> genrules model, anchors-and-conventions.md "udev"). onshi-udev-rules writes
// this text at build time; udev_tests check it against the table and next to libccid's rules.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "onshi/driver/device_table.hpp"
#include "onshi/result.hpp"

namespace onshi::udev {

// 93: after libccid's 92-libccid.rules / 92_pcscd_ccid.rules (see the generated header).
inline constexpr std::string_view kRulesFileName = "93-onshi-face-reader.rules";
// 69: after systemd's 60-fido-id.rules (which sets ID_SMARTCARD_READER=1 on every USB device
// with a CCID interface) and before 70-uaccess.rules (which tags such devices "uaccess").
inline constexpr std::string_view kNoUaccessFileName = "69-onshi-face-reader-no-uaccess.rules";
// Where the 69 file keeps ID_SMARTCARD_READER while 70-uaccess runs; the 93 file restores it.
inline constexpr std::string_view kSavedSmartcardProperty = "ONSHI_SMARTCARD_READER";
// onshid's group (it runs as its own user in this group).
inline constexpr std::string_view kAgentGroup = "onshi";
// Debian 12's acl package; RUN needs an absolute path.
inline constexpr std::string_view kSetfacl = "/usr/bin/setfacl";

struct RulesOptions {
  // Also the table's test_only entries (pid.codes test IDs, onshi-facesim). Never for a clinic
  // install: a test ID is not a product, anyone may use it.
  bool with_test_devices = false;
};

// The rules file's text, deterministic for a given table and options. Fails (invalid_argument)
// on a table the rules cannot express safely: unsorted or duplicate IDs, vendor ID 0, or a name
// with control characters (names become comment lines).
Result<std::string> generate_rules(std::span<const driver::DeviceEntry> devices,
                                   const RulesOptions& options);

// The 69 file's text (kNoUaccessFileName): for the same devices as generate_rules, hides
// ID_SMARTCARD_READER from 70-uaccess.rules so that systemd does not tag the reader "uaccess"
// (the 93 file puts the value back). Same checks and failures as generate_rules.
Result<std::string> generate_no_uaccess_rules(std::span<const driver::DeviceEntry> devices,
                                              const RulesOptions& options);

}  // namespace onshi::udev
