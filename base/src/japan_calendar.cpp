#include "onshi/japan_calendar.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include <fmt/format.h>

namespace onshi {
namespace {

using namespace std::chrono;

// Names, indexed by Name (0 = no holiday). String literals: the views stay valid for ever.
enum Name : std::uint8_t {
  kNone,
  kGanjitsu,           // 元日
  kSeijin,             // 成人の日
  kKenkoku,            // 建国記念の日
  kTennoTanjobi,       // 天皇誕生日
  kShunbun,            // 春分の日
  kShowa,              // 昭和の日
  kKenpo,              // 憲法記念日
  kMidori,             // みどりの日
  kKodomo,             // こどもの日
  kUmi,                // 海の日
  kYama,               // 山の日
  kKeiro,              // 敬老の日
  kShubun,             // 秋分の日
  kTaiiku,             // 体育の日
  kSports,             // スポーツの日
  kBunka,              // 文化の日
  kKinroKansha,        // 勤労感謝の日
  kSokui,              // 即位の日 (2019-05-01)
  kSokuireiSeiden,     // 即位礼正殿の儀の行われる日 (2019-10-22)
  kFurikae,            // 振替休日 (Art. 3(2))
  kKokuminNoKyujitsu,  // 国民の休日 (Art. 3(3))
  kNameCount,
};

constexpr std::array<std::string_view, kNameCount> kNames = {
    "",           "元日",         "成人の日", "建国記念の日",
    "天皇誕生日", "春分の日",     "昭和の日", "憲法記念日",
    "みどりの日", "こどもの日",   "海の日",   "山の日",
    "敬老の日",   "秋分の日",     "体育の日", "スポーツの日",
    "文化の日",   "勤労感謝の日", "即位の日", "即位礼正殿の儀の行われる日",
    "振替休日",   "国民の休日",
};

constexpr sys_days kFirstDay = sys_days{year{kHolidayRulesFirstYear} / January / 1};
constexpr sys_days kLastDay = sys_days{year{kHolidayRulesLastYear} / December / 31};
constexpr int kCoveredDays = (kLastDay - kFirstDay).count() + 1;

// The n-th given weekday of a month.
sys_days nth_weekday(int y, unsigned m, weekday wd, unsigned n) {
  return sys_days{year{y} / month{m} / weekday_indexed{wd, n}};
}

sys_days ymd(int y, unsigned m, unsigned d) { return sys_days{year{y} / month{m} / day{d}}; }

// 春分日 / 秋分日 by the usual approximation of 国立天文台's ephemeris (valid 1980-2099).
unsigned equinox_day(int y, double base) {
  const int k = y - 1980;
  return static_cast<unsigned>(std::floor(base + 0.242194 * k - std::floor(k / 4.0)));
}

struct Holiday {
  sys_days day;
  Name name;
};

// The 国民の祝日 of a year (Art. 2 with the one-off laws), unsorted.
std::vector<Holiday> national_holidays(int y) {
  std::vector<Holiday> h;
  h.reserve(24);
  const auto add = [&](sys_days d, Name n) { h.push_back({d, n}); };

  add(ymd(y, 1, 1), kGanjitsu);
  add(nth_weekday(y, 1, Monday, 2), kSeijin);
  add(ymd(y, 2, 11), kKenkoku);
  if (y >= 2020) add(ymd(y, 2, 23), kTennoTanjobi);
  add(ymd(y, 3, equinox_day(y, 20.8431)), kShunbun);
  add(ymd(y, 4, 29), y >= 2007 ? kShowa : kMidori);
  add(ymd(y, 5, 3), kKenpo);
  if (y >= 2007) add(ymd(y, 5, 4), kMidori);
  add(ymd(y, 5, 5), kKodomo);

  if (y == 2020) {
    add(ymd(y, 7, 23), kUmi);
  } else if (y == 2021) {
    add(ymd(y, 7, 22), kUmi);
  } else {
    add(y >= 2003 ? nth_weekday(y, 7, Monday, 3) : ymd(y, 7, 20), kUmi);
  }

  if (y == 2020) {
    add(ymd(y, 8, 10), kYama);
  } else if (y == 2021) {
    add(ymd(y, 8, 8), kYama);
  } else if (y >= 2016) {
    add(ymd(y, 8, 11), kYama);
  }

  add(y >= 2003 ? nth_weekday(y, 9, Monday, 3) : ymd(y, 9, 15), kKeiro);
  add(ymd(y, 9, equinox_day(y, 23.2488)), kShubun);

  if (y == 2020) {
    add(ymd(y, 7, 24), kSports);
  } else if (y == 2021) {
    add(ymd(y, 7, 23), kSports);
  } else {
    add(nth_weekday(y, 10, Monday, 2), y >= 2020 ? kSports : kTaiiku);
  }

  add(ymd(y, 11, 3), kBunka);
  add(ymd(y, 11, 23), kKinroKansha);
  if (y <= 2018) add(ymd(y, 12, 23), kTennoTanjobi);

  if (y == 2019) {
    add(ymd(y, 5, 1), kSokui);
    add(ymd(y, 10, 22), kSokuireiSeiden);
  }
  return h;
}

// All holidays of a year (Art. 2 and 3), sorted by date.
std::vector<Holiday> year_holidays(int y) {
  std::vector<Holiday> h = national_holidays(y);
  const auto is_national = [&](sys_days d) {
    return std::any_of(h.begin(), h.end(), [d](const Holiday& x) { return x.day == d; });
  };
  const std::size_t national_count = h.size();

  // Art. 3(2): a 国民の祝日 on a Sunday.
  for (std::size_t i = 0; i < national_count; ++i) {
    const sys_days d = h[i].day;
    if (weekday{d} != Sunday) continue;
    sys_days sub = d + days{1};
    if (y >= 2007) {
      while (is_national(sub)) sub += days{1};
    } else if (is_national(sub)) {
      continue;  // "the next day", already a holiday itself
    }
    h.push_back({sub, kFurikae});
  }

  // Art. 3(3): a day that is not a 国民の祝日, between two 国民の祝日. Before 2007 also not a
  // Sunday nor a 振替休日. Holidays never cross a year boundary here (none on 12/31 or 1/2).
  const auto is_furikae = [&](sys_days d) {
    return std::any_of(h.begin() + static_cast<std::ptrdiff_t>(national_count), h.end(),
                       [d](const Holiday& x) { return x.day == d; });
  };
  std::vector<Holiday> sandwiched;
  for (std::size_t i = 0; i < national_count; ++i) {
    const sys_days mid = h[i].day + days{1};
    if (is_national(mid) || !is_national(mid + days{1})) continue;
    if (is_furikae(mid)) continue;  // already a holiday (before 2007 excluded anyway): one entry
    if (y < 2007 && weekday{mid} == Sunday) continue;
    sandwiched.push_back({mid, kKokuminNoKyujitsu});
  }
  h.insert(h.end(), sandwiched.begin(), sandwiched.end());

  std::sort(h.begin(), h.end(), [](const Holiday& a, const Holiday& b) { return a.day < b.day; });
  return h;
}

bool in_break(const year_month_day& d) {
  const unsigned m = static_cast<unsigned>(d.month());
  const unsigned dd = static_cast<unsigned>(d.day());
  return (m == 12 && dd >= 29) || (m == 1 && dd <= 3);
}

bool is_weekend(sys_days d) {
  const weekday wd{d};
  return wd == Saturday || wd == Sunday;
}

// Business day by weekend and break only (what is known outside the covered years).
bool plain_business_day(sys_days d) { return !is_weekend(d) && !in_break(year_month_day{d}); }

// Every covered day's holiday name, and the running count of business days, built once.
struct Table {
  std::vector<std::uint8_t> name;  // kCoveredDays entries
  std::vector<int> prefix;         // prefix[i]: business days among the first i covered days

