#include "onshi/xmlmsg/text.hpp"

#include <algorithm>
#include <chrono>

namespace onshi::xmlmsg {
namespace {
bool continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

int number(std::string_view digits) {
  int n = 0;
  for (const char c : digits) n = n * 10 + (c - '0');
  return n;
}
}  // namespace

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_valid_date(std::string_view s) {
  if (s.size() != 8 || !all_digits(s)) return false;
  const std::chrono::year_month_day ymd{std::chrono::year(number(s.substr(0, 4))),
                                        std::chrono::month(unsigned(number(s.substr(4, 2)))),
                                        std::chrono::day(unsigned(number(s.substr(6, 2))))};
  return ymd.ok() && number(s.substr(0, 4)) >= 1868;
}

std::size_t characters(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return !continuation(c); }));
}

std::string_view utf8_prefix(std::string_view s, std::size_t max_characters) {
  std::size_t cut = 0;
  for (std::size_t count = 0; cut < s.size() && count < max_characters; ++count) {
    ++cut;
    while (cut < s.size() && continuation(s[cut])) ++cut;
  }
  return s.substr(0, cut);
}

}  // namespace onshi::xmlmsg
