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
        ASSERT_EQ(k.op, Op::match) << "line " << r.line;
        match[k.attr.empty() ? k.name : k.name + "{" + k.attr + "}"] = k.value;
      } else {
        assigns.push_back(&k);
      }
    }
    EXPECT_EQ(match["SUBSYSTEM"], "usb") << "line " << r.line;
    EXPECT_EQ(match["ENV{DEVTYPE}"], "usb_device") << "line " << r.line;
    EXPECT_EQ(match["ACTION"], "add|change|bind") << "line " << r.line;
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
  EXPECT_EQ(clinic.rules.size(), 3u);  // 0001: ACL; 00f2: ACL + power
  EXPECT_EQ(test.rules.size(), 4u);
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
