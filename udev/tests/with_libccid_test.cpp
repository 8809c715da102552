// onshi's rules next to libccid's ("test both rule files together", the issue): Debian 12's
// 92-libccid.rules (libccid 1.5.2) where the machine has it, and an upstream-style
// 92_pcscd_ccid.rules with libccid 1.7.0's GROUP="pcscd" (tests/fixtures, source stated there).
// On onshi's composite reader the combination must keep everything libccid decides and add only
// the ACL (and power/control "on" where the table asks); other devices must not notice us.
#include <gtest/gtest.h>

#include "onshi/driver/device_table.hpp"
#include "onshi/udev/rules.hpp"
#include "rules_eval.hpp"
#include "test_support.hpp"

namespace onshi::udev::test {
namespace {

using driver::DeviceEntry;

struct RuleSet {
  std::string name;
  std::vector<RulesFile> files;
};

// The libccid combinations this machine can test; Debian's file is skipped where absent.
std::vector<RuleSet> libccid_sets() {
  std::vector<RuleSet> sets{{"upstream-style", {load_rules(fixture("92_pcscd_ccid.rules"))}}};
  if (const auto debian = system_rules("92-libccid.rules")) {
    sets.push_back({"debian", {load_rules(*debian)}});
    sets.push_back({"debian+upstream-style", {load_rules(*debian), sets.front().files.front()}});
  }
  if (const auto autosuspend = system_rules("60-autosuspend.rules")) {
    sets.push_back(
        {"autosuspend+upstream-style", {load_rules(*autosuspend), sets.front().files.front()}});
  }
  return sets;
}

RulesFile ours(bool with_test_devices) { return load_rules(built_rules(with_test_devices)); }

std::vector<RulesFile> with(std::vector<RulesFile> files, const RulesFile& extra) {
  files.push_back(extra);
  return files;
}

// The combination keeps every decision of `set` and adds at most what `mine` does alone.
void expect_only_our_additions(const RuleSet& set, const RulesFile& mine, const Device& d) {
  const Outcome base = evaluate(set.files, d);
  const Outcome both = evaluate(with(set.files, mine), d);
  const Outcome alone = evaluate({mine}, d);
  EXPECT_EQ(both.not_from(mine.name), base.effects) << "libccid's rules must run unchanged";
  EXPECT_EQ(both.group, base.group);
  EXPECT_EQ(both.mode, base.mode);
  EXPECT_EQ(both.owner, base.owner);
  EXPECT_EQ(both.device.tags, base.device.tags);
  EXPECT_EQ(both.device.env, base.device.env);
  EXPECT_EQ(both.from(mine.name), alone.effects) << "ours must not depend on libccid's";
  for (const Effect& e : both.from(mine.name)) {
    EXPECT_TRUE((e.key == "RUN" && e.value == setfacl_run(d)) ||
                (e.key == "ATTR{power/control}" && e.value == "on"))
        << e.key << " " << e.value;
  }
  std::vector<std::string> run = base.run;
  run.insert(run.end(), alone.run.begin(), alone.run.end());
  EXPECT_EQ(both.run, run);
  // Attributes: libccid's values, except power/control where our file set it.
  auto attrs = base.device.attrs;
  if (!alone.from(mine.name).empty() && alone.device.attrs.at("power/control") == "on")
    attrs["power/control"] = "on";
  EXPECT_EQ(both.device.attrs, attrs);
}

TEST(UdevWithLibccid, FaceReaderKeepsLibccidsSettingsAndGetsOnlyTheAcl) {
  for (const RuleSet& set : libccid_sets()) {
    for (const bool test_devices : {false, true}) {
      const RulesFile mine = ours(test_devices);
      for (const DeviceEntry& e : driver::device_table()) {
        for (const char* action : {"add", "change", "bind", "unbind", "remove"}) {
          SCOPED_TRACE(fmt::format("{}, {}, {:04x}:{:04x}, {}", set.name,
                                   test_devices ? "with test devices" : "clinic", e.vendor_id,
                                   e.product_id, action));
          const Device d = usb_device(e.vendor_id, e.product_id, kFaceReaderInterfaces, action);
          expect_only_our_additions(set, mine, d);
          const Outcome both = evaluate(with(set.files, mine), d);
          const std::string_view a = action;
          const bool acts =
              (!e.test_only || test_devices) && (a == "add" || a == "change" || a == "bind");
          EXPECT_EQ(both.from(mine.name).empty(), !acts);
          if (acts && e.keep_powered) {
            EXPECT_EQ(both.device.attrs.at("power/control"), "on");
          }
        }
      }
    }
  }
}

TEST(UdevWithLibccid, OtherDevicesDoNotNoticeOurFile) {
  for (const RuleSet& set : libccid_sets()) {
    for (const Device& d : {usb_device(0x08e6, 0x3437, kCcidOnlyInterfaces),  // plain CCID reader
                            usb_device(0x1209, 0x0002, kFaceReaderInterfaces)}) {
      for (const bool test_devices : {false, true}) {
        SCOPED_TRACE(set.name + " " + d.attrs.at("idVendor") + ":" + d.attrs.at("idProduct"));
        const Outcome base = evaluate(set.files, d);
        const Outcome both = evaluate(with(set.files, ours(test_devices)), d);
        EXPECT_EQ(both.effects, base.effects);
        EXPECT_EQ(both.run, base.run);
        EXPECT_EQ(both.group, base.group);
        EXPECT_EQ(both.device.attrs, base.device.attrs);
      }
    }
  }
}

// The checks above only mean something if the fixture really gives our composite to pcscd.
TEST(UdevWithLibccid, UpstreamStyleRulesGiveTheCompositeToGroupPcscdOnAdd) {
  const RulesFile upstream = load_rules(fixture("92_pcscd_ccid.rules"));
  const Outcome add =
      evaluate({upstream, ours(true)}, usb_device(0x1209, 0x0001, kFaceReaderInterfaces, "add"));
  EXPECT_EQ(add.group, "pcscd");
  EXPECT_EQ(add.run, std::vector<std::string>{setfacl_run(add.device)});
  // Only on add: on a change event udev keeps the node's group, and our ACL is re-applied.
  const Outcome change =
      evaluate({upstream, ours(true)}, usb_device(0x1209, 0x0001, kFaceReaderInterfaces, "change"));
  EXPECT_FALSE(change.group);
  EXPECT_EQ(change.run.size(), 1u);
}

TEST(UdevWithLibccid, DebiansLibccidOnlyTunesPlainCcidReaders) {
  const auto debian = system_rules("92-libccid.rules");
  if (!debian) GTEST_SKIP() << "no 92-libccid.rules here (package libccid)";
  const RulesFile libccid = load_rules(*debian);
  // libccid 1.5.2 matches ID_USB_INTERFACES==":0b0000:" exactly: the composite is left alone.
  EXPECT_TRUE(
      evaluate({libccid}, usb_device(0x1209, 0x0001, kFaceReaderInterfaces)).effects.empty());
  const Outcome plain = evaluate({libccid}, usb_device(0x08e6, 0x3437, kCcidOnlyInterfaces));
  EXPECT_EQ(plain.device.attrs.at("power/control"), "auto");
  EXPECT_FALSE(plain.group);  // 1.5.2 has no GROUP (Debian 12's pcscd runs as root)
}

TEST(UdevWithLibccid, PowerStaysOnAfterSystemdsAutosuspendRule) {
  const auto autosuspend = system_rules("60-autosuspend.rules");
  if (!autosuspend) GTEST_SKIP() << "no 60-autosuspend.rules here (package udev)";
  for (const DeviceEntry& e : driver::device_table()) {
    if (!e.keep_powered) continue;
    Device d = usb_device(e.vendor_id, e.product_id, kFaceReaderInterfaces);
    d.env["ID_AUTOSUSPEND"] = "1";  // what the hwdb says for some devices
    d.attrs["power/control"] = "on";
    EXPECT_EQ(evaluate({load_rules(*autosuspend)}, d).device.attrs.at("power/control"), "auto");
    const Outcome both = evaluate({load_rules(*autosuspend), ours(true)}, d);
    EXPECT_EQ(both.device.attrs.at("power/control"), "on");
  }
}

}  // namespace
}  // namespace onshi::udev::test
