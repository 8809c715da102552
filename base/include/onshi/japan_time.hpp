// Japan time for everything a clinic reads: certificate validity, deadlines, journal entries.
// JST is UTC+09:00 all year (Japan has no daylight saving time), so a fixed offset is exact and
// needs no time-zone database.
#pragma once

#include <chrono>
#include <string>

namespace onshi {

inline constexpr std::chrono::hours kJapanOffset{9};

// "2029-02-28T23:59:59+09:00" (ISO 8601 / RFC 3339).
std::string format_japan_time(std::chrono::sys_seconds t);
// "2029-02-28" — the calendar date in Japan.
std::string format_japan_date(std::chrono::sys_seconds t);
// The Japanese calendar day containing t, as days since 1970-01-01 (JST), for counting days left.
std::chrono::sys_days japan_day(std::chrono::sys_seconds t);

}  // namespace onshi
