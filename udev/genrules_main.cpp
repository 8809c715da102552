// onshi-udev-rules: writes the face readers' udev rules from driver/'s device table (run by the
// build; see udev/README.md).
//
//   onshi-udev-rules [--with-test-devices] [--no-uaccess] [-o FILE]     (stdout without -o)
//
// Without --no-uaccess: 93-onshi-face-reader.rules; with it: 69-onshi-face-reader-no-uaccess.rules.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

#include "onshi/driver/device_table.hpp"
#include "onshi/udev/rules.hpp"

namespace {

int usage() {
  std::cerr << "usage: onshi-udev-rules [--with-test-devices] [--no-uaccess] [-o FILE]\n";
  return 2;
}

// Through a temporary file and a rename, so a failed run never leaves a half-written rules file
// for the build (or an install) to pick up.
bool write_file(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

}  // namespace

int main(int argc, char** argv) {
  onshi::udev::RulesOptions options;
  std::string output;
  bool no_uaccess = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--with-test-devices") {
      options.with_test_devices = true;
    } else if (arg == "--no-uaccess") {
      no_uaccess = true;
    } else if (arg == "-o" && i + 1 < argc) {
      output = argv[++i];
    } else {
      return usage();
    }
  }
  auto text = no_uaccess
                  ? onshi::udev::generate_no_uaccess_rules(onshi::driver::device_table(), options)
                  : onshi::udev::generate_rules(onshi::driver::device_table(), options);
  if (!text) {
    std::cerr << "onshi-udev-rules: " << text.error().to_string() << "\n";
    return 1;
  }
  if (output.empty()) {
    std::cout << *text;
    return std::cout.flush() ? 0 : 1;
  }
  if (!write_file(output, *text)) {
    std::cerr << "onshi-udev-rules: cannot write " << output << "\n";
    return 1;
  }
  return 0;
}
