// A test helper, not production code: a parser and evaluator for the subset of udev(7) rules
// syntax that onshi's generated file and libccid's rules use, so the checks run everywhere
// (systemd 252 has no `udevadm verify`; `udevadm test` needs root, see udevadm_test.cpp).
//
// Honest by construction: anything outside the subset (an unknown key, operator, pattern or
// substitution) throws RulesError, so a test fails instead of silently ignoring a rule.
//
// Subset: match keys ACTION SUBSYSTEM TAG ENV{} ATTR{} ATTRS{} TEST (== and !=; ATTRS only ==),
// patterns with * ? and | alternatives; assignments GROUP MODE OWNER (=), ENV{} ATTR{} (=),
// TAG (= +=; -= is refused: tags are sticky), RUN (= +=, plain or {program}), GOTO, LABEL;
// substitutions $devnode, $env{X}; comments and backslash continuation lines.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::udev::test {

struct RulesError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class Op { match, nomatch, assign, add, remove };  // == != = += -=

struct Key {
  std::string name;  // "ACTION", "ENV", ...
  std::string attr;  // the {...} part, or empty
  Op op = Op::match;
  std::string value;
  bool is_match() const { return op == Op::match || op == Op::nomatch; }
};

struct Rule {
  int line = 0;  // of the rule's first physical line
  std::vector<Key> keys;
};

struct RulesFile {
  std::string name;  // file name only: udev orders all its rules files by it
  std::vector<Rule> rules;
};

RulesFile parse_rules(std::string name, std::string_view text);
RulesFile load_rules(const std::filesystem::path& path);

// What a rule sees of a device (values as sysfs has them, without the trailing newline).
struct Device {
  std::string action = "add";
  std::string subsystem = "usb";
  std::string devnode = "/dev/bus/usb/001/002";
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> attrs;                      // "idVendor", "power/control"
  std::vector<std::map<std::string, std::string>> parent_attrs;  // for ATTRS, nearest first
  std::set<std::string> tags;
};

// One assignment that took effect, where it came from, and its value after substitution.
struct Effect {
  std::string file;
  int line = 0;
  std::string key;  // "GROUP", "MODE", "OWNER", "RUN", "TAG+", "ENV{X}", "ATTR{x}"
  std::string value;
  bool operator==(const Effect&) const = default;
};

struct Outcome {
  std::vector<Effect> effects;  // in the order udev applies them
  std::optional<std::string> group, mode, owner;
  std::vector<std::string> run;  // the final RUN list
  Device device;                 // after ENV/ATTR/TAG assignments

  std::vector<Effect> from(std::string_view file) const;
  std::vector<Effect> not_from(std::string_view file) const;
};

// Applies the files' rules to the device in udev's order (by file name, then line).
Outcome evaluate(std::vector<RulesFile> files, Device device);

// udev's pattern match: '|' separates alternatives, '*' and '?' are globs.
bool pattern_matches(std::string_view pattern, std::string_view value);

}  // namespace onshi::udev::test
