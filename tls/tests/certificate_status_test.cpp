#include "onshi/tls/certificate_status.hpp"

#include <gtest/gtest.h>

namespace onshi::tls {
namespace {

using namespace std::chrono;

// Expiry at 2029-03-01 00:00 JST = 2029-02-28 15:00 UTC.
const sys_seconds kNotAfter = sys_days{year{2029} / 2 / 28} + hours{15};
const sys_seconds kNotBefore = sys_days{year{2025} / 12 / 1};

sys_seconds japan_noon(year_month_day d) { return sys_days{d} + hours{3}; }

TEST(ExpiryStatus, StagesFollowTheCaSchedule) {
  // eligibility-system.md §3.1: warnings at 90/60/30/15/7 days, then daily.
  struct Case {
    int days_before;
    ExpiryStage stage;
  };
  const sys_days expiry_day{year{2029} / 3 / 1};
  for (const auto& c :
       {Case{200, ExpiryStage::ok}, Case{91, ExpiryStage::ok}, Case{90, ExpiryStage::days_90},
        Case{61, ExpiryStage::days_90}, Case{60, ExpiryStage::days_60},
        Case{30, ExpiryStage::days_30}, Case{15, ExpiryStage::days_15},
        Case{7, ExpiryStage::days_7}, Case{2, ExpiryStage::days_7}, Case{1, ExpiryStage::daily}}) {
    const auto today = japan_noon(year_month_day{expiry_day - days{c.days_before}});
    const auto s = expiry_status(kNotBefore, kNotAfter, today);
    EXPECT_EQ(s.stage, c.stage) << c.days_before;
    EXPECT_EQ(s.days_left, c.days_before);
  }
}

TEST(ExpiryStatus, ExpiredAndNotYetValid) {
  auto s = expiry_status(kNotBefore, kNotAfter, kNotAfter);
  EXPECT_EQ(s.stage, ExpiryStage::expired);
  EXPECT_NE(s.next_action.find("2029-03-01"), std::string::npos) << s.next_action;
  s = expiry_status(kNotBefore, kNotAfter, kNotBefore - seconds{1});
  EXPECT_EQ(s.stage, ExpiryStage::not_yet_valid);
  EXPECT_NE(s.next_action.find("clock"), std::string::npos);
}

TEST(ExpiryStatus, DaysCountInJapaneseDates) {
  // 2029-02-28 14:59 UTC is already 23:59 on the 28th in Japan: one day left, the last day.
  const auto s = expiry_status(kNotBefore, kNotAfter, kNotAfter - minutes{1});
  EXPECT_EQ(s.days_left, 1);
  EXPECT_EQ(s.stage, ExpiryStage::daily);
  EXPECT_NE(s.next_action.find("URGENT"), std::string::npos);
}

TEST(ExpiryStatus, NextActionNamesThePortalAndTheImport) {
  const auto s = expiry_status(kNotBefore, kNotAfter, kNotAfter - days{45});
  EXPECT_EQ(s.stage, ExpiryStage::days_60);
  EXPECT_NE(s.next_action.find("ポータルサイト"), std::string::npos);
  EXPECT_NE(s.next_action.find("onshictl cert import"), std::string::npos);
  EXPECT_EQ(expiry_stage_name(s.stage), "60_days");
}

}  // namespace
}  // namespace onshi::tls
