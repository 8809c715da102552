#include "onshi/japan_time.hpp"

#include <gtest/gtest.h>

namespace onshi {
namespace {

using namespace std::chrono;

TEST(JapanTime, UtcAfternoonIsTheNextDayInJapan) {
  // 2026-11-25 15:00 UTC is 2026-11-26 00:00 in Japan.
  const sys_seconds t = sys_days{year{2026} / 11 / 25} + hours{15};
  EXPECT_EQ(format_japan_time(t), "2026-11-26T00:00:00+09:00");
  EXPECT_EQ(format_japan_date(t), "2026-11-26");
  EXPECT_EQ(format_japan_date(t - seconds{1}), "2026-11-25");
}

TEST(JapanTime, NoDaylightSavingInSummer) {
  const sys_seconds t = sys_days{year{2026} / 7 / 1} + hours{3} + minutes{4} + seconds{5};
  EXPECT_EQ(format_japan_time(t), "2026-07-01T12:04:05+09:00");
}

TEST(JapanTime, DayCountsFollowTheJapaneseCalendar) {
  const sys_seconds late = sys_days{year{2026} / 12 / 31} + hours{14} + minutes{59};
  const sys_seconds next = late + minutes{1};
  EXPECT_EQ((japan_day(next) - japan_day(late)).count(), 1);
}

}  // namespace
}  // namespace onshi
