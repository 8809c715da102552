#include "onshi/japan_calendar.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace onshi {
namespace {

using namespace std::chrono;

sys_days d(int y, unsigned m, unsigned dd) { return sys_days{year{y} / month{m} / day{dd}}; }

struct Expected {
  unsigned month;
  unsigned day;
  std::string_view name;
};

// Compares a year's list with a published one; prints both on a mismatch.
void expect_year(int y, const std::vector<Expected>& expected) {
  SCOPED_TRACE("year " + std::to_string(y));
  std::vector<std::pair<sys_days, std::string_view>> want;
  for (const Expected& e : expected) want.emplace_back(d(y, e.month, e.day), e.name);
  const auto got = japan_public_holidays(year{y});
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(format_iso_date(got[i].first), format_iso_date(want[i].first)) << "entry " << i;
    EXPECT_EQ(got[i].second, want[i].second) << format_iso_date(want[i].first);
    EXPECT_EQ(japan_public_holiday(want[i].first), want[i].second)
        << format_iso_date(want[i].first);
  }
}

// The lists below are the Cabinet Office's (内閣府「国民の祝日について」, syukujitsu.csv). The CSV
// calls every 振替休日 and 国民の休日 "休日" and 2019-05-01 / 2019-10-22 "休日（祝日扱い）"; here
// they carry the names this API gives them.

TEST(JapanCalendar, Holidays2019Reiwa) {
  expect_year(2019, {{1, 1, "元日"},
                     {1, 14, "成人の日"},
                     {2, 11, "建国記念の日"},
                     {3, 21, "春分の日"},
                     {4, 29, "昭和の日"},
                     {4, 30, "国民の休日"},
                     {5, 1, "即位の日"},
                     {5, 2, "国民の休日"},
                     {5, 3, "憲法記念日"},
                     {5, 4, "みどりの日"},
                     {5, 5, "こどもの日"},
                     {5, 6, "振替休日"},
                     {7, 15, "海の日"},
                     {8, 11, "山の日"},
                     {8, 12, "振替休日"},
                     {9, 16, "敬老の日"},
                     {9, 23, "秋分の日"},
                     {10, 14, "体育の日"},
                     {10, 22, "即位礼正殿の儀の行われる日"},
                     {11, 3, "文化の日"},
                     {11, 4, "振替休日"},
                     {11, 23, "勤労感謝の日"}});
  // No 天皇誕生日 in 2019: 12/23 ended with the old era, 2/23 starts in 2020.
  EXPECT_EQ(japan_public_holiday(d(2019, 12, 23)), std::nullopt);
  EXPECT_EQ(japan_public_holiday(d(2019, 2, 23)), std::nullopt);
  EXPECT_EQ(japan_public_holiday(d(2018, 12, 23)), "天皇誕生日");
  EXPECT_EQ(japan_public_holiday(d(2018, 12, 24)), "振替休日");
}

TEST(JapanCalendar, Holidays2020Olympics) {
  expect_year(2020, {{1, 1, "元日"},
                     {1, 13, "成人の日"},
                     {2, 11, "建国記念の日"},
                     {2, 23, "天皇誕生日"},
                     {2, 24, "振替休日"},
                     {3, 20, "春分の日"},
                     {4, 29, "昭和の日"},
                     {5, 3, "憲法記念日"},
                     {5, 4, "みどりの日"},
                     {5, 5, "こどもの日"},
                     {5, 6, "振替休日"},
                     {7, 23, "海の日"},
                     {7, 24, "スポーツの日"},
                     {8, 10, "山の日"},
                     {9, 21, "敬老の日"},
                     {9, 22, "秋分の日"},
                     {11, 3, "文化の日"},
                     {11, 23, "勤労感謝の日"}});
  // The usual days are ordinary days that year.
  EXPECT_EQ(japan_public_holiday(d(2020, 7, 20)), std::nullopt);
  EXPECT_EQ(japan_public_holiday(d(2020, 8, 11)), std::nullopt);
  EXPECT_EQ(japan_public_holiday(d(2020, 10, 12)), std::nullopt);
  EXPECT_TRUE(is_business_day(d(2020, 10, 12)));
}

