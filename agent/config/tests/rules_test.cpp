#include "rules.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace onshi::config::detail {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

std::string repeat(std::string_view piece, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out += piece;
  return out;
}

TEST(TextRules, TerminalNameCountsCharactersNotBytes) {
  EXPECT_EQ(terminal_name_problem("XX薬局1号機"), std::nullopt);
  EXPECT_EQ(terminal_name_problem(repeat("あ", 64)), std::nullopt);  // 192 bytes
  EXPECT_THAT(terminal_name_problem(repeat("あ", 65)),
              Optional(std::string("must be at most 64 characters, got 65")));
  EXPECT_THAT(terminal_name_problem(""), Optional(std::string("must not be empty")));
}

TEST(TextRules, RejectsControlCharactersAndBadUtf8) {
  EXPECT_THAT(text_problem("ab\tc"),
              Optional(std::string("must not contain control characters (U+0009 at character 3)")));
  EXPECT_THAT(text_problem("a\x7F"), Optional(HasSubstr("U+007F")));
  EXPECT_THAT(text_problem("a\xC2\x85"), Optional(HasSubstr("U+0085")));  // C1 NEL
  EXPECT_THAT(text_problem(std::string("a\0b", 3)), Optional(HasSubstr("U+0000")));
  EXPECT_THAT(text_problem("\xFF"), Optional(std::string("is not valid UTF-8")));
  EXPECT_THAT(text_problem("\xC0\xAF"), Optional(std::string("is not valid UTF-8")));  // overlong
  EXPECT_THAT(text_problem("\xED\xA0\x80"),
              Optional(std::string("is not valid UTF-8")));                            // surrogate
  EXPECT_THAT(text_problem("\xE3\x81"), Optional(std::string("is not valid UTF-8")));  // truncated
}

TEST(TextRules, InstitutionCodeCarriesTheReason) {
  EXPECT_EQ(institution_code_check("0110113719"), std::nullopt);
  EXPECT_THAT(
      institution_code_check("0110113718"),
      Optional(std::string("is not a valid 医療機関コード: check digit is 8 but should be 9")));
}

TEST(TextRules, Paths) {
  EXPECT_EQ(absolute_path_problem("/var/lib/onshi"), std::nullopt);
  EXPECT_THAT(absolute_path_problem("var/lib/onshi"),
              Optional(std::string("must be an absolute path, got \"var/lib/onshi\"")));
  EXPECT_THAT(absolute_path_problem(""), Optional(std::string("must not be empty")));
  EXPECT_THAT(absolute_path_problem(std::string("/a\0b", 4)), Optional(HasSubstr("U+0000")));
}

TEST(TextRules, SocketPathMustFitSunPath) {
  // Built with append: GCC 12 -O3 warns (-Wrestrict, a false positive) on "literal" + string.
  const std::string fits = std::string("/").append(repeat("s", 106));  // 107 bytes
  EXPECT_EQ(socket_path_problem(fits), std::nullopt);
  EXPECT_THAT(socket_path_problem(fits + "s"),
              Optional(std::string("is 108 bytes long, but a Unix socket path holds at most 107")));
  EXPECT_THAT(socket_path_problem("api.sock"), Optional(HasSubstr("absolute")));
}

TEST(TextRules, AccountNames) {
  for (const char* good : {"onshi", "_onshi", "recept-1", "a_b", "host$", "x"}) {
    EXPECT_EQ(account_name_problem(good), std::nullopt) << good;
  }
  EXPECT_THAT(account_name_problem(""), Optional(std::string("must not be empty")));
  EXPECT_THAT(account_name_problem("Onshi"),
              Optional(std::string("must start with a lower-case letter or '_', not 'O'")));
  EXPECT_THAT(account_name_problem("1onshi"), Optional(HasSubstr("not '1'")));
  EXPECT_THAT(account_name_problem("a$b"), Optional(HasSubstr("'$' at position 2")));
  EXPECT_THAT(account_name_problem("a b"), Optional(HasSubstr("byte 0x20 at position 2")));
  EXPECT_EQ(account_name_problem(repeat("a", 32)), std::nullopt);
  EXPECT_THAT(account_name_problem(repeat("a", 33)),
              Optional(std::string("must be at most 32 characters, got 33")));
}

TEST(TextRules, LogLevels) {
  for (const char* good : {"debug", "info", "warning", "error"}) {
    EXPECT_EQ(log_level_problem(good), std::nullopt) << good;
  }
  EXPECT_THAT(
      log_level_problem("warn"),
      Optional(std::string("must be \"debug\", \"info\", \"warning\" or \"error\", got \"warn\"")));
}

TEST(TextRules, QuotedEscapesAndCuts) {
  EXPECT_EQ(in_quotes("a\"b\\c\n"), "\"a\\\"b\\\\c\\x0A\"");
  const std::string cut = in_quotes(repeat("あ", 40));  // 120 bytes, cut at a character boundary
  EXPECT_EQ(cut, std::string("\"").append(repeat("あ", 26)).append("...\""));
}

