// Calendar helpers the test PKIs share: certificate validity follows JST days
// (certificate-profiles.md §1.2 for JPKI, §2.1 for HPKI). Internal header of the test PKI.
#pragma once

#include <chrono>

namespace onshi::sim::testpki {

inline constexpr std::chrono::hours kJst{9};

// 00:00:00 JST of `day`, as UTC.
inline std::chrono::sys_seconds jst_midnight(std::chrono::sys_days day) {
  return std::chrono::sys_seconds(day) - kJst;
}

// 23:59:59 JST of `day`, as UTC.
inline std::chrono::sys_seconds jst_end_of_day(std::chrono::sys_days day) {
  return std::chrono::sys_seconds(day) + std::chrono::hours(24) - kJst - std::chrono::seconds(1);
}

// y/m/d, or the month's last day when it has no such day (29 February in a common year).
inline std::chrono::sys_days clamp_day(std::chrono::year y, std::chrono::month m,
                                       std::chrono::day d) {
  const std::chrono::year_month_day ymd{y, m, d};
  if (ymd.ok()) return ymd;
  return std::chrono::year_month_day_last{y, std::chrono::month_day_last{m}};
}

// The same calendar day `count` years after `day` (clamped as above).
inline std::chrono::sys_days years_after(std::chrono::sys_days day, int count) {
  const std::chrono::year_month_day start{day};
  return clamp_day(start.year() + std::chrono::years(count), start.month(), start.day());
}

}  // namespace onshi::sim::testpki