TEST(JapanCalendar, Holidays2021PostponedOlympics) {
  expect_year(2021, {{1, 1, "元日"},
                     {1, 11, "成人の日"},
                     {2, 11, "建国記念の日"},
                     {2, 23, "天皇誕生日"},
                     {3, 20, "春分の日"},
                     {4, 29, "昭和の日"},
                     {5, 3, "憲法記念日"},
                     {5, 4, "みどりの日"},
                     {5, 5, "こどもの日"},
                     {7, 22, "海の日"},
                     {7, 23, "スポーツの日"},
                     {8, 8, "山の日"},
                     {8, 9, "振替休日"},
                     {9, 20, "敬老の日"},
                     {9, 23, "秋分の日"},
                     {11, 3, "文化の日"},
                     {11, 23, "勤労感謝の日"}});
  EXPECT_TRUE(is_business_day(d(2021, 7, 19)));
  EXPECT_TRUE(is_business_day(d(2021, 8, 11)));
  EXPECT_TRUE(is_business_day(d(2021, 10, 11)));
}

TEST(JapanCalendar, Holidays2024) {
  expect_year(2024, {{1, 1, "元日"},       {1, 8, "成人の日"},    {2, 11, "建国記念の日"},
                     {2, 12, "振替休日"},  {2, 23, "天皇誕生日"}, {3, 20, "春分の日"},
                     {4, 29, "昭和の日"},  {5, 3, "憲法記念日"},  {5, 4, "みどりの日"},
                     {5, 5, "こどもの日"}, {5, 6, "振替休日"},    {7, 15, "海の日"},
                     {8, 11, "山の日"},    {8, 12, "振替休日"},   {9, 16, "敬老の日"},
                     {9, 22, "秋分の日"},  {9, 23, "振替休日"},   {10, 14, "スポーツの日"},
                     {11, 3, "文化の日"},  {11, 4, "振替休日"},   {11, 23, "勤労感謝の日"}});
}

TEST(JapanCalendar, Holidays2025) {
  expect_year(2025, {{1, 1, "元日"},
                     {1, 13, "成人の日"},
                     {2, 11, "建国記念の日"},
                     {2, 23, "天皇誕生日"},
                     {2, 24, "振替休日"},
                     {3, 20, "春分の日"},
                     {4, 29, "昭和の日"},
                     {5, 3, "憲法記念日"},
                     {5, 4, "みどりの日"},
                     {5, 5, "こどもの日"},
                     {5, 6, "振替休日"},
                     {7, 21, "海の日"},
                     {8, 11, "山の日"},
                     {9, 15, "敬老の日"},
                     {9, 23, "秋分の日"},
                     {10, 13, "スポーツの日"},
                     {11, 3, "文化の日"},
                     {11, 23, "勤労感謝の日"},
                     {11, 24, "振替休日"}});
}

TEST(JapanCalendar, Holidays2026) {
  expect_year(2026, {{1, 1, "元日"},
                     {1, 12, "成人の日"},
                     {2, 11, "建国記念の日"},
                     {2, 23, "天皇誕生日"},
                     {3, 20, "春分の日"},
                     {4, 29, "昭和の日"},
                     {5, 3, "憲法記念日"},
                     {5, 4, "みどりの日"},
                     {5, 5, "こどもの日"},
                     {5, 6, "振替休日"},
                     {7, 20, "海の日"},
                     {8, 11, "山の日"},
                     {9, 21, "敬老の日"},
                     {9, 22, "国民の休日"},
                     {9, 23, "秋分の日"},
                     {10, 12, "スポーツの日"},
                     {11, 3, "文化の日"},
                     {11, 23, "勤労感謝の日"}});
}