TEST(NetRules, HttpsUrls) {
  for (const char* good :
       {"https://example.jp", "https://example.jp/", "HTTPS://example.jp:8443/api/v1?x=1",
        "https://[2404:1a8:f583:d00::53:1]/", "https://[::1]:443", "https://a-b.example.jp."}) {
    EXPECT_EQ(https_url_problem(good), std::nullopt) << good;
  }
  EXPECT_THAT(https_url_problem("http://example.jp"),
              Optional(std::string("must use https://, got \"http://\"")));
  EXPECT_THAT(https_url_problem("example.jp"), Optional(std::string("must start with https://")));
  EXPECT_THAT(https_url_problem("https:///path"), Optional(std::string("has no host")));
  EXPECT_THAT(https_url_problem("https://"), Optional(std::string("has no host")));
  EXPECT_THAT(https_url_problem("https://user:pw@example.jp/"), Optional(HasSubstr("credentials")));
  EXPECT_THAT(https_url_problem("https://exa mple.jp"),
              Optional(HasSubstr("byte 0x20 at position 12")));
  EXPECT_THAT(https_url_problem("https://例え.jp"), Optional(HasSubstr("non-ASCII")));
  EXPECT_THAT(https_url_problem("https://example..jp"), Optional(HasSubstr("invalid host name")));
  EXPECT_THAT(https_url_problem("https://ex_ample.jp"), Optional(HasSubstr("invalid host name")));
  EXPECT_THAT(https_url_problem("https://example.jp:0"), Optional(HasSubstr("invalid port \"0\"")));
  EXPECT_THAT(https_url_problem("https://example.jp:65536"), Optional(HasSubstr("invalid port")));
  EXPECT_THAT(https_url_problem("https://example.jp:"), Optional(HasSubstr("invalid port \"\"")));
  EXPECT_THAT(https_url_problem("https://example.jp:44a"), Optional(HasSubstr("invalid port")));
  EXPECT_THAT(https_url_problem("https://[::1/"), Optional(HasSubstr("unterminated IPv6")));
  EXPECT_THAT(https_url_problem("https://[zz]/"), Optional(HasSubstr("invalid IPv6")));
  EXPECT_THAT(https_url_problem("https://[::1]x/"), Optional(HasSubstr("after the IPv6")));
  EXPECT_THAT(https_url_problem("https://example.jp/#top"), Optional(HasSubstr("fragment")));
}

TEST(NetRules, ProxyUrls) {
  EXPECT_EQ(proxy_url_problem("http://proxy.base.oqs-pdl.org:8080"), std::nullopt);
  EXPECT_EQ(proxy_url_problem("http://192.168.220.1:3128/"), std::nullopt);
  EXPECT_THAT(proxy_url_problem("http://proxy.example.jp"),
              Optional(std::string("must include a port (http://host:port)")));
  EXPECT_THAT(proxy_url_problem("https://proxy.example.jp:8080"),
              Optional(HasSubstr("must be an http:// proxy URL")));
  EXPECT_THAT(proxy_url_problem("proxy.example.jp:8080"), Optional(HasSubstr("http://host:port")));
  EXPECT_THAT(proxy_url_problem("http://proxy.example.jp:8080/x"),
              Optional(HasSubstr("without a path")));
  EXPECT_THAT(proxy_url_problem("http://u:p@proxy.example.jp:8080"),
              Optional(HasSubstr("credentials")));
}

constexpr const char* kPin = "sha256//TSlboofgCZmiD2oXoHVH5qI5UlO6uIJCwiwUxOg07JY=";

TEST(NetRules, Pins) {
  EXPECT_EQ(pin_problem(kPin), std::nullopt);
  EXPECT_THAT(pin_problem("sha1//TSlboofgCZmiD2oXoHVH5qI5UlO6uIJCwiwUxOg07JY="),
              Optional(HasSubstr("must have the form sha256//")));
  EXPECT_THAT(pin_problem("TSlboofgCZmiD2oXoHVH5qI5UlO6uIJCwiwUxOg07JY="),
              Optional(HasSubstr("must have the form sha256//")));
  EXPECT_THAT(pin_problem("sha256//TSlboofgCZmiD2oXoHVH5qI5UlO6uIJCwiwUxOg07JY"),
              Optional(HasSubstr("is not valid base64")));  // padding dropped
  EXPECT_THAT(pin_problem("sha256//TSlboofgCZmiD2oXoHVH5qI5UlO6uIJCwiwUxOg07JZ="),
              Optional(HasSubstr("is not valid base64")));  // non-canonical last character
  // Well-formed base64 of the wrong size: 31 and 33 zero bytes.
  EXPECT_THAT(pin_problem("sha256//" + std::string(40, 'A') + "AA=="),
              Optional(std::string("must be a 32-byte SHA-256 digest, but decodes to 31 bytes")));
  EXPECT_THAT(pin_problem("sha256//" + std::string(44, 'A')),
              Optional(std::string("must be a 32-byte SHA-256 digest, but decodes to 33 bytes")));
}

TEST(NetRules, DecodePinGivesTheDigest) {
  const auto digest = decode_pin(kPin);
  ASSERT_TRUE(digest);
  // printf 'onshi example: current upstream key' | openssl dgst -sha256
  EXPECT_EQ((*digest)[0], 0x4D);
  EXPECT_EQ((*digest)[1], 0x29);
  EXPECT_EQ((*digest)[31], 0x96);
  EXPECT_FALSE(decode_pin("sha256//AAAA"));
}

}  // namespace
}  // namespace onshi::config::detail
