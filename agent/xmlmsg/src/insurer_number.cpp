#include "onshi/xmlmsg/insurer_number.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "onshi/check_digit.hpp"
#include "onshi/xmlmsg/text.hpp"

namespace onshi::xmlmsg {
std::optional<std::string> insurer_number_problem(std::string_view digits) {
  if (!all_digits(digits) || (digits.size() != 6 && digits.size() != 8)) {
    return std::string("a 保険者番号 has 8 digits, or 6 for 国保");
  }
  if (digits.size() == 8 && digits.substr(0, 2) == "00") {
    return std::string("an 8-digit 保険者番号 cannot start with 00 (no 法別番号 00)");
  }
  const auto expected = check_digit_2_1(digits.substr(0, digits.size() - 1));
  const int last = digits.back() - '0';
  if (!expected || *expected != last) {
    return fmt::format("the 検証番号 (last digit) is {} but should be {}", last,
                       expected.value_or(-1));
  }
  return std::nullopt;
}

Result<std::string> insurer_field(std::string_view digits) {
  if (auto problem = insurer_number_problem(digits)) {
    return fail(Errc::invalid_argument, fmt::format("InsurerNumber \"{}\": {}", digits, *problem));
  }
  return digits.size() == 6 ? "  " + std::string(digits) : std::string(digits);
}

std::optional<std::string> insurer_digits(std::string_view field) {
  if (field.size() != kInsurerFieldLength) return std::nullopt;
  if (all_digits(field)) {
    if (field.substr(0, 2) == "00") return std::string(field.substr(2));
    return std::string(field);
  }
  if (field.substr(0, 2) == "  " && all_digits(field.substr(2)))
    return std::string(field.substr(2));
  return std::nullopt;
}

}  // namespace onshi::xmlmsg
