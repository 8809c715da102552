#include "onshi/check_digit.hpp"

#include <gtest/gtest.h>

namespace onshi {
namespace {

// Worked examples from eligibility-system.md §2.
TEST(CheckDigit, MatchesPublishedExamples) {
  EXPECT_EQ(check_digit_2_1("3312001"), 5);    // 保険者番号 33120015
  EXPECT_EQ(check_digit_2_1("011011371"), 9);  // 医療機関コード 0110113719
  EXPECT_EQ(check_digit_2_1("271420638"), 6);  // 2714206386
}

TEST(CheckDigit, RejectsNonDigitsAndEmpty) {
  EXPECT_FALSE(check_digit_2_1(""));
  EXPECT_FALSE(check_digit_2_1("12a4"));
}

TEST(InstitutionCode, AcceptsValidCodes) {
  EXPECT_EQ(institution_code_problem("0110113719"), std::nullopt);
  EXPECT_EQ(institution_code_problem("2714206386"), std::nullopt);
}

TEST(InstitutionCode, ExplainsEachProblem) {
  EXPECT_NE(institution_code_problem("011011371")->find("10 digits"), std::string::npos);
  EXPECT_NE(institution_code_problem("01101137A9")->find("digits only"), std::string::npos);
  EXPECT_NE(institution_code_problem("4810113719")->find("prefecture"), std::string::npos);
  EXPECT_NE(institution_code_problem("0120113719")->find("点数表"), std::string::npos);
  EXPECT_NE(institution_code_problem("0110113718")->find("should be 9"), std::string::npos);
}

}  // namespace
}  // namespace onshi
