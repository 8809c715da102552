// The Japanese business-day calendar (dates in Japan time; see japan_time.hpp's japan_day()):
// public holidays, the year-end/new-year break and business-day arithmetic, e.g. for "the download
// notice comes about 5 business days after applying, excluding Saturdays, Sundays, public holidays
// and the year-end/new-year break (12/29-1/3)".
//
// The holidays are computed from the rules of the law, not read from a list.
// - 国民の祝日に関する法律 (昭和23年法律第178号) as amended:
//   Happy Monday 成人の日 and 体育の日 from 2000 (平成10年法律第141号);
//   海の日 and 敬老の日 from 2003 (平成13年法律第59号);
//   昭和の日 4/29, みどりの日 5/4 and today's Art. 3(2)/(3) from 2007 (平成17年法律第43号);
//   山の日 from 2016 (平成26年法律第43号);
//   体育の日 renamed スポーツの日 from 2020 (平成30年法律第57号).
//   Art. 3(2) 振替休日: before 2007 "the next day"; from 2007 "the nearest later day that is
//   not a 国民の祝日". Art. 3(3) 国民の休日: before 2007 not on a Sunday nor a 振替休日.
// - 建国記念の日 2/11: 建国記念の日となる日を定める政令 (昭和41年政令第376号).
// - 天皇誕生日 12/23 up to 2018, 2/23 from 2020, none in 2019:
//   天皇の退位等に関する皇室典範特例法 (平成29年法律第63号) 附則第10条.
// - 春分日/秋分日: the law names the astronomical days, which 国立天文台 announces in its
//   「暦要項」 in the 官報 each February for the next year. Here the usual approximation,
//   valid 1980-2099: floor(20.8431 + 0.242194 (Y-1980) - floor((Y-1980)/4)) in March, with
//   23.2488 in September.
// - 2019: 5/1 (即位の日) and 10/22 (即位礼正殿の儀) are holidays that count as 国民の祝日,
//   which makes 4/30 and 5/2 国民の休日: 天皇の即位の日及び即位礼正殿の儀の行われる日を
//   休日とする法律 (平成30年法律第99号).
// - 2020: 海の日 7/23, スポーツの日 7/24, 山の日 8/10: the Tokyo Olympic and Paralympic
//   special measures act (平成27年法律第33号) Art. 32, as amended by 平成30年法律第55号.
// - 2021: 海の日 7/22, スポーツの日 7/23, 山の日 8/8 (so 8/9 振替休日): the same Art. 32(2),
//   as amended by 令和2年法律第68号. In 2020 and 2021 the usual days are ordinary days.
// Checked against 内閣府「国民の祝日について」 and its syukujitsu.csv, which labels every
// 振替休日 and 国民の休日 "休日", and 2019-05-01 and 2019-10-22 "休日（祝日扱い）".
//
// The year-end/new-year break is 12/29-1/3 as the notices state it; it is also the government
// offices' closure (行政機関の休日に関する法律, 昭和63年法律第91号, Art. 1(1)(iii)).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "onshi/result.hpp"

namespace onshi {

// Years whose holidays the rules below know (law as amended through 2021 + exception table).
inline constexpr int kHolidayRulesFirstYear = 2000;
inline constexpr int kHolidayRulesLastYear = 2099;

// Whether `day` lies in kHolidayRulesFirstYear..kHolidayRulesLastYear.
bool holiday_rules_cover(std::chrono::sys_days day);

// The public holiday's Japanese name ("元日", "成人の日", "振替休日", "国民の休日", "即位の日", …)
// or nullopt. Outside the covered years: nullopt (callers check holiday_rules_cover first).
std::optional<std::string_view> japan_public_holiday(std::chrono::sys_days day);

// All holidays of a covered year in date order (empty outside).
std::vector<std::pair<std::chrono::sys_days, std::string_view>> japan_public_holidays(
    std::chrono::year y);

// Dec 29 – Jan 3 inclusive, any year.
bool is_year_end_break(std::chrono::sys_days day);

// Not Saturday or Sunday, not a public holiday, not in the year-end break. Outside the covered
// years holidays are unknown, so only weekends and the break are excluded there.
bool is_business_day(std::chrono::sys_days day);

// The n-th business day after `from` (from itself never counts; n >= 1). Errc::invalid_argument
// when n < 1 or n > 366 or a day outside the covered years would be needed.
Result<std::chrono::sys_days> add_business_days(std::chrono::sys_days from, int n);

// Business days in (from, to]: 0 when to <= from. Days outside the covered years count as
// is_business_day() says (weekends and the break only).
int business_days_between(std::chrono::sys_days from, std::chrono::sys_days to);

// Strict "YYYY-MM-DD" (exactly 10 chars, a real calendar date, year 1900–9999) → day; nullopt
// otherwise.
std::optional<std::chrono::sys_days> parse_iso_date(std::string_view text);

// "2026-12-02".
std::string format_iso_date(std::chrono::sys_days day);

}  // namespace onshi
