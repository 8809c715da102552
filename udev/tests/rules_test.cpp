// The generated rules against driver/'s device table (libfido2's udev/check.sh idea, taken
// further: every entry's rules are evaluated, not just looked at).
#include <gtest/gtest.h>

#include <array>
#include <regex>
#include <set>
#include <utility>

#include "onshi/driver/device_table.hpp"
#include "onshi/udev/rules.hpp"
#include "rules_eval.hpp"
#include "test_support.hpp"

namespace onshi::udev::test {
namespace {

using driver::DeviceEntry;

std::string generated_text(bool with_test_devices,
                           std::span<const DeviceEntry> table = driver::device_table()) {
  auto text = generate_rules(table, RulesOptions{.with_test_devices = with_test_devices});
  if (!text) throw RulesError(text.error().to_string());
  return *text;
}

RulesFile generated(bool with_test_devices,
                    std::span<const DeviceEntry> table = driver::device_table()) {
  return parse_rules(std::string(kRulesFileName), generated_text(with_test_devices, table));
}

std::string no_uaccess_text(bool with_test_devices,
                            std::span<const DeviceEntry> table = driver::device_table()) {
  auto text =
      generate_no_uaccess_rules(table, RulesOptions{.with_test_devices = with_test_devices});
  if (!text) throw RulesError(text.error().to_string());
  return *text;
}

RulesFile no_uaccess(bool with_test_devices,
                     std::span<const DeviceEntry> table = driver::device_table()) {
  return parse_rules(std::string(kNoUaccessFileName), no_uaccess_text(with_test_devices, table));
}

// systemd 252's lines that the 69 file works against, verbatim where the evaluator models them
// (the real files use IMPORT, KERNEL and RUN{builtin}, which it refuses; udev_udevadm_tests runs
// the real ones): 60-fido-id.rules:10, 70-uaccess.rules:51, and the tag part of
// 99-systemd.rules:62 (its ENV{SYSTEMD_WANTS}+= is not modelled).
std::vector<RulesFile> stock_smartcard_rules() {
  std::string fido(9, '\n'), uaccess(50, '\n'), systemd(61, '\n');
  fido += R"(SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", ENV{ID_USB_INTERFACES}=="*:0b????:*", )"
          R"(ENV{ID_SMARTCARD_READER}="1")"
          "\n";
  uaccess += R"(ENV{ID_SMARTCARD_READER}=="?*", TAG+="uaccess")"
             "\n";
  systemd += R"(ENV{ID_SMARTCARD_READER}=="?*", TAG+="systemd")"
             "\n";
  return {parse_rules("60-fido-id.rules", fido), parse_rules("70-uaccess.rules", uaccess),
          parse_rules("99-systemd.rules", systemd)};
}

bool included(const DeviceEntry& e, bool with_test_devices) {
  return !e.test_only || with_test_devices;
}

// Exactly what onshi's file may do to a table device: the ACL, and power/control where asked.
std::vector<Effect> expected_effects(const RulesFile& ours, const Outcome& o,
                                     const DeviceEntry& e) {
  std::vector<Effect> want;
  for (const Effect& got : o.from(ours.name)) {
    if (got.key == "RUN") want.push_back({ours.name, got.line, "RUN", setfacl_run(o.device)});
    if (got.key == "ATTR{power/control}" && e.keep_powered)
      want.push_back({ours.name, got.line, "ATTR{power/control}", "on"});
  }
  return want;
}

class RulesVariant : public ::testing::TestWithParam<bool> {};
INSTANTIATE_TEST_SUITE_P(Udev, RulesVariant, ::testing::Values(false, true),
                         [](const auto& p) { return p.param ? "WithTestDevices" : "Clinic"; });

TEST_P(RulesVariant, BuiltFileIsTheGeneratorsOutput) {
  // The build ran onshi-udev-rules on this very table: nothing stale, nothing hand-edited.
  EXPECT_EQ(read_text(built_rules(GetParam())), generated_text(GetParam()));
  EXPECT_EQ(built_rules(GetParam()).filename(), kRulesFileName);
}

TEST_P(RulesVariant, IsDeterministicAndSaysItIsGenerated) {
  const std::string text = generated_text(GetParam());
  EXPECT_EQ(text, generated_text(GetParam()));
  EXPECT_TRUE(text.starts_with("# 93-onshi-face-reader.rules: "));
  EXPECT_NE(text.find("\n# Generated from driver/src/device_table.cpp by onshi-udev-rules — do "
                      "not edit.\n"),
            std::string::npos);
  EXPECT_NE(text.find(GetParam() ? "# Test variant" : "# Clinic variant"), std::string::npos);
}

TEST_P(RulesVariant, EveryRuleHasTheShapeTheIssueAsksFor) {
  const RulesFile ours = generated(GetParam());
  const std::regex hex4("[0-9a-f]{4}");
  std::set<std::pair<std::string, std::string>> ids;
  for (const Rule& r : ours.rules) {
    std::map<std::string, std::string> match;
    std::vector<const Key*> assigns;
    for (const Key& k : r.keys) {
      if (k.is_match()) {
        if (k.name != "ACTION") {
          ASSERT_EQ(k.op, Op::match) << "line " << r.line;
        }
        match[k.attr.empty() ? k.name : k.name + "{" + k.attr + "}"] = k.value;
      } else {
        assigns.push_back(&k);
      }
    }
    EXPECT_EQ(match["SUBSYSTEM"], "usb") << "line " << r.line;
    EXPECT_EQ(match["ENV{DEVTYPE}"], "usb_device") << "line " << r.line;
    ASSERT_FALSE(assigns.empty()) << "line " << r.line;
    if (assigns.front()->name == "ENV") {
      // The ID_SMARTCARD_READER that the 69 file hid from 70-uaccess.rules, back on every event
      // 70-uaccess acts on; only when the 69 file saved one.
      for (const Key& k : r.keys)
        if (k.name == "ACTION") {
          EXPECT_EQ(k.op, Op::nomatch) << "line " << r.line;
        }
      EXPECT_EQ(match.size(), 6u) << "line " << r.line;
      EXPECT_EQ(match["ACTION"], "remove") << "line " << r.line;
      EXPECT_EQ(match["ENV{ONSHI_SMARTCARD_READER}"], "?*") << "line " << r.line;
      ASSERT_EQ(assigns.size(), 1u) << "line " << r.line;
      EXPECT_EQ(assigns.front()->attr, "ID_SMARTCARD_READER");
      EXPECT_EQ(assigns.front()->op, Op::assign);
      EXPECT_EQ(assigns.front()->value, "$env{ONSHI_SMARTCARD_READER}");
      ids.emplace(match["ATTR{idVendor}"], match["ATTR{idProduct}"]);
      continue;
    }
    EXPECT_EQ(match["ACTION"], "add|change|bind") << "line " << r.line;
    for (const Key& k : r.keys)
      if (k.name == "ACTION") {
        EXPECT_EQ(k.op, Op::match) << "line " << r.line;
      }
    EXPECT_TRUE(std::regex_match(match["ATTR{idVendor}"], hex4)) << "line " << r.line;
    EXPECT_TRUE(std::regex_match(match["ATTR{idProduct}"], hex4)) << "line " << r.line;
    ids.emplace(match["ATTR{idVendor}"], match["ATTR{idProduct}"]);
    ASSERT_EQ(assigns.size(), 1u) << "one effect per line, line " << r.line;
    const Key& a = *assigns.front();
    if (a.name == "RUN") {
      EXPECT_EQ(a.op, Op::add);
      EXPECT_EQ(a.value, "/usr/bin/setfacl -m g:onshi:rw $devnode");
      EXPECT_EQ(match.size(), 5u) << "the ACL line must not depend on power/control";
    } else {
      EXPECT_EQ(a.name + "{" + a.attr + "}", "ATTR{power/control}") << "line " << r.line;
      EXPECT_EQ(a.value, "on");
      EXPECT_EQ(match["TEST"], "power/control");
    }
  }
  // The rules name exactly the table's devices of this variant.
  std::set<std::pair<std::string, std::string>> want;
  for (const DeviceEntry& e : driver::device_table())
    if (included(e, GetParam()))
      want.emplace(fmt::format("{:04x}", e.vendor_id), fmt::format("{:04x}", e.product_id));
  EXPECT_EQ(ids, want);
}

TEST_P(RulesVariant, TableDevicesGetTheAclOnEveryEventThatReappliesPermissions) {
  const RulesFile ours = generated(GetParam());
  for (const DeviceEntry& e : driver::device_table()) {
    for (const char* action : {"add", "change", "bind", "unbind", "remove"}) {
      SCOPED_TRACE(fmt::format("{} {:04x}:{:04x}", action, e.vendor_id, e.product_id));
      const Outcome o =
          evaluate({ours}, usb_device(e.vendor_id, e.product_id, kFaceReaderInterfaces, action));
      const bool acts = included(e, GetParam()) && std::string_view(action) != "unbind" &&
                        std::string_view(action) != "remove";
      if (!acts) {
        EXPECT_TRUE(o.effects.empty());
        continue;
      }
      EXPECT_EQ(o.run, std::vector<std::string>{setfacl_run(o.device)});
      EXPECT_EQ(o.device.attrs.at("power/control"), e.keep_powered ? "on" : "auto");
      EXPECT_EQ(o.effects, expected_effects(ours, o, e));
      EXPECT_EQ(o.effects.size(), e.keep_powered ? 2u : 1u);
      EXPECT_FALSE(o.group || o.mode || o.owner);
      EXPECT_TRUE(o.device.tags.empty());  // no uaccess, no tag at all
    }
  }
}

TEST_P(RulesVariant, LeavesOtherDevicesAlone) {
  const RulesFile ours = generated(GetParam());
  // A plain CCID reader (Gemalto IDBridge CT30), and a composite like ours with an ID near ours.
  for (const Device& d : {usb_device(0x08e6, 0x3437, kCcidOnlyInterfaces),
                          usb_device(0x1209, 0x0002, kFaceReaderInterfaces),
                          usb_device(0x0001, 0x1209, kFaceReaderInterfaces)}) {
    EXPECT_TRUE(evaluate({ours}, d).effects.empty()) << d.attrs.at("idVendor");
  }
  // Not a USB device node: an interface of the reader has the same IDs on its parent only.
  Device interface = usb_device(0x1209, 0x0001, kFaceReaderInterfaces);
  interface.env["DEVTYPE"] = "usb_interface";
  EXPECT_TRUE(evaluate({ours}, interface).effects.empty());
}

TEST_P(RulesVariant, NoUaccessBuiltFileIsTheGeneratorsOutput) {
  EXPECT_EQ(read_text(built_no_uaccess_rules(GetParam())), no_uaccess_text(GetParam()));
  EXPECT_EQ(built_no_uaccess_rules(GetParam()).filename(), kNoUaccessFileName);
  // Next to the 93 file of the same variant, so both install (or are copied) together.
  EXPECT_EQ(built_no_uaccess_rules(GetParam()).parent_path(),
            built_rules(GetParam()).parent_path());
  const std::string text = no_uaccess_text(GetParam());
  EXPECT_EQ(text, no_uaccess_text(GetParam()));
  EXPECT_TRUE(text.starts_with("# 69-onshi-face-reader-no-uaccess.rules: "));
  EXPECT_NE(text.find("\n# Generated from driver/src/device_table.cpp by onshi-udev-rules — do "
                      "not edit.\n"),
            std::string::npos);
  EXPECT_NE(text.find(GetParam() ? "# Test variant" : "# Clinic variant"), std::string::npos);
  for (const char* cited : {"60-fido-id.rules:10", "70-uaccess.rules:51", "73-seat-late.rules:16",
                            "99-systemd.rules:62", "sticky", "93-onshi-face-reader.rules"})
    EXPECT_NE(text.find(cited), std::string::npos) << cited;
}

TEST_P(RulesVariant, NoUaccessRulesNameExactlyTheTablesDevices) {
  const RulesFile f = no_uaccess(GetParam());
  const std::regex hex4("[0-9a-f]{4}");
  std::set<std::pair<std::string, std::string>> ids;
  for (const Rule& r : f.rules) {
    SCOPED_TRACE(fmt::format("line {}", r.line));
    ASSERT_EQ(r.keys.size(), 8u);
    const auto key = [&](std::size_t i, const char* name, const char* attr, Op op) -> const Key& {
      EXPECT_EQ(r.keys[i].name, name) << i;
      EXPECT_EQ(r.keys[i].attr, attr) << i;
      EXPECT_EQ(r.keys[i].op, op) << i;
      return r.keys[i];
    };
    EXPECT_EQ(key(0, "SUBSYSTEM", "", Op::match).value, "usb");
    EXPECT_EQ(key(1, "ENV", "DEVTYPE", Op::match).value, "usb_device");
    EXPECT_EQ(key(2, "ACTION", "", Op::nomatch).value, "remove");  // as 60-fido-id and 70-uaccess
    const std::string vid = key(3, "ATTR", "idVendor", Op::match).value;
    const std::string pid = key(4, "ATTR", "idProduct", Op::match).value;
    EXPECT_TRUE(std::regex_match(vid, hex4) && std::regex_match(pid, hex4));
    ids.emplace(vid, pid);
    EXPECT_EQ(key(5, "ENV", "ID_SMARTCARD_READER", Op::match).value, "?*");
    // Saved first, then cleared: udev applies a rule's assignments in order.
    EXPECT_EQ(key(6, "ENV", "ONSHI_SMARTCARD_READER", Op::assign).value,
              "$env{ID_SMARTCARD_READER}");
    EXPECT_EQ(key(7, "ENV", "ID_SMARTCARD_READER", Op::assign).value, "");
  }
  std::set<std::pair<std::string, std::string>> want;
  for (const DeviceEntry& e : driver::device_table())
    if (included(e, GetParam()))
      want.emplace(fmt::format("{:04x}", e.vendor_id), fmt::format("{:04x}", e.product_id));
  EXPECT_EQ(ids, want);
}

TEST_P(RulesVariant, WithSystemdsSmartcardLinesTableDevicesGetNoUaccessButKeepTheProperty) {
  std::vector<RulesFile> files = stock_smartcard_rules();
  files.push_back(no_uaccess(GetParam()));
  files.push_back(generated(GetParam()));
  for (const DeviceEntry& e : driver::device_table()) {
    for (const char* action : {"add", "change", "bind", "unbind"}) {
      SCOPED_TRACE(fmt::format("{} {:04x}:{:04x}", action, e.vendor_id, e.product_id));
      const Outcome o =
          evaluate(files, usb_device(e.vendor_id, e.product_id, kFaceReaderInterfaces, action));
      EXPECT_EQ(
          o.device.env.count("ID_SMARTCARD_READER") ? o.device.env.at("ID_SMARTCARD_READER") : "",
          "1");
      EXPECT_TRUE(o.device.tags.count("systemd"));  // 99-systemd still sees the reader
      if (included(e, GetParam())) {
        EXPECT_FALSE(o.device.tags.count("uaccess"));
        EXPECT_EQ(o.device.env.at("ONSHI_SMARTCARD_READER"), "1");
        const std::vector<Effect> hid = o.from(kNoUaccessFileName);
        ASSERT_EQ(hid.size(), 2u);
        EXPECT_EQ(hid[0].key, "ENV{ONSHI_SMARTCARD_READER}");
        EXPECT_EQ(hid[0].value, "1");
        EXPECT_EQ(hid[1].key, "ENV{ID_SMARTCARD_READER}");
        EXPECT_EQ(hid[1].value, "");
        const std::vector<Effect> ours = o.from(kRulesFileName);
        ASSERT_FALSE(ours.empty());
        EXPECT_EQ(ours.back(), (Effect{std::string(kRulesFileName), ours.back().line,
                                       "ENV{ID_SMARTCARD_READER}", "1"}));
      } else {
        EXPECT_TRUE(o.device.tags.count("uaccess"));  // not ours: systemd decides
        EXPECT_TRUE(o.from(kNoUaccessFileName).empty());
      }
    }
    // remove: 60-fido-id and 70-uaccess do nothing, neither do we.
    const Outcome rm =
        evaluate(files, usb_device(e.vendor_id, e.product_id, kFaceReaderInterfaces, "remove"));
    EXPECT_TRUE(rm.from(kNoUaccessFileName).empty());
  }
}

TEST_P(RulesVariant, NoUaccessLeavesOtherDevicesAlone) {
  std::vector<RulesFile> files = stock_smartcard_rules();
  files.push_back(no_uaccess(GetParam()));
  files.push_back(generated(GetParam()));
  for (const Device& d : {usb_device(0x08e6, 0x3437, kCcidOnlyInterfaces),
                          usb_device(0x1209, 0x0002, kFaceReaderInterfaces),
                          usb_device(0x0001, 0x1209, kFaceReaderInterfaces)}) {
    const Outcome o = evaluate(files, d);
    EXPECT_TRUE(o.device.tags.count("uaccess")) << d.attrs.at("idVendor");
    EXPECT_TRUE(o.from(kNoUaccessFileName).empty());
    EXPECT_TRUE(o.from(kRulesFileName).empty());
  }
  // A table device without a CCID interface: nothing to hide, nothing saved or restored.
  const Outcome plain = evaluate(files, usb_device(0x1209, 0x0001, ":ff0000:"));
  EXPECT_TRUE(plain.from(kNoUaccessFileName).empty());
  EXPECT_EQ(plain.device.env.count("ID_SMARTCARD_READER"), 0u);
  EXPECT_EQ(plain.device.env.count("ONSHI_SMARTCARD_READER"), 0u);
}

TEST(UdevRules, ClinicVariantLeavesOutTestOnlyEntries) {
  const std::array table{
      DeviceEntry{.vendor_id = 0x0abc, .product_id = 0x0001, .name = "product"},
      DeviceEntry{.vendor_id = 0x0abc,
                  .product_id = 0x00f2,
                  .name = "product, kept powered",
                  .keep_powered = true},
      DeviceEntry{.vendor_id = 0x1209, .product_id = 0x0001, .name = "test", .test_only = true},
  };
  const RulesFile clinic = generated(false, table);
  const RulesFile test = generated(true, table);
  EXPECT_EQ(clinic.rules.size(), 5u);  // 0001: ACL + restore; 00f2: ACL + power + restore
  EXPECT_EQ(test.rules.size(), 7u);
  EXPECT_EQ(no_uaccess(false, table).rules.size(), 2u);  // one line per device
  EXPECT_EQ(no_uaccess(true, table).rules.size(), 3u);
  EXPECT_TRUE(evaluate({clinic}, usb_device(0x1209, 0x0001, kFaceReaderInterfaces)).run.empty());
  EXPECT_EQ(evaluate({test}, usb_device(0x1209, 0x0001, kFaceReaderInterfaces)).run.size(), 1u);
  const Outcome powered = evaluate({clinic}, usb_device(0x0abc, 0x00f2, kFaceReaderInterfaces));
  EXPECT_EQ(powered.device.attrs.at("power/control"), "on");
  const Outcome plain = evaluate({clinic}, usb_device(0x0abc, 0x0001, kFaceReaderInterfaces));
  EXPECT_EQ(plain.device.attrs.at("power/control"), "auto");
  EXPECT_EQ(generated_text(false, table).find("no readers"), std::string::npos);
}

TEST(UdevRules, ClinicFileOfTodaysTableHasNoRules) {
  // Today's only entry is onshi-facesim's pid.codes test ID: a clinic install grants nothing.
  bool any_product = false;
  for (const DeviceEntry& e : driver::device_table()) any_product |= !e.test_only;
  if (any_product) GTEST_SKIP() << "the table has product entries now";
  EXPECT_TRUE(generated(false).rules.empty());
  EXPECT_NE(generated_text(false).find("# (no readers: every entry of the table is test-only)"),
            std::string::npos);
}

TEST(UdevRules, RefusesTablesItCannotExpressSafely) {
  const auto refused = [](std::initializer_list<DeviceEntry> entries) {
    const std::vector<DeviceEntry> table(entries);
    return !generate_rules(table, RulesOptions{.with_test_devices = true}).has_value();
  };
  EXPECT_TRUE(refused({{.vendor_id = 2, .product_id = 1, .name = "b"},
                       {.vendor_id = 1, .product_id = 1, .name = "a"}}));  // unsorted
  EXPECT_TRUE(refused({{.vendor_id = 1, .product_id = 1, .name = "a"},
                       {.vendor_id = 1, .product_id = 1, .name = "a"}}));  // duplicate
  EXPECT_TRUE(refused({{.vendor_id = 0, .product_id = 1, .name = "a"}}));
  EXPECT_TRUE(refused({{.vendor_id = 1, .product_id = 1, .name = ""}}));
  // A newline would end the comment and make the rest of the name a rule.
  EXPECT_TRUE(refused({{.vendor_id = 1, .product_id = 1, .name = "a\nGROUP=\"root\""}}));
  EXPECT_FALSE(refused({{.vendor_id = 1, .product_id = 1, .name = "顔認証付きカードリーダー"}}));
}

TEST(UdevRules, NoUaccessFileSortsBetweenFidoIdAndUaccess) {
  // After 60-fido-id.rules sets ID_SMARTCARD_READER, before 70-uaccess.rules reads it (and
  // before 71-seat/73-seat-late); the 93 file, which restores it, after 73-seat-late.rules.
  const std::string f(kNoUaccessFileName);
  EXPECT_LT(std::string("60-fido-id.rules"), f);
  for (const char* after :
       {"70-uaccess.rules", "71-seat.rules", "73-seat-late.rules", "99-systemd.rules"})
    EXPECT_LT(f, std::string(after)) << after;
  EXPECT_LT(f, std::string(kRulesFileName));
  EXPECT_LT(std::string("73-seat-late.rules"), std::string(kRulesFileName));
}

TEST(UdevRules, FileNameSortsAfterLibccidAndSystemdsUaccessRules) {
  // udev orders all rules files by name (udev(7)); std::string compares the same way (bytes).
  const std::string ours(kRulesFileName);
  for (const char* before : {"60-autosuspend.rules", "70-uaccess.rules", "73-seat-late.rules",
                             "92-libccid.rules", "92_pcscd_ccid.rules"})
    EXPECT_LT(std::string(before), ours);
  EXPECT_LT(ours, std::string("99-systemd.rules"));
}

}  // namespace
}  // namespace onshi::udev::test
