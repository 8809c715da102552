#include "printable.hpp"

#include <gtest/gtest.h>

namespace onshi::ctl {
namespace {

TEST(Printable, KeepsJapaneseText) { EXPECT_EQ(printable("受付1号機 事務部"), "受付1号機 事務部"); }

TEST(Printable, ReplacesEscapeSequencesAndC1) {
  EXPECT_EQ(printable("x\x1b[31mRED\x1b[0m.json"), "x?[31mRED?[0m.json");
  EXPECT_EQ(printable("a\x7f"
                      "b\xc2\x9b"
                      "c"),
            "a?b?c");  // DEL, CSI (U+009B)
}

TEST(Printable, ReplacesBidiOverrides) {
  EXPECT_EQ(printable("evil\xe2\x80\xaetxt.json"), "evil?txt.json");  // U+202E
  EXPECT_EQ(printable("\xe2\x81\xa6"
                      "x"),
            "?x");  // U+2066
}

TEST(Printable, ReplacesInvalidUtf8ByteByByte) {
  EXPECT_EQ(printable("a\xff\xfe"
                      "b"),
            "a??b");
  EXPECT_EQ(printable("\xe5\x8f"), "??");  // a truncated 受
}

}  // namespace
}  // namespace onshi::ctl