// 春分日 and 秋分日 (day of March, day of September). 2000-2027 as 国立天文台 published them in the
// 暦要項; 2028-2099 from an independent computation of the equinox instant (Meeus, Astronomical
// Algorithms ch. 27, with ΔT ≈ 69 s, in JST), not from the approximation the library uses. The
// closest call is 2074's September equinox, about 4 minutes after midnight JST.
struct Equinoxes {
  int year;
  unsigned march;
  unsigned september;
};
constexpr Equinoxes kEquinoxes[] = {
    {2000, 20, 23}, {2001, 20, 23}, {2002, 21, 23}, {2003, 21, 23}, {2004, 20, 23}, {2005, 20, 23},
    {2006, 21, 23}, {2007, 21, 23}, {2008, 20, 23}, {2009, 20, 23}, {2010, 21, 23}, {2011, 21, 23},
    {2012, 20, 22}, {2013, 20, 23}, {2014, 21, 23}, {2015, 21, 23}, {2016, 20, 22}, {2017, 20, 23},
    {2018, 21, 23}, {2019, 21, 23}, {2020, 20, 22}, {2021, 20, 23}, {2022, 21, 23}, {2023, 21, 23},
    {2024, 20, 22}, {2025, 20, 23}, {2026, 20, 23}, {2027, 21, 23}, {2028, 20, 22}, {2029, 20, 23},
    {2030, 20, 23}, {2031, 21, 23}, {2032, 20, 22}, {2033, 20, 23}, {2034, 20, 23}, {2035, 21, 23},
    {2036, 20, 22}, {2037, 20, 23}, {2038, 20, 23}, {2039, 21, 23}, {2040, 20, 22}, {2041, 20, 23},
    {2042, 20, 23}, {2043, 21, 23}, {2044, 20, 22}, {2045, 20, 22}, {2046, 20, 23}, {2047, 21, 23},
    {2048, 20, 22}, {2049, 20, 22}, {2050, 20, 23}, {2051, 21, 23}, {2052, 20, 22}, {2053, 20, 22},
    {2054, 20, 23}, {2055, 21, 23}, {2056, 20, 22}, {2057, 20, 22}, {2058, 20, 23}, {2059, 20, 23},
    {2060, 20, 22}, {2061, 20, 22}, {2062, 20, 23}, {2063, 20, 23}, {2064, 20, 22}, {2065, 20, 22},
    {2066, 20, 23}, {2067, 20, 23}, {2068, 20, 22}, {2069, 20, 22}, {2070, 20, 23}, {2071, 20, 23},
    {2072, 20, 22}, {2073, 20, 22}, {2074, 20, 23}, {2075, 20, 23}, {2076, 20, 22}, {2077, 20, 22},
    {2078, 20, 22}, {2079, 20, 23}, {2080, 20, 22}, {2081, 20, 22}, {2082, 20, 22}, {2083, 20, 23},
    {2084, 20, 22}, {2085, 20, 22}, {2086, 20, 22}, {2087, 20, 23}, {2088, 20, 22}, {2089, 20, 22},
    {2090, 20, 22}, {2091, 20, 23}, {2092, 19, 22}, {2093, 20, 22}, {2094, 20, 22}, {2095, 20, 23},
    {2096, 19, 22}, {2097, 20, 22}, {2098, 20, 22}, {2099, 20, 23},
};

TEST(JapanCalendar, EquinoxDays2000To2099) {
  int year_checked = kHolidayRulesFirstYear;
  for (const Equinoxes& e : kEquinoxes) {
    SCOPED_TRACE("year " + std::to_string(e.year));
    ASSERT_EQ(e.year, year_checked++);
    int spring = 0;
    int autumn = 0;
    for (const auto& [day, name] : japan_public_holidays(year{e.year})) {
      if (name == "春分の日") {
        ++spring;
        EXPECT_EQ(format_iso_date(day), format_iso_date(d(e.year, 3, e.march)));
      } else if (name == "秋分の日") {
        ++autumn;
        EXPECT_EQ(format_iso_date(day), format_iso_date(d(e.year, 9, e.september)));
      }
    }
    EXPECT_EQ(spring, 1);
    EXPECT_EQ(autumn, 1);
  }
  EXPECT_EQ(year_checked, kHolidayRulesLastYear + 1);
}

