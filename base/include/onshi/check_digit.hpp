// Check digits of Japanese health-insurance identifiers (eligibility-system.md §2).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace onshi {

// The 2-1 weighted modulus-10 check digit (保険者番号設定要領; the same as Luhn): weights 2,1,2,1…
// from the last digit leftwards, products above 9 contribute their digit sum, and the check digit
// is (10 - sum mod 10) mod 10. Returns nullopt if `digits` is empty or has a non-digit.
std::optional<int> check_digit_2_1(std::string_view digits);

// Validates a 10-digit 医療機関コード: 都道府県(2, 01-47) + 点数表(1: 1 医科, 3 歯科, 4 調剤,
// 6 訪問看護) + 郡市区(2) + 番号(4) + 検証番号(1) computed over all 9 preceding digits
// (eligibility-system.md §2). Returns a reason on failure, nullopt when valid.
std::optional<std::string> institution_code_problem(std::string_view code);

}  // namespace onshi
