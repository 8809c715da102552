// The format rules of the XmlMsg leaves both halves of messages.cpp apply: requests are checked
// before they are built, answers as they are parsed.
#pragma once

#include <string>
#include <string_view>

#include "onshi/xmlmsg/codes.hpp"

namespace onshi::xmlmsg::detail {

enum class Format {
  text,        // any text up to max_length characters (UTF-8 code points)
  digits,      // ASCII digits only, up to max_length
  date,        // YYYYMMDD, a real calendar date
  date_time,   // YYYYMMDDHHMMSS
  code,        // a value of `table`
  ratio,       // three digits, "000".."100" (InsuredPartialContributionRatio, §1.5)
  post_number  // "123-4567"
};

struct Rule {
  Format format = Format::text;
  std::size_t max_length = 200;
  const CodeTable* table = nullptr;
};

inline Rule text(std::size_t max_length = 200) { return {Format::text, max_length, nullptr}; }
inline Rule digits(std::size_t max_length) { return {Format::digits, max_length, nullptr}; }
inline Rule date() { return {Format::date, 8, nullptr}; }
inline Rule date_time() { return {Format::date_time, 14, nullptr}; }
inline Rule code(const CodeTable& table) { return {Format::code, 8, &table}; }
inline Rule ratio() { return {Format::ratio, 3, nullptr}; }
inline Rule post_number() { return {Format::post_number, 8, nullptr}; }

// Why `value` breaks `rule`, or an empty string. An empty value is judged by the caller
// (required or not).
std::string rule_problem(std::string_view value, const Rule& rule);

}  // namespace onshi::xmlmsg::detail