TEST(JapanCalendar, SubstituteHolidays) {
  // Art. 3(2) from 2007: the nearest later day that is not a 国民の祝日.
  for (const sys_days day : {d(2019, 8, 12), d(2020, 5, 6), d(2023, 1, 2), d(2024, 2, 12),
                             d(2025, 11, 24), d(2026, 5, 6), d(2008, 5, 6), d(2013, 5, 6),
                             d(2015, 5, 6), d(2009, 5, 6), d(2017, 1, 2), d(2018, 2, 12)}) {
    EXPECT_EQ(japan_public_holiday(day), "振替休日") << format_iso_date(day);
    EXPECT_FALSE(is_business_day(day)) << format_iso_date(day);
  }
  // Before 2007 the substitute was simply the Monday after.
  EXPECT_EQ(japan_public_holiday(d(2006, 1, 2)), "振替休日");
  EXPECT_EQ(japan_public_holiday(d(2001, 9, 24)), "振替休日");
  EXPECT_EQ(japan_public_holiday(d(2001, 12, 24)), "振替休日");
  // 2003-05-04 was a Sunday between two 祝日: the old Art. 3(3) excluded Sundays, and no 振替休日
  // followed because 5/4 was not a 国民の祝日 itself; so 5/6 was an ordinary Tuesday.
  EXPECT_EQ(japan_public_holiday(d(2003, 5, 4)), std::nullopt);
  EXPECT_TRUE(is_business_day(d(2003, 5, 6)));
  // A holiday on a Saturday has no substitute.
  EXPECT_EQ(japan_public_holiday(d(2026, 1, 3)), std::nullopt);   // not a holiday at all
  EXPECT_EQ(japan_public_holiday(d(2020, 2, 10)), std::nullopt);  // 2/11 was a Tuesday
  EXPECT_TRUE(is_business_day(d(2021, 5, 6)));
  EXPECT_TRUE(is_business_day(d(2022, 4, 30) + days{2}));  // 2022-05-02, 4/29 was a Friday
}

TEST(JapanCalendar, CitizensHolidays) {
  // Art. 3(3): a day between two 国民の祝日.
  for (const sys_days day : {d(2009, 9, 22), d(2015, 9, 22), d(2026, 9, 22), d(2032, 9, 21),
                             d(2019, 4, 30), d(2019, 5, 2)}) {
    EXPECT_EQ(japan_public_holiday(day), "国民の休日") << format_iso_date(day);
  }
  // 2000-2006: 5/4 between 憲法記念日 and こどもの日, unless a Sunday.
  for (const int y : {2000, 2001, 2002, 2004, 2005, 2006}) {
    EXPECT_EQ(japan_public_holiday(d(y, 5, 4)), "国民の休日") << y;
  }
  EXPECT_EQ(japan_public_holiday(d(2007, 5, 4)), "みどりの日");
  EXPECT_EQ(japan_public_holiday(d(2006, 4, 29)), "みどりの日");
  EXPECT_EQ(japan_public_holiday(d(2007, 4, 29)), "昭和の日");
  // Not sandwiched: 2020-09-21/22 are adjacent holidays, 2027-09-21 is between 敬老の日 (9/20) and
  // an ordinary day (秋分 is 9/23).
  EXPECT_TRUE(is_business_day(d(2020, 9, 23)));
  EXPECT_TRUE(is_business_day(d(2027, 9, 21)));
  EXPECT_TRUE(is_business_day(d(2027, 9, 22)));
}

TEST(JapanCalendar, OlderHappyMondayRules) {
  EXPECT_EQ(japan_public_holiday(d(2000, 1, 10)), "成人の日");
  EXPECT_EQ(japan_public_holiday(d(2000, 1, 15)), std::nullopt);
  EXPECT_EQ(japan_public_holiday(d(2002, 7, 20)), "海の日");
  EXPECT_EQ(japan_public_holiday(d(2003, 7, 21)), "海の日");
  EXPECT_EQ(japan_public_holiday(d(2002, 9, 16)), "振替休日");  // 9/15 was a Sunday
  EXPECT_EQ(japan_public_holiday(d(2002, 9, 15)), "敬老の日");
  EXPECT_EQ(japan_public_holiday(d(2003, 9, 15)), "敬老の日");  // the 3rd Monday
  EXPECT_EQ(japan_public_holiday(d(2000, 10, 9)), "体育の日");
  EXPECT_EQ(japan_public_holiday(d(2015, 8, 11)), std::nullopt);  // 山の日 from 2016
  EXPECT_EQ(japan_public_holiday(d(2016, 8, 11)), "山の日");
}

