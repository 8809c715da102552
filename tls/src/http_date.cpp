#include "onshi/tls/http_date.hpp"

#include <fmt/format.h>

#include <array>

namespace onshi::tls {
namespace {

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

// A small cursor over the text; every read checks bounds.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool literal(std::string_view lit) {
    if (s_.substr(0, lit.size()) != lit) return false;
    s_.remove_prefix(lit.size());
    return true;
  }
  bool number(int digits, int& out) {
    if (s_.size() < static_cast<std::size_t>(digits)) return false;
    int v = 0;
    for (int i = 0; i < digits; ++i) {
      const char c = s_[static_cast<std::size_t>(i)];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    s_.remove_prefix(static_cast<std::size_t>(digits));
    out = v;
    return true;
  }
  bool month(int& out) {
    for (std::size_t i = 0; i < kMonths.size(); ++i) {
      if (literal(kMonths[i])) {
        out = static_cast<int>(i) + 1;
        return true;
      }
    }
    return false;
  }
  bool day_name(bool long_form) {
    static constexpr std::array<std::string_view, 7> kLong = {
        "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
    for (std::size_t i = 0; i < kDays.size(); ++i) {
      if (literal(long_form ? kLong[i] : kDays[i])) return true;
    }
    return false;
  }
  bool time(int& h, int& m, int& s) {
    return number(2, h) && literal(":") && number(2, m) && literal(":") && number(2, s);
  }
  bool at_end() const { return s_.empty(); }

 private:
  std::string_view s_;
};

std::optional<std::chrono::sys_seconds> make(int y, int mo, int d, int h, int mi, int s) {
  const std::chrono::year_month_day ymd{std::chrono::year{y},
                                        std::chrono::month{static_cast<unsigned>(mo)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;
  return std::chrono::sys_days{ymd} + std::chrono::hours{h} + std::chrono::minutes{mi} +
         std::chrono::seconds{s};
}

}  // namespace

std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  {
    Cursor c(text);  // IMF-fixdate
    if (c.day_name(false) && c.literal(", ") && c.number(2, d) && c.literal(" ") && c.month(mo) &&
        c.literal(" ") && c.number(4, y) && c.literal(" ") && c.time(h, mi, s) &&
        c.literal(" GMT") && c.at_end()) {
      return make(y, mo, d, h, mi, s);
    }
  }
  {
    Cursor c(text);  // RFC 850: two-digit year, 70-99 → 19xx, 00-69 → 20xx
    if (c.day_name(true) && c.literal(", ") && c.number(2, d) && c.literal("-") && c.month(mo) &&
        c.literal("-") && c.number(2, y) && c.literal(" ") && c.time(h, mi, s) &&
        c.literal(" GMT") && c.at_end()) {
      return make(y < 70 ? 2000 + y : 1900 + y, mo, d, h, mi, s);
    }
  }
  {
    Cursor c(text);  // asctime: day padded with a space
    if (c.day_name(false) && c.literal(" ") && c.month(mo) && c.literal(" ")) {
      int d1 = 0;
      const bool day_ok = (c.literal(" ") && c.number(1, d1)) || c.number(2, d1);
      if (day_ok && c.literal(" ") && c.time(h, mi, s) && c.literal(" ") && c.number(4, y) &&
          c.at_end()) {
        return make(y, mo, d1, h, mi, s);
      }
    }
  }
  return std::nullopt;
}

std::string format_http_date(std::chrono::sys_seconds t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::weekday wd{day};
  const std::chrono::hh_mm_ss hms{t - day};
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", kDays[wd.c_encoding()],
                     static_cast<unsigned>(ymd.day()),
                     kMonths[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

}  // namespace onshi::tls
