// The evaluator itself: it must understand its subset exactly and refuse everything else, or
// the checks built on it prove nothing.
#include <gtest/gtest.h>

#include "rules_eval.hpp"
#include "test_support.hpp"

namespace onshi::udev::test {
namespace {

Outcome run(std::string_view text, Device d = usb_device(0x1209, 0x0001, kFaceReaderInterfaces)) {
  return evaluate({parse_rules("50-t.rules", text)}, std::move(d));
}

TEST(UdevRulesEval, RejectsWhatItDoesNotModel) {
  const struct {
    const char* text;
    const char* why;  // part of the error message
  } cases[] = {
      {R"(KERNEL=="1-1", GROUP="x")", "key KERNEL is not modelled"},
      {R"(IMPORT{builtin}="usb_id")", "key IMPORT is not modelled"},
      {R"(PROGRAM=="/bin/true")", "key PROGRAM is not modelled"},
      {R"(OPTIONS+="static_node=x")", "key OPTIONS is not modelled"},
      {R"(ACTION="add", GROUP="x")", "operator not supported for ACTION"},
      {R"(GROUP=="pcscd")", "operator not supported for GROUP"},
      {R"(MODE:="0660")", "':=' is not modelled"},
      {R"(ATTRS{idVendor}!="1209", GROUP="x")", "operator not supported for ATTRS"},
      {R"(ATTR{idVendor}=="12[0-9]9", GROUP="x")", "does not model"},
      {R"(ENV{X}=="$env{Y}", GROUP="x")", "does not model"},
      {R"(RUN+="/bin/echo %k")", "unsupported substitution"},
      {R"(RUN+="/bin/echo $kernel")", "unsupported substitution"},
      {R"(RUN{builtin}+="uaccess")", "RUN{builtin} is not modelled"},
      {R"(TAG-="uaccess")", "TAG-= is not modelled"},
      {R"(GROUP="$env{G}")", "GROUP needs a plain value"},
      {R"(RUN+="/bin/echo \"x\"")", "escapes are not modelled"},
      {R"(ENV{X}=e"a")", "expected a quoted value"},
      {R"(ENV{X}==a)", "expected a quoted value"},
      {R"(ENV{X}=="a)", "unterminated value"},
      {R"(ENV{X}=="a" GROUP="x")", "expected ','"},
      {R"(ENV{X}~"a")", "expected an operator"},
      {R"(ENV=="a")", "ENV needs a {...} part"},
      {R"(ACTION{x}=="add")", "ACTION takes no {...} part"},
      {R"(TEST=="/etc/passwd", GROUP="x")", "TEST is only modelled for paths relative"},
      {R"(GOTO="nowhere")", "GOTO to unknown label nowhere"},
      {"LABEL=\"back\"\nGOTO=\"back\"", "GOTO to unknown label back"},  // udev only jumps forward
      {R"(group="x")", "expected a key"},
  };
  for (const auto& c : cases) {
    try {
      parse_rules("50-t.rules", c.text);
      ADD_FAILURE() << "accepted: " << c.text;
    } catch (const RulesError& e) {
      EXPECT_NE(std::string(e.what()).find(c.why), std::string::npos) << c.text << ": " << e.what();
    }
  }
}

TEST(UdevRulesEval, NamesTheFileAndLineOfWhatItRejects) {
  try {
    parse_rules("50-t.rules", "# comment\n\nACTION==\"add\", KERNEL==\"x\"\n");
    FAIL() << "no error";
  } catch (const RulesError& e) {
    EXPECT_STREQ(e.what(), "50-t.rules:3: key KERNEL is not modelled");
  }
}

TEST(UdevRulesEval, PatternsAlternativesAndGlobs) {
  EXPECT_TRUE(pattern_matches("add|change|bind", "change"));
  EXPECT_FALSE(pattern_matches("add|change|bind", "unbind"));
  EXPECT_TRUE(pattern_matches("*:0b0000:*", ":0b0000:ff0000:"));
  EXPECT_FALSE(pattern_matches(":0b0000:", ":0b0000:ff0000:"));
  EXPECT_TRUE(pattern_matches("*:0b????:*", ":030101:0b0000:"));
  EXPECT_FALSE(pattern_matches("*:0b????:*", ":0b00:"));
  EXPECT_TRUE(pattern_matches("", ""));
  EXPECT_FALSE(pattern_matches("", "x"));
  EXPECT_TRUE(pattern_matches("?*", "x"));
  EXPECT_FALSE(pattern_matches("?*", ""));
}

TEST(UdevRulesEval, MatchesAndAssigns) {
  const Outcome o =
      run("SUBSYSTEM==\"usb\", ENV{DEVTYPE}==\"usb_device\", ATTR{idVendor}==\"1209\", "
          "ATTRS{idVendor}==\"1d6b\", ATTRS{idProduct}==\"0002\", TEST==\"power/control\", "
          "GROUP=\"g\", MODE=\"0660\", OWNER=\"o\", ENV{SEEN}=\"$env{DEVTYPE}\", TAG+=\"t\", "
          "ATTR{power/control}=\"on\", RUN+=\"/bin/x $devnode\"\n");
  EXPECT_EQ(o.group, "g");
  EXPECT_EQ(o.mode, "0660");
  EXPECT_EQ(o.owner, "o");
  EXPECT_EQ(o.device.env.at("SEEN"), "usb_device");
  EXPECT_EQ(o.device.tags, std::set<std::string>{"t"});
  EXPECT_EQ(o.device.attrs.at("power/control"), "on");
  EXPECT_EQ(o.run, std::vector<std::string>{"/bin/x /dev/bus/usb/001/002"});
  ASSERT_EQ(o.effects.size(), 7u);
  EXPECT_EQ(o.effects[0], (Effect{"50-t.rules", 1, "GROUP", "g"}));
}

TEST(UdevRulesEval, AllAttrsKeysMatchOneDeviceLevel) {
  // idVendor from the device, idProduct from the hub: no level has both.
  EXPECT_FALSE(run(R"(ATTRS{idVendor}=="1209", ATTRS{idProduct}=="0002", GROUP="g")").group);
  EXPECT_TRUE(run(R"(ATTRS{idVendor}=="1209", ATTRS{idProduct}=="0001", GROUP="g")").group);
}

TEST(UdevRulesEval, AMissingAttributeFailsEqualAndNotEqual) {
  EXPECT_FALSE(run(R"(ATTR{nosuch}=="x", GROUP="g")").group);
  EXPECT_FALSE(run(R"(ATTR{nosuch}!="x", GROUP="g")").group);
  EXPECT_TRUE(run(R"(ENV{NOSUCH}=="", GROUP="g")").group);  // a missing property is empty
  EXPECT_FALSE(run(R"(TEST=="nosuch", GROUP="g")").group);
  EXPECT_TRUE(run(R"(TEST!="nosuch", GROUP="g")").group);
}

TEST(UdevRulesEval, GotoSkipsToTheLabelAndLaterGroupWins) {
  const Outcome o =
      run("ACTION!=\"add\", GOTO=\"end\"\n"
          "GROUP=\"first\"\n"
          "GROUP=\"second\", \\\n  MODE=\"0600\"\n"
          "LABEL=\"end\"\n"
          "RUN+=\"/bin/a\"\nRUN=\"/bin/b\"\n");
  EXPECT_EQ(o.group, "second");
  EXPECT_EQ(o.mode, "0600");
  EXPECT_EQ(o.effects[1].line, 3);  // a continued rule keeps its first line
  EXPECT_EQ(o.run, std::vector<std::string>{"/bin/b"});

  const Outcome change = run("ACTION!=\"add\", GOTO=\"end\"\nGROUP=\"g\"\nLABEL=\"end\"\n",
                             usb_device(0x1209, 0x0001, kFaceReaderInterfaces, "change"));
  EXPECT_FALSE(change.group);
}

TEST(UdevRulesEval, FilesRunInNameOrder) {
  const Outcome o = evaluate(
      {parse_rules("93-b.rules", R"(GROUP="b")"), parse_rules("92_c.rules", R"(GROUP="c")"),
       parse_rules("92-a.rules", R"(GROUP="a")")},
      usb_device(1, 1, kCcidOnlyInterfaces));
  ASSERT_EQ(o.effects.size(), 3u);
  EXPECT_EQ(o.effects[0].file, "92-a.rules");
  EXPECT_EQ(o.effects[1].file, "92_c.rules");  // '-' sorts before '_'
  EXPECT_EQ(o.group, "b");
}

TEST(UdevRulesEval, UnderstandsDebiansLibccidRules) {
  const auto path = system_rules("92-libccid.rules");
  if (!path) GTEST_SKIP() << "no 92-libccid.rules here (package libccid)";
  EXPECT_NO_THROW(load_rules(*path));
}

TEST(UdevRulesEval, UnderstandsSystemdsAutosuspendRules) {
  const auto path = system_rules("60-autosuspend.rules");
  if (!path) GTEST_SKIP() << "no 60-autosuspend.rules here (package udev)";
  EXPECT_NO_THROW(load_rules(*path));
}

}  // namespace
}  // namespace onshi::udev::test