  Table() : name(kCoveredDays, kNone), prefix(kCoveredDays + 1, 0) {
    for (int y = kHolidayRulesFirstYear; y <= kHolidayRulesLastYear; ++y) {
      for (const Holiday& h : year_holidays(y)) {
        name[static_cast<std::size_t>((h.day - kFirstDay).count())] = h.name;
      }
    }
    for (int i = 0; i < kCoveredDays; ++i) {
      const sys_days d = kFirstDay + days{i};
      const bool business = name[static_cast<std::size_t>(i)] == kNone && plain_business_day(d);
      prefix[static_cast<std::size_t>(i) + 1] =
          prefix[static_cast<std::size_t>(i)] + (business ? 1 : 0);
    }
  }
};

const Table& table() {
  static const Table t;
  return t;
}

std::size_t index_of(sys_days d) { return static_cast<std::size_t>((d - kFirstDay).count()); }

// Business days in [kFirstDay, d], for kFirstDay - 1 <= d <= kLastDay.
int business_days_through(sys_days d) {
  return table().prefix[static_cast<std::size_t>((d - kFirstDay).count() + 1)];
}

// Business days in (from, to] by weekend and break only; to > from. A 400-year cycle (146097 days)
// is a whole number of weeks, so it always holds the same count.
long long plain_business_days(sys_days from, sys_days to) {
  constexpr int kCycle = 146097;
  static const int per_cycle = [] {
    int n = 0;
    const sys_days start = sys_days{year{2000} / January / 1};
    for (int i = 0; i < kCycle; ++i) n += plain_business_day(start + days{i}) ? 1 : 0;
    return n;
  }();
  const long long span = (to - from).count();
  long long count = (span / kCycle) * per_cycle;
  for (sys_days d = from + days{(span / kCycle) * kCycle + 1}; d <= to; d += days{1}) {
    count += plain_business_day(d) ? 1 : 0;
  }
  return count;
}

}  // namespace

bool holiday_rules_cover(sys_days day) { return day >= kFirstDay && day <= kLastDay; }

std::optional<std::string_view> japan_public_holiday(sys_days day) {
  if (!holiday_rules_cover(day)) return std::nullopt;
  const std::uint8_t n = table().name[index_of(day)];
  if (n == kNone) return std::nullopt;
  return kNames[n];
}

std::vector<std::pair<sys_days, std::string_view>> japan_public_holidays(year y) {
  std::vector<std::pair<sys_days, std::string_view>> out;
  if (!y.ok() || static_cast<int>(y) < kHolidayRulesFirstYear ||
      static_cast<int>(y) > kHolidayRulesLastYear) {
    return out;
  }
  const Table& t = table();
  const sys_days first = sys_days{y / January / 1};
  const sys_days last = sys_days{y / December / 31};
  for (sys_days d = first; d <= last; d += days{1}) {
    const std::uint8_t n = t.name[index_of(d)];
    if (n != kNone) out.emplace_back(d, kNames[n]);
  }
  return out;
}

bool is_year_end_break(sys_days day) { return in_break(year_month_day{day}); }

bool is_business_day(sys_days day) {
  if (!plain_business_day(day)) return false;
  return !holiday_rules_cover(day) || table().name[index_of(day)] == kNone;
}

Result<sys_days> add_business_days(sys_days from, int n) {
  if (n < 1 || n > 366) {
    return fail(Errc::invalid_argument,
                fmt::format("business day count {} is out of range (1 to 366)", n));
  }
  sys_days d = from;
  for (int left = n; left > 0;) {
    d += days{1};
    if (!holiday_rules_cover(d)) {
      return fail(Errc::invalid_argument,
                  fmt::format("{} business days after {} needs {}, outside the years whose public "
                              "holidays are known ({}-{})",
                              n, format_iso_date(from), format_iso_date(d), kHolidayRulesFirstYear,
                              kHolidayRulesLastYear));
    }
    if (is_business_day(d)) --left;
  }
  return d;
}

int business_days_between(sys_days from, sys_days to) {
  if (to <= from) return 0;
  long long count = 0;
  // Before the covered years: (from, min(to, kFirstDay - 1)].
  if (from < kFirstDay - days{1}) {
    count += plain_business_days(from, std::min(to, kFirstDay - days{1}));
  }
  // Inside: (max(from, kFirstDay - 1), min(to, kLastDay)].
  const sys_days lo = std::max(from, kFirstDay - days{1});
  const sys_days hi = std::min(to, kLastDay);
  if (hi > lo) {
    count += business_days_through(hi) - business_days_through(lo);
  }
  // After: (max(from, kLastDay), to].
  if (to > kLastDay) count += plain_business_days(std::max(from, kLastDay), to);
  return static_cast<int>(count);
}

std::optional<sys_days> parse_iso_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const auto number = [&](std::size_t pos, std::size_t len) -> std::optional<int> {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  const auto y = number(0, 4);
  const auto m = number(5, 2);
  const auto d = number(8, 2);
  if (!y || !m || !d || *y < 1900) return std::nullopt;
  const year_month_day date{year{*y}, month{static_cast<unsigned>(*m)},
                            day{static_cast<unsigned>(*d)}};
  if (!date.ok()) return std::nullopt;
  return sys_days{date};
}

std::string format_iso_date(sys_days day) {
  const year_month_day ymd{day};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

}  // namespace onshi
