// text_excerpt: what of an upstream text reaches an error message and the log.
#include "text_excerpt.hpp"

#include <gtest/gtest.h>

#include <string>

#include "onshi/text_scan.hpp"

namespace onshi::eligibility::detail {
namespace {

TEST(TextExcerpt, ShortTextIsKeptAsItIs) {
  EXPECT_EQ(text_excerpt("the access token expired"), "the access token expired");
  EXPECT_EQ(text_excerpt("資格情報なし"), "資格情報なし");
  EXPECT_EQ(text_excerpt(""), "");
}

TEST(TextExcerpt, WhitespaceRunsBecomeOneSpaceAndTheEndsAreTrimmed) {
  EXPECT_EQ(text_excerpt("  <html>\r\n  <body>502\tBad   Gateway</body>\n</html>\n "),
            "<html> <body>502 Bad Gateway</body> </html>");
  EXPECT_EQ(text_excerpt(" \t\r\n"), "");
}

TEST(TextExcerpt, TheLimitCountsCharactersNotBytes) {
  const std::string kana = "あいうえおかきくけこ";  // 10 characters, 30 bytes
  EXPECT_EQ(text_excerpt(kana, 10), kana);
  EXPECT_EQ(text_excerpt(kana, 4), "あいうえ…");
  EXPECT_EQ(text_excerpt("abcdef", 3), "abc…");
  EXPECT_EQ(text_excerpt("abc", 3), "abc");
  EXPECT_EQ(text_excerpt("abc", 0), "…");
}

TEST(TextExcerpt, ACutNeverEndsInAnOrphanSpaceAndTrailingWhitespaceIsNoCut) {
  EXPECT_EQ(text_excerpt("ab cd", 3), "ab…");     // "ab " would end in the space
  EXPECT_EQ(text_excerpt("ab cd", 4), "ab c…");   // the space counts
  EXPECT_EQ(text_excerpt("abc   \n", 3), "abc");  // only whitespace was left out
}

TEST(TextExcerpt, AFourByteCharacterIsKeptWholeOrLeftOutWhole) {
  const std::string text = "a😀b";  // U+1F600: F0 9F 98 80
  EXPECT_EQ(text_excerpt(text, 2), "a😀…");
  EXPECT_EQ(text_excerpt(text, 1), "a…");
  EXPECT_EQ(text_excerpt(text), text);
}

TEST(TextExcerpt, BytesThatAreNotUtf8BecomeOneQuestionMarkEach) {
  // A Shift_JIS "あ" (82 A0), a lone continuation byte, an overlong '/', a surrogate, and a
  // sequence cut off at the end.
  EXPECT_EQ(text_excerpt("x\x82\xA0y"), "x??y");
  EXPECT_EQ(text_excerpt("\x80z"), "?z");
  EXPECT_EQ(text_excerpt("\xC0\xAF"), "??");
  EXPECT_EQ(text_excerpt("\xED\xA0\x80!"),
            "???"
            "!");
  EXPECT_EQ(text_excerpt("ok\xE3\x81"), "ok??");
  // A valid character right after a broken sequence is found again.
  EXPECT_EQ(text_excerpt("\xE3\x81"
                         "あ"),
            "??あ");
}

TEST(TextExcerpt, ControlAndBidiCharactersBecomeOneQuestionMarkEach) {
  EXPECT_EQ(text_excerpt(std::string("a\0b", 3)), "a?b");
  EXPECT_EQ(text_excerpt("a\x1b[31mred"), "a?[31mred");
  EXPECT_EQ(text_excerpt("a\x7f"
                         "b"),
            "a?b");
  EXPECT_EQ(text_excerpt("a\xC2\x85"
                         "b"),
            "a?b");  // U+0085 NEL, a C1 control: one character
  EXPECT_EQ(text_excerpt("abc\xE2\x80\xAE"
                         "def"),
            "abc?def");  // U+202E RIGHT-TO-LEFT OVERRIDE
  EXPECT_EQ(text_excerpt("a\xE2\x81\xA6"
                         "b"),
            "a?b");                             // U+2066 LEFT-TO-RIGHT ISOLATE
  EXPECT_EQ(text_excerpt("a\vb\fc"), "a?b?c");  // not the whitespace that folds
}

// Whatever the input, the excerpt is valid UTF-8 without controls, and within the limit.
TEST(TextExcerpt, EveryExcerptIsCleanUtf8WithinTheLimit) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) {
    bytes += static_cast<char>(i);
    bytes += static_cast<char>(255 - i);
    bytes += "\xE3\x81\x82";
  }
  for (std::size_t limit : {0u, 1u, 2u, 7u, 50u, 120u, 2000u}) {
    for (std::size_t start = 0; start < 12; ++start) {
      const std::string out = text_excerpt(std::string_view(bytes).substr(start), limit);
      const TextScan scan = scan_text(out);
      ASSERT_TRUE(scan.valid_utf8) << limit << " " << start;
      EXPECT_FALSE(scan.control) << limit << " " << start;
      EXPECT_FALSE(scan.bidi_control);
      const bool cut = out.size() >= 3 && out.compare(out.size() - 3, 3, "…") == 0;
      EXPECT_LE(scan.characters, limit + (cut ? 1 : 0)) << limit << " " << start;
    }
  }
}

}  // namespace
}  // namespace onshi::eligibility::detail
