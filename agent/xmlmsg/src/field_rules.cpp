#include "field_rules.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace onshi::xmlmsg::detail {
namespace {

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int number(std::string_view digits) {
  int n = 0;
  for (const char c : digits) n = n * 10 + (c - '0');
  return n;
}

// Code points of valid UTF-8 (the JSON parser has already refused invalid UTF-8).
std::size_t code_points(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// At most `n` bytes, cut before a UTF-8 character, never inside one.
std::string_view utf8_prefix(std::string_view s, std::size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

std::string table_values(const CodeTable& table) {
  std::string list;
  for (const auto& v : table.values) {
    if (!list.empty()) list += ", ";
    list += v.value;
  }
  return list;
}

}  // namespace

bool is_valid_date(std::string_view s) {
  if (s.size() != 8 || !all_digits(s)) return false;
  const std::chrono::year_month_day ymd{std::chrono::year(number(s.substr(0, 4))),
                                        std::chrono::month(unsigned(number(s.substr(4, 2)))),
                                        std::chrono::day(unsigned(number(s.substr(6, 2))))};
  return ymd.ok() && number(s.substr(0, 4)) >= 1868;  // 明治 onwards
}

std::string rule_problem(std::string_view value, const Rule& rule) {
  switch (rule.format) {
    case Format::text:
      if (code_points(value) > rule.max_length) {
        return fmt::format("longer than {} characters", rule.max_length);
      }
      return {};
    case Format::digits:
      if (!all_digits(value)) return "must be digits only";
      if (value.size() > rule.max_length) {
        return fmt::format("longer than {} digits", rule.max_length);
      }
      return {};
    case Format::date:
      return is_valid_date(value) ? std::string() : "must be a date YYYYMMDD";
    case Format::date_time: {
      const bool ok = value.size() == 14 && all_digits(value) &&
                      is_valid_date(value.substr(0, 8)) && number(value.substr(8, 2)) < 24 &&
                      number(value.substr(10, 2)) < 60 && number(value.substr(12, 2)) < 61;
      return ok ? std::string() : "must be a date and time YYYYMMDDHHMMSS";
    }
    case Format::code:
      if (rule.table->contains(value)) return {};
      return fmt::format("\"{}\" is not a {} ({}) value: {}", utf8_prefix(value, 16),
                         rule.table->id, rule.table->name, table_values(*rule.table));
    case Format::ratio:
      if (value.size() == 3 && all_digits(value) && number(value) <= 100) return {};
      return "must be three digits 000-100 (030 = 3割)";
    case Format::post_number: {
      const bool ok = value.size() == 8 && value[3] == '-' && all_digits(value.substr(0, 3)) &&
                      all_digits(value.substr(4));
      return ok ? std::string() : "must be a postal code 123-4567";
    }
  }
  return "unknown rule";
}

}  // namespace onshi::xmlmsg::detail
