#include "onshi/text_scan.hpp"

#include <gtest/gtest.h>

namespace onshi {
namespace {

TEST(TextScan, CountsCharactersNotBytes) {
  const TextScan s = scan_text("受付1号機");
  EXPECT_TRUE(s.valid_utf8);
  EXPECT_EQ(s.characters, 5u);
  EXPECT_FALSE(s.control);
}

TEST(TextScan, FindsTheFirstControlCharacter) {
  const TextScan s = scan_text("ab\x1b[31mc\x7f");
  EXPECT_TRUE(s.valid_utf8);
  ASSERT_TRUE(s.control);
  EXPECT_EQ(*s.control, U'\x1b');
  EXPECT_EQ(s.control_at, 3u);
  EXPECT_EQ(*scan_text("x\xc2\x85").control, U'\x85');  // C1 (NEL)
}

TEST(TextScan, RefusesEveryKindOfInvalidUtf8) {
  for (const char* bad : {"\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                          "\xe5\x8f", "\x80", "\xff", "a\xe5\x8f\x97\x80"}) {
    EXPECT_FALSE(scan_text(bad).valid_utf8) << bad;
  }
  EXPECT_TRUE(scan_text("\xf0\x9f\x98\x80").valid_utf8);  // U+1F600
}

}  // namespace
}  // namespace onshi
