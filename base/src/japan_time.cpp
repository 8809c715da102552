#include "onshi/japan_time.hpp"

#include <fmt/format.h>

namespace onshi {

std::chrono::sys_days japan_day(std::chrono::sys_seconds t) {
  return std::chrono::floor<std::chrono::days>(t + kJapanOffset);
}

std::string format_japan_date(std::chrono::sys_seconds t) {
  const std::chrono::year_month_day ymd{japan_day(t)};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

std::string format_japan_time(std::chrono::sys_seconds t) {
  const auto local = t + kJapanOffset;
  const auto day = std::chrono::floor<std::chrono::days>(local);
  const std::chrono::hh_mm_ss hms{local - day};
  return fmt::format("{}T{:02}:{:02}:{:02}+09:00", format_japan_date(t), hms.hours().count(),
                     hms.minutes().count(), hms.seconds().count());
}

}  // namespace onshi