TEST(JapanCalendar, YearEndBreak) {
  EXPECT_FALSE(is_year_end_break(d(2026, 12, 28)));
  EXPECT_TRUE(is_year_end_break(d(2026, 12, 29)));
  EXPECT_TRUE(is_year_end_break(d(2026, 12, 31)));
  EXPECT_TRUE(is_year_end_break(d(2027, 1, 1)));
  EXPECT_TRUE(is_year_end_break(d(2027, 1, 3)));
  EXPECT_FALSE(is_year_end_break(d(2027, 1, 4)));
  EXPECT_TRUE(is_year_end_break(d(2150, 12, 30)));  // any year
  EXPECT_TRUE(is_business_day(d(2026, 12, 28)));    // a Monday
  EXPECT_FALSE(is_business_day(d(2025, 12, 29)));   // a Monday, in the break
  EXPECT_FALSE(is_business_day(d(2026, 12, 30)));   // a Wednesday
  EXPECT_FALSE(is_business_day(d(2026, 1, 2)));     // a Friday
  EXPECT_TRUE(is_business_day(d(2027, 1, 4)));      // a Monday
  EXPECT_TRUE(is_business_day(d(2021, 1, 4)));      // a Monday
  EXPECT_FALSE(is_business_day(d(2026, 1, 4)));     // a Sunday
  EXPECT_TRUE(is_business_day(d(2026, 1, 5)));
}

TEST(JapanCalendar, Weekends) {
  EXPECT_FALSE(is_business_day(d(2026, 11, 28)));  // Saturday
  EXPECT_FALSE(is_business_day(d(2026, 11, 29)));  // Sunday
  EXPECT_TRUE(is_business_day(d(2026, 11, 30)));   // Monday
  EXPECT_FALSE(is_business_day(d(2026, 11, 23)));  // 勤労感謝の日, a Monday
}

sys_days added(sys_days from, int n) {
  const auto r = add_business_days(from, n);
  EXPECT_TRUE(r.has_value()) << format_iso_date(from) << " + " << n << ": "
                             << (r ? std::string{} : r.error().to_string());
  return r ? *r : sys_days{};
}

TEST(JapanCalendar, AddBusinessDaysAcrossWeekends) {
  EXPECT_EQ(format_iso_date(added(d(2026, 12, 2), 5)), "2026-12-09");  // Wed + 5
  EXPECT_EQ(format_iso_date(added(d(2026, 12, 4), 1)), "2026-12-07");  // Fri + 1
  EXPECT_EQ(format_iso_date(added(d(2026, 12, 5), 1)), "2026-12-07");  // from a Saturday
  EXPECT_EQ(format_iso_date(added(d(2026, 12, 7), 1)), "2026-12-08");
  EXPECT_EQ(format_iso_date(added(d(2026, 11, 20), 1)), "2026-11-24");  // over 勤労感謝の日
  EXPECT_EQ(format_iso_date(added(d(2026, 9, 18), 1)), "2026-09-24");   // over the 2026 silver week
}

TEST(JapanCalendar, AddBusinessDaysAcrossGoldenWeek) {
  // 2026: 4/29 (Wed) 昭和の日, 5/2-5/6 off (Sat, Sun, みどりの日, こどもの日, 振替休日).
  EXPECT_EQ(format_iso_date(added(d(2026, 4, 28), 5)), "2026-05-11");
  EXPECT_EQ(format_iso_date(added(d(2026, 5, 1), 1)), "2026-05-07");
  // 2019: ten days off, Sat 4/27 to Mon 5/6.
  EXPECT_EQ(format_iso_date(added(d(2019, 4, 26), 1)), "2019-05-07");
  EXPECT_EQ(format_iso_date(added(d(2019, 4, 26), 5)), "2019-05-13");
  EXPECT_EQ(business_days_between(d(2019, 4, 26), d(2019, 5, 6)), 0);
  EXPECT_EQ(business_days_between(d(2019, 4, 26), d(2019, 5, 7)), 1);
}

TEST(JapanCalendar, AddBusinessDaysAcrossTheYearEnd) {
  // 2026-12-25 (Fri): 12/28 (Mon), then the break 12/29-1/3, then 1/4-1/7.
  EXPECT_EQ(format_iso_date(added(d(2026, 12, 25), 5)), "2027-01-07");
  EXPECT_EQ(format_iso_date(added(d(2026, 12, 28), 1)), "2027-01-04");
  // 2027-12-28 (Tue) + 1: the break to Mon 1/3, so 2028-01-04 (Tue).
  EXPECT_EQ(format_iso_date(added(d(2027, 12, 28), 1)), "2028-01-04");
  // Over the break and 成人の日 2027-01-11.
  EXPECT_EQ(format_iso_date(added(d(2026, 12, 25), 6)), "2027-01-08");
  EXPECT_EQ(format_iso_date(added(d(2026, 12, 25), 7)), "2027-01-12");
}

