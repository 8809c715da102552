// pcscd as onshi-facesim's child (test-rigs.md §5 "Recipe"): socket-activated on a private socket
// with `-E LD_PRELOAD -E UMOCKDEV_DIR` (systemd-socket-activate clears the environment, Gotcha 1),
// its own reader.conf directory (no vpcd), and — as root — its own mount namespace with a tmpfs
// on /run/pcscd and a copy of libccid's Info.plist that lists onshi's VID/PID bind-mounted over
// the original, so neither the system pcscd nor the system's libccid configuration is touched.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

#include "onshi/facesim/descriptors.hpp"
#include "onshi/result.hpp"

namespace onshi::facesim {

// Where Debian 12's libccid keeps its reader list (the bundle's Info.plist links to it).
inline constexpr const char* kLibccidInfoPlist = "/etc/libccid_Info.plist";

// libccid's Info.plist with one more reader appended to its parallel ifdVendorID, ifdProductID
// and ifdFriendlyName arrays; an error when the three arrays are not found.
Result<std::string> add_reader_to_info_plist(std::string plist, std::uint16_t vendor_id,
                                             std::uint16_t product_id, std::string_view name);

struct PcscdChildOptions {
  std::filesystem::path socket;
  std::filesystem::path work_dir;  // reader.conf dir and the Info.plist copy go here
  std::string friendly_name = "onshi Face Reader";
  bool debug = false;         // pcscd -d -a (its log then holds APDUs, PINs included)
  std::filesystem::path log;  // pcscd's stdout and stderr; empty: onshi-facesim's own
};

// Forks and execs pcscd; returns its pid. Not root: no namespace, so libccid ignores onshi's
// VID/PID — the caller reports that instead of starting a pcscd that sees no reader.
Result<pid_t> start_pcscd(const PcscdChildOptions& options);

}  // namespace onshi::facesim
