#include "onshi/check_digit.hpp"

#include <fmt/format.h>

namespace onshi {

std::optional<int> check_digit_2_1(std::string_view digits) {
  if (digits.empty()) return std::nullopt;
  int sum = 0;
  int weight = 2;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (*it < '0' || *it > '9') return std::nullopt;
    const int product = (*it - '0') * weight;
    sum += product / 10 + product % 10;
    weight = weight == 2 ? 1 : 2;
  }
  return (10 - sum % 10) % 10;
}

std::optional<std::string> institution_code_problem(std::string_view code) {
  if (code.size() != 10) {
    return fmt::format("must be 10 digits, got {} characters", code.size());
  }
  for (char c : code) {
    if (c < '0' || c > '9') return std::string("must contain digits only");
  }
  const int prefecture = (code[0] - '0') * 10 + (code[1] - '0');
  if (prefecture < 1 || prefecture > 47) {
    return fmt::format("prefecture number {:02} is not 01-47", prefecture);
  }
  const char table = code[2];
  if (table != '1' && table != '3' && table != '4' && table != '6') {
    return fmt::format("点数表 digit {} is not 1 (医科), 3 (歯科), 4 (調剤) or 6 (訪問看護)", table);
  }
  const int expected = *check_digit_2_1(code.substr(0, 9));
  if (code[9] - '0' != expected) {
    return fmt::format("check digit is {} but should be {}", code[9], expected);
  }
  return std::nullopt;
}

}  // namespace onshi
