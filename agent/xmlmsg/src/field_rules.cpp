#include "field_rules.hpp"

#include <fmt/format.h>

#include "onshi/xmlmsg/text.hpp"

namespace onshi::xmlmsg::detail {
namespace {

int number(std::string_view digits) {
  int n = 0;
  for (const char c : digits) n = n * 10 + (c - '0');
  return n;
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

std::string rule_problem(std::string_view value, const Rule& rule) {
  switch (rule.format) {
    case Format::text:
      if (characters(value) > rule.max_length) {
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