TEST(JapanCalendar, LeapYears) {
  EXPECT_TRUE(is_business_day(d(2024, 2, 29)));  // a Thursday
  EXPECT_EQ(format_iso_date(added(d(2024, 2, 28), 1)), "2024-02-29");
  EXPECT_EQ(format_iso_date(added(d(2024, 2, 29), 1)), "2024-03-01");
  EXPECT_EQ(format_iso_date(added(d(2023, 2, 28), 1)), "2023-03-01");
  // 2100 is not a leap year, and not covered.
  EXPECT_EQ(parse_iso_date("2100-02-29"), std::nullopt);
  EXPECT_FALSE(holiday_rules_cover(d(2100, 3, 1)));
  const auto r = add_business_days(d(2099, 12, 28), 1);  // 12/29-31 break, so 2100 is needed
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  EXPECT_NE(r.error().message.find("2100-01-01"), std::string::npos) << r.error().message;
}

TEST(JapanCalendar, AddBusinessDaysRejectsBadCounts) {
  for (const int n : {0, -1, 367, -2147483647 - 1}) {
    const auto r = add_business_days(d(2026, 12, 2), n);
    ASSERT_FALSE(r.has_value()) << n;
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().message.find(std::to_string(n)), std::string::npos) << r.error().message;
  }
  // 366 business days span about a year and a half.
  const sys_days far = added(d(2026, 1, 1), 366);
  EXPECT_EQ(business_days_between(d(2026, 1, 1), far), 366);
  EXPECT_TRUE(is_business_day(far));
}

TEST(JapanCalendar, Coverage) {
  EXPECT_FALSE(holiday_rules_cover(d(1999, 12, 31)));
  EXPECT_TRUE(holiday_rules_cover(d(2000, 1, 1)));
  EXPECT_TRUE(holiday_rules_cover(d(2099, 12, 31)));
  EXPECT_FALSE(holiday_rules_cover(d(2100, 1, 1)));
  EXPECT_EQ(japan_public_holiday(d(1999, 1, 1)), std::nullopt);
  EXPECT_EQ(japan_public_holiday(d(2100, 1, 1)), std::nullopt);
  EXPECT_EQ(japan_public_holiday(d(2000, 1, 1)), "元日");
  EXPECT_EQ(japan_public_holiday(d(2099, 11, 23)), "勤労感謝の日");
  EXPECT_TRUE(japan_public_holidays(year{1999}).empty());
  EXPECT_TRUE(japan_public_holidays(year{2100}).empty());
  EXPECT_FALSE(japan_public_holidays(year{2000}).empty());
  EXPECT_FALSE(japan_public_holidays(year{2099}).empty());
  // The last business days that can be reached.
  EXPECT_EQ(format_iso_date(added(d(2099, 12, 24), 1)), "2099-12-25");  // Thu + 1
  EXPECT_EQ(format_iso_date(added(d(2099, 12, 24), 2)), "2099-12-28");  // the next Monday
  EXPECT_FALSE(add_business_days(d(2099, 12, 24), 3).has_value());
  // From before the covered years: the days needed are in them.
  EXPECT_EQ(format_iso_date(added(d(1999, 12, 31), 1)), "2000-01-04");
  EXPECT_FALSE(add_business_days(d(1990, 1, 1), 1).has_value());
}

