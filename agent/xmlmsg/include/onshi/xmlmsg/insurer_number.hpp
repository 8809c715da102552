// The InsurerNumber field (eligibility-system.md §1.5, §2): 8 characters on the wire. A 社保 or
// 後期高齢 number has 8 digits; a 国保 number has 6, which onshi pads with two leading spaces
// (the padding the field's users document); the reference service also accepts "00" padding,
// which another public implementation sends.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "onshi/result.hpp"

namespace onshi::xmlmsg {

inline constexpr std::size_t kInsurerFieldLength = 8;

// Why `digits` is not a valid 保険者番号, or nullopt: 6 (国保) or 8 digits whose last digit is the
// 2-1 check digit over the others; an 8-digit number cannot start with 00 (no 法別番号 00).
std::optional<std::string> insurer_number_problem(std::string_view digits);

// The 8-character field for a valid 6- or 8-digit number ("  123455", "06139995").
// Errc::invalid_argument with insurer_number_problem's reason otherwise.
Result<std::string> insurer_field(std::string_view digits);

// The digits of an 8-character field: 8 digits as they are, two spaces or "00" followed by 6
// digits as the 6-digit 国保 number. nullopt for anything else (wrong length, other padding).
// The check digit is not checked here.
std::optional<std::string> insurer_digits(std::string_view field);

}  // namespace onshi::xmlmsg
