#include "base64.hpp"

#include <gtest/gtest.h>

#include <string>

namespace onshi::config::detail {
namespace {

std::string text_of(const std::optional<Bytes>& bytes) {
  if (!bytes) return "<invalid>";
  return std::string(bytes->begin(), bytes->end());
}

// RFC 4648 §10 test vectors.
TEST(Base64, DecodesRfc4648Vectors) {
  EXPECT_EQ(text_of(decode_base64("")), "");
  EXPECT_EQ(text_of(decode_base64("Zg==")), "f");
  EXPECT_EQ(text_of(decode_base64("Zm8=")), "fo");
  EXPECT_EQ(text_of(decode_base64("Zm9v")), "foo");
  EXPECT_EQ(text_of(decode_base64("Zm9vYg==")), "foob");
  EXPECT_EQ(text_of(decode_base64("Zm9vYmE=")), "fooba");
  EXPECT_EQ(text_of(decode_base64("Zm9vYmFy")), "foobar");
}

TEST(Base64, DecodesTheWholeAlphabet) {
  const auto bytes = decode_base64("+/+/");
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes, (Bytes{0xFB, 0xFF, 0xBF}));
}

TEST(Base64, RejectsMalformedText) {
  EXPECT_FALSE(decode_base64("Zg="));        // length not a multiple of 4
  EXPECT_FALSE(decode_base64("Zg"));         // unpadded
  EXPECT_FALSE(decode_base64("Zg==Zg=="));   // padding before the end
  EXPECT_FALSE(decode_base64("Z==="));       // padding in the second place
  EXPECT_FALSE(decode_base64("Zg=a"));       // data after padding
  EXPECT_FALSE(decode_base64("Zm9v YmFy"));  // whitespace
  EXPECT_FALSE(decode_base64("Zm9-"));       // base64url alphabet
  EXPECT_FALSE(decode_base64("Zm9_"));
}

// curl compares pins as text, so only the canonical spelling may be accepted.
TEST(Base64, RejectsNonCanonicalTrailingBits) {
  EXPECT_FALSE(decode_base64("Zh=="));  // "f" with unused bits set
  EXPECT_FALSE(decode_base64("Zm9="));  // "fo" with unused bits set
}

}  // namespace
}  // namespace onshi::config::detail