TEST(JapanCalendar, BusinessDaysBetween) {
  EXPECT_EQ(business_days_between(d(2026, 12, 2), d(2026, 12, 2)), 0);
  EXPECT_EQ(business_days_between(d(2026, 12, 9), d(2026, 12, 2)), 0);
  EXPECT_EQ(business_days_between(d(2026, 12, 2), d(2026, 12, 9)), 5);
  EXPECT_EQ(business_days_between(d(2026, 12, 25), d(2027, 1, 7)), 5);
  // 2026: 365 days - 104 weekend days - 17 weekday holidays - 4 weekday break days (1/2, 12/29-31).
  EXPECT_EQ(business_days_between(d(2025, 12, 31), d(2026, 12, 31)), 240);
  // The inverse of add_business_days.
  for (sys_days from = d(2018, 12, 20); from < d(2021, 1, 10); from += days{3}) {
    for (const int n : {1, 2, 5, 10, 30}) {
      EXPECT_EQ(business_days_between(from, added(from, n)), n) << format_iso_date(from);
    }
  }
}

TEST(JapanCalendar, BusinessDaysBetweenOutsideTheCoveredYears) {
  // There only weekends and the break are known; the count agrees with is_business_day day by day.
  const auto by_day = [](sys_days from, sys_days to) {
    int n = 0;
    for (sys_days x = from + days{1}; x <= to; x += days{1}) n += is_business_day(x) ? 1 : 0;
    return n;
  };
  EXPECT_TRUE(is_business_day(d(2100, 1, 4)));  // a Monday, holidays unknown
  EXPECT_FALSE(is_business_day(d(2100, 1, 1)));
  for (const auto& [from, to] :
       {std::pair{d(2099, 12, 20), d(2100, 1, 10)}, std::pair{d(1999, 12, 1), d(2000, 1, 31)},
        std::pair{d(1601, 3, 1), d(2003, 7, 7)}, std::pair{d(2095, 5, 5), d(2600, 6, 30)},
        std::pair{d(1995, 1, 1), d(2105, 1, 1)}}) {
    EXPECT_EQ(business_days_between(from, to), by_day(from, to))
        << format_iso_date(from) << ".." << format_iso_date(to);
  }
  // 2100-01-04 .. 01-08 are Monday to Friday.
  EXPECT_EQ(business_days_between(d(2099, 12, 31), d(2100, 1, 10)), 5);
}

TEST(JapanCalendar, ParseIsoDateIsStrict) {
  EXPECT_EQ(parse_iso_date("2024-02-29"), d(2024, 2, 29));
  EXPECT_EQ(parse_iso_date("2026-12-02"), d(2026, 12, 2));
  EXPECT_EQ(parse_iso_date("1900-01-01"), d(1900, 1, 1));
  EXPECT_EQ(parse_iso_date("9999-12-31"), d(9999, 12, 31));
  for (const std::string_view bad : {"2023-02-29",
                                     "2024-2-29",
                                     "2024-02-9",
                                     "2024-02-29 ",
                                     " 2024-02-29",
                                     "2024-02-29x",
                                     "2024-02-29T00:00:00",
                                     "2024/02/29",
                                     "2024-02/29",
                                     "20a4-02-29",
                                     "2024-0a-29",
                                     "2024-02-2a",
                                     "+024-02-29",
                                     "-024-02-29",
                                     "2024-+2-29",
                                     "2024--2-29",
                                     "1899-12-31",
                                     "0000-01-01",
                                     "2024-13-01",
                                     "2024-00-10",
                                     "2024-01-00",
                                     "2024-04-31",
                                     "2024-01-32",
                                     "",
                                     "2024",
                                     "2024-02-2\xef\xbc\x99",
                                     "２０２４-02-29",
                                     "20240229",
                                     "2024-02-29\n"}) {
    EXPECT_EQ(parse_iso_date(bad), std::nullopt) << "'" << bad << "'";
  }
  EXPECT_EQ(parse_iso_date(std::string_view{"2024-02-29\0", 11}), std::nullopt);
}

TEST(JapanCalendar, FormatIsoDate) {
  EXPECT_EQ(format_iso_date(d(2026, 12, 2)), "2026-12-02");
  EXPECT_EQ(format_iso_date(d(1900, 1, 1)), "1900-01-01");
  EXPECT_EQ(format_iso_date(d(2024, 2, 29)), "2024-02-29");
  EXPECT_EQ(format_iso_date(sys_days{}), "1970-01-01");
  for (sys_days x = d(2023, 12, 25); x < d(2025, 1, 10); x += days{1}) {
    EXPECT_EQ(parse_iso_date(format_iso_date(x)), x);
  }
}

}  // namespace
}  // namespace onshi
