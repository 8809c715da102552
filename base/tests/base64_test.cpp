#include "onshi/base64.hpp"

#include <gtest/gtest.h>

#include <string>

namespace onshi {
namespace {

std::string text_of(const std::optional<Bytes>& bytes) {
  if (!bytes) return "<invalid>";
  return std::string(bytes->begin(), bytes->end());
}

// RFC 4648 §10 test vectors.
TEST(Base64, DecodesRfc4648Vectors) {
  EXPECT_EQ(text_of(from_base64("")), "");
  EXPECT_EQ(text_of(from_base64("Zg==")), "f");
  EXPECT_EQ(text_of(from_base64("Zm8=")), "fo");
  EXPECT_EQ(text_of(from_base64("Zm9v")), "foo");
  EXPECT_EQ(text_of(from_base64("Zm9vYg==")), "foob");
  EXPECT_EQ(text_of(from_base64("Zm9vYmE=")), "fooba");
  EXPECT_EQ(text_of(from_base64("Zm9vYmFy")), "foobar");
}

TEST(Base64, DecodesTheWholeAlphabet) {
  const auto bytes = from_base64("+/+/");
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes, (Bytes{0xFB, 0xFF, 0xBF}));
}

TEST(Base64, RejectsMalformedText) {
  EXPECT_FALSE(from_base64("Zg="));        // length not a multiple of 4
  EXPECT_FALSE(from_base64("Zg"));         // unpadded
  EXPECT_FALSE(from_base64("Zg==Zg=="));   // padding before the end
  EXPECT_FALSE(from_base64("Z==="));       // padding in the second place
  EXPECT_FALSE(from_base64("Zg=a"));       // data after padding
  EXPECT_FALSE(from_base64("Zm9v YmFy"));  // whitespace
  EXPECT_FALSE(from_base64("Zm9-"));       // base64url alphabet
  EXPECT_FALSE(from_base64("Zm9_"));
}

// curl compares pins as text, so only the canonical spelling may be accepted.
TEST(Base64, RejectsNonCanonicalTrailingBits) {
  EXPECT_FALSE(from_base64("Zh=="));  // "f" with unused bits set
  EXPECT_FALSE(from_base64("Zm9="));  // "fo" with unused bits set
}

}  // namespace
}  // namespace onshi

namespace onshi {
namespace {
TEST(Base64, EncodesRfc4648VectorsAndRoundTrips) {
  const auto enc = [](std::string_view s) {
    return to_base64(ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
  };
  EXPECT_EQ(enc(""), "");
  EXPECT_EQ(enc("f"), "Zg==");
  EXPECT_EQ(enc("fo"), "Zm8=");
  EXPECT_EQ(enc("foobar"), "Zm9vYmFy");
  Bytes all(1000);
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::uint8_t>(i * 7);
  EXPECT_EQ(from_base64(to_base64(all), 2000), all);
  EXPECT_FALSE(from_base64(to_base64(all), 100));  // longer than allowed
}
}  // namespace
}  // namespace onshi
