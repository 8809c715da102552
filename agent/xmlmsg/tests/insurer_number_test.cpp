#include "onshi/xmlmsg/insurer_number.hpp"

#include <gtest/gtest.h>

namespace onshi::xmlmsg {
namespace {

// eligibility-system.md §2: 33120015 → 5 is the worked example; 123455 a 6-digit 国保 number.
TEST(InsurerNumber, SixDigitNumbersArePaddedWithSpaces) {
  EXPECT_EQ(*insurer_field("123455"), "  123455");
  EXPECT_EQ(*insurer_field("33120015"), "33120015");
}

TEST(InsurerNumber, WrongCheckDigitLengthOrPrefixIsRefused) {
  EXPECT_EQ(*insurer_number_problem("33120016"), "the 検証番号 (last digit) is 6 but should be 5");
  EXPECT_TRUE(insurer_number_problem("1234567"));
  EXPECT_TRUE(insurer_number_problem("12345a"));
  EXPECT_TRUE(insurer_number_problem(""));
  EXPECT_EQ(*insurer_number_problem("00123455"),
            "an 8-digit 保険者番号 cannot start with 00 (no 法別番号 00)");
  EXPECT_FALSE(insurer_field("123456"));
}

TEST(InsurerNumber, TheFieldAcceptsSpaceOrZeroPadding) {
  EXPECT_EQ(*insurer_digits("  123455"), "123455");
  EXPECT_EQ(*insurer_digits("00123455"), "123455");
  EXPECT_EQ(*insurer_digits("33120015"), "33120015");
  EXPECT_FALSE(insurer_digits("123455"));    // unpadded
  EXPECT_FALSE(insurer_digits("123455  "));  // padded on the wrong side
  EXPECT_FALSE(insurer_digits(" 0123455"));  // mixed padding
  EXPECT_FALSE(insurer_digits("3312001a"));
}

}  // namespace
}  // namespace onshi::xmlmsg
