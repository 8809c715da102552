#include "onshi/bytes.hpp"

#include <gtest/gtest.h>

namespace onshi {
namespace {

TEST(Hex, RoundTripsCompactAndSpaced) {
  const Bytes b{0x3B, 0xE0, 0x00, 0xFF};
  EXPECT_EQ(to_hex(b), "3BE000FF");
  EXPECT_EQ(to_hex(b, true), "3B E0 00 FF");
  EXPECT_EQ(from_hex("3b:e0:00:ff"), b);
  EXPECT_EQ(from_hex("3B E0 00 FF"), b);
  EXPECT_EQ(from_hex(""), Bytes{});
}

TEST(Hex, RejectsOddLengthAndNonHex) {
  EXPECT_FALSE(from_hex("3B E"));
  EXPECT_FALSE(from_hex("3G"));
  EXPECT_FALSE(from_hex("3 B"));  // a separator may not split a byte
}

TEST(SecretBytes, WipesOnClearAndKeepsNoCopy) {
  const Bytes pin{'1', '2', '3', '4'};
  SecretBytes s(pin);
  ASSERT_EQ(s.size(), 4u);
  const std::uint8_t* data = s.view().data();
  SecretBytes moved(std::move(s));
  EXPECT_EQ(moved.view().data(), data);  // moved, not copied
  moved.clear();
  EXPECT_TRUE(moved.empty());
}

TEST(SecureWipe, ZeroesTheBuffer) {
  std::uint8_t buf[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  secure_wipe(buf, sizeof buf);
  for (auto b : buf) EXPECT_EQ(b, 0);
}

}  // namespace
}  // namespace onshi
