// Where a record stands today (assessment.hpp). Every expected date below was worked out by hand
// from the calendar (and checked with `date -d`), not taken from the code:
//  - business days exclude Sat/Sun, public holidays and 12/29–1/3;
//  - the download deadline is the issue date + 180 days, that day included;
//  - a certificate's days left count Japanese calendar days to the day of its notAfter.
#include "onshi/ledger/assessment.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "test_dates.hpp"

namespace onshi::ledger {
namespace {

using test::d;
using test::jst;

using namespace std::chrono;
using ::testing::HasSubstr;

const TerminalId kA{"0123456789abcdef0123456789abcdef", "uketsuke-1"};
constexpr const char* kCode = "1310123458";  // 東京都, 医科
constexpr const char* kName = "受付1号機";

Record base(std::string id, State state) {
  Record r;
  r.generation = 1;
  r.id = id;
  r.request_id = std::move(id);
  r.institution = kCode;
  r.terminal_name = kName;
  r.contact.department_person = "医事課 山田";
  r.state = state;
  r.history.push_back({StepKind::applied, {}, {}, kA, ""});
  return r;
}

Record applied(sys_days on, std::string id = "R100") {
  Record r = base(std::move(id), State::applied);
  r.applied_on = on;
  return r;
}

Record issued(sys_days on, std::string id = "R200") {
  Record r = base(std::move(id), State::issued);
  r.applied_on = on - days{5};
  r.issued_on = on;
  return r;
}

// Imported; valid from 10:00 JST on `from` to 23:59:59 JST on `until`, as the CA issues them.
Record imported(sys_days from, sys_days until, std::string id = "R300") {
  Record r = base(std::move(id), State::imported);
  r.applied_on = from - days{4};
  r.issued_on = from;
  CertificateFacts c;
  c.sha256 = std::string(64, 'a');
  c.not_before = sys_seconds{from} + hours{10} - hours{9};
  c.not_after = sys_seconds{until} + hours{23} + minutes{59} + seconds{59} - hours{9};
  r.certificate = c;
  r.imported_by = kA;
  r.imported_at = c.not_before;
  return r;
}

// ---- the notice window --------------------------------------------------------------------------

// Thu 2026-03-05: +1 Fri 3/6, +2 Mon 3/9 (the weekend skipped), +3 Tue, +4 Wed, +5 Thu 3/12.
TEST(Assessment, TheNoticeWindowSkipsTheWeekend) {
  const Assessment a = assess(applied(d(2026, 3, 5)), jst(2026, 3, 5, 16));
  EXPECT_EQ(a.stage, Stage::awaiting_notice);
  EXPECT_EQ(a.urgency, Urgency::none);
  EXPECT_EQ(a.notice_earliest, d(2026, 3, 9));
  EXPECT_EQ(a.notice_latest, d(2026, 3, 12));
  EXPECT_EQ(a.days_left, 7);
  EXPECT_FALSE(a.in_warning_window());
  EXPECT_THAT(a.next_action, HasSubstr("2026-03-09"));
  EXPECT_THAT(a.next_action, HasSubstr("2026-03-12"));
  EXPECT_THAT(a.next_action, HasSubstr("R100"));
}

// Tue 2026-04-28: 4/29 昭和の日; +1 Thu 4/30, +2 Fri 5/1; 5/2-3 weekend, 5/4 みどりの日, 5/5
// こどもの 日, 5/6 振替休日 (for 憲法記念日 on Sunday 5/3); +3 Thu 5/7, +4 Fri 5/8; weekend; +5 Mon
// 5/11.
TEST(Assessment, TheNoticeWindowSkipsGoldenWeek) {
  const Assessment a = assess(applied(d(2026, 4, 28)), jst(2026, 4, 28));
  EXPECT_EQ(a.notice_earliest, d(2026, 5, 1));
  EXPECT_EQ(a.notice_latest, d(2026, 5, 11));
}

// Fri 2026-12-25: Sat, Sun, +1 Mon 12/28 (the break starts on the 29th); 12/29-1/3 break; +2 Mon
// 2027-01-04, +3 Tue, +4 Wed, +5 Thu 1/7 (成人の日 is 1/11).
TEST(Assessment, TheNoticeWindowSkipsTheYearEndBreak) {
  const Assessment a = assess(applied(d(2026, 12, 25)), jst(2026, 12, 25));
  EXPECT_EQ(a.stage, Stage::awaiting_notice);
  EXPECT_EQ(a.notice_earliest, d(2027, 1, 4));
  EXPECT_EQ(a.notice_latest, d(2027, 1, 7));
}

TEST(Assessment, TheNoticeIsOverdueTheDayAfterTheLatestDay) {
  const Record r = applied(d(2026, 3, 5));
  Assessment a = assess(r, jst(2026, 3, 12, 23, 59, 59));
  EXPECT_EQ(a.stage, Stage::awaiting_notice);
  EXPECT_EQ(a.days_left, 0);
  EXPECT_EQ(a.urgency, Urgency::none);

  a = assess(r, jst(2026, 3, 13, 0, 0, 0));
  EXPECT_EQ(a.stage, Stage::notice_overdue);
  EXPECT_EQ(a.urgency, Urgency::warning);
  EXPECT_EQ(a.warning, "notice_overdue");
  EXPECT_EQ(a.days_left, -1);
  EXPECT_TRUE(a.in_warning_window());
  EXPECT_FALSE(is_closed(a.stage));
  EXPECT_THAT(a.next_action, HasSubstr("電子証明書申請状況照会"));
  EXPECT_THAT(a.next_action, HasSubstr("2026-03-12"));
}

// ---- the download deadline ----------------------------------------------------------------------

TEST(Assessment, TheDownloadDeadlineIs180DaysAfterTheIssueDate) {
  // Jan 1 + 30 = Jan 31, +28 = Feb 28, +31 = Mar 31, +30 = Apr 30, +31 = May 31, +30 = Jun 30.
  EXPECT_EQ(download_deadline(d(2026, 1, 1)), d(2026, 6, 30));
  // Sep 2 + 28 = Sep 30, +31 Oct, +30 Nov, +31 Dec (120), +31 Jan (151), +29 = Feb 29 2028.
  EXPECT_EQ(download_deadline(d(2027, 9, 2)), d(2028, 2, 29));
  EXPECT_EQ(download_deadline(d(2027, 9, 1)), d(2028, 2, 28));
  const Assessment a = assess(issued(d(2026, 1, 1)), jst(2026, 1, 5));
  EXPECT_EQ(a.download_deadline, d(2026, 6, 30));
}

TEST(Assessment, AwaitingDownloadWarnsAt30And7DaysAndOnTheLastDay) {
  const Record r = issued(d(2026, 1, 1));  // deadline Tue 2026-06-30
  struct Case {
    sys_days today;
    int days_left;
    Urgency urgency;
    std::string warning;
  };
  for (const Case& c : std::vector<Case>{
           {d(2026, 1, 2), 179, Urgency::notice, ""},
           {d(2026, 5, 30), 31, Urgency::notice, ""},
           {d(2026, 5, 31), 30, Urgency::warning, "download_30_days"},
           {d(2026, 6, 22), 8, Urgency::warning, "download_30_days"},
           {d(2026, 6, 23), 7, Urgency::urgent, "download_7_days"},
           {d(2026, 6, 29), 1, Urgency::urgent, "download_7_days"},
           {d(2026, 6, 30), 0, Urgency::critical, "download_last_day"},
       }) {
    SCOPED_TRACE(std::to_string(c.days_left) + " days left");
    const Assessment a = assess(r, sys_seconds{c.today} + hours{3});  // 12:00 JST
    EXPECT_EQ(a.stage, Stage::awaiting_download);
    EXPECT_FALSE(is_closed(a.stage));
    EXPECT_EQ(a.days_left, c.days_left);
    EXPECT_EQ(a.urgency, c.urgency);
    EXPECT_EQ(a.warning, c.warning);
    EXPECT_THAT(a.next_action, HasSubstr("2026-06-30"));
  }
}

TEST(Assessment, TheDownloadExpiresTheDayAfterTheDeadlineInJapanTime) {
  const Record r = issued(d(2026, 1, 1));
  // 2026-06-30T14:59:59Z is 23:59:59 on the 30th in Japan: still the last day.
  Assessment a = assess(r, sys_seconds{d(2026, 6, 30)} + hours{14} + minutes{59} + seconds{59});
  EXPECT_EQ(a.stage, Stage::awaiting_download);
  EXPECT_EQ(a.days_left, 0);
  EXPECT_EQ(a.warning, "download_last_day");
  // 15:00Z is 00:00 on 7/1 in Japan.
  a = assess(r, sys_seconds{d(2026, 6, 30)} + hours{15});
  EXPECT_EQ(a.stage, Stage::download_expired);
  EXPECT_EQ(a.days_left, -1);
  EXPECT_EQ(a.urgency, Urgency::critical);
  EXPECT_TRUE(is_closed(a.stage));
  EXPECT_THAT(a.next_action, HasSubstr("apply for a new certificate"));
}

TEST(Assessment, TheLeapDayIsALastDownloadDay) {
  const Record r = issued(d(2027, 9, 2));
  Assessment a = assess(r, jst(2028, 2, 29));
  EXPECT_EQ(a.stage, Stage::awaiting_download);
  EXPECT_EQ(a.days_left, 0);
  a = assess(r, jst(2028, 3, 1, 0));
  EXPECT_EQ(a.stage, Stage::download_expired);
}

// ---- an imported certificate --------------------------------------------------------------------

// Valid to 2029-04-09 23:59:59 JST. 90 days before is 2029-01-09 (Apr 9 → Mar 31: 9, → Feb 28:
// 40, → Jan 31: 68, → Jan 9: 90).
TEST(Assessment, AnImportedCertificateIsActiveUntil90DaysAreLeft) {
  const Record r = imported(d(2026, 1, 10), d(2029, 4, 9));
  Assessment a = assess(r, jst(2029, 1, 8, 23, 59, 59));
  EXPECT_EQ(a.stage, Stage::active);
  EXPECT_EQ(a.urgency, Urgency::none);
  EXPECT_EQ(a.warning, "");
  EXPECT_EQ(a.days_left, 91);
  EXPECT_EQ(a.expires_on, d(2029, 4, 9));

  a = assess(r, jst(2029, 1, 9, 0));
  EXPECT_EQ(a.stage, Stage::renewal_due);
  EXPECT_EQ(a.days_left, 90);
  EXPECT_EQ(a.warning, "90_days");
  EXPECT_EQ(a.urgency, Urgency::warning);
  EXPECT_TRUE(a.in_warning_window());
}

TEST(Assessment, RenewalUrgencyRisesAsTheExpiryNears) {
  const Record r = imported(d(2026, 1, 10), d(2029, 4, 9));
  struct Case {
    sys_days today;
    int days_left;
    std::string warning;
    Urgency urgency;
  };
  for (const Case& c : std::vector<Case>{
           {d(2029, 2, 7), 61, "90_days", Urgency::warning},
           {d(2029, 2, 8), 60, "60_days", Urgency::warning},
           {d(2029, 3, 10), 30, "30_days", Urgency::warning},
           {d(2029, 3, 25), 15, "15_days", Urgency::urgent},
           {d(2029, 4, 2), 7, "7_days", Urgency::urgent},
           {d(2029, 4, 8), 1, "daily", Urgency::critical},
       }) {
    SCOPED_TRACE(std::to_string(c.days_left) + " days left");
    const Assessment a = assess(r, sys_seconds{c.today} + hours{3});
    EXPECT_EQ(a.stage, Stage::renewal_due);
    EXPECT_EQ(a.days_left, c.days_left);
    EXPECT_EQ(a.warning, c.warning);
    EXPECT_EQ(a.urgency, c.urgency);
  }
}

TEST(Assessment, OnItsExpiryDayACertificateIsStillInUseThenExpires) {
  const Record r = imported(d(2026, 1, 10), d(2029, 4, 9));
  Assessment a = assess(r, jst(2029, 4, 9, 12));
  EXPECT_EQ(a.stage, Stage::renewal_due);
  EXPECT_EQ(a.urgency, Urgency::critical);
  EXPECT_EQ(a.days_left, 0);
  EXPECT_FALSE(is_closed(a.stage));
  EXPECT_EQ(a.expires_on, d(2029, 4, 9));

  a = assess(r, jst(2029, 4, 10, 0, 0, 0));  // the second after 23:59:59
  EXPECT_EQ(a.stage, Stage::expired);
  EXPECT_EQ(a.urgency, Urgency::critical);
  EXPECT_EQ(a.warning, "expired");
  EXPECT_EQ(a.days_left, -1);
  EXPECT_TRUE(is_closed(a.stage));
}

TEST(Assessment, ACertificateNotValidYet) {
  const Record r = imported(d(2026, 1, 10), d(2029, 4, 9));
  const Assessment a = assess(r, jst(2026, 1, 10, 9, 59, 59));
  EXPECT_EQ(a.stage, Stage::not_yet_valid);
  EXPECT_EQ(a.urgency, Urgency::warning);
  EXPECT_EQ(a.warning, "not_yet_valid");
  EXPECT_FALSE(is_closed(a.stage));
  EXPECT_EQ(assess(r, jst(2026, 1, 10, 10)).stage, Stage::active);
}

TEST(Assessment, ClosedRecordsNeedNothing) {
  Record r = imported(d(2026, 1, 10), d(2029, 4, 9));
  r.state = State::revoked;
  r.revoked_on = d(2026, 5, 1);
  Assessment a = assess(r, jst(2026, 6, 1));
  EXPECT_EQ(a.stage, Stage::revoked);
  EXPECT_EQ(a.urgency, Urgency::none);
  EXPECT_TRUE(is_closed(a.stage));
  EXPECT_THAT(a.next_action, HasSubstr("2026-05-01"));

  r = imported(d(2026, 1, 10), d(2029, 4, 9));
  r.state = State::replaced;
  r.replaced_by = "R999";
  a = assess(r, jst(2029, 4, 1));  // would be renewal_due if it were in use
  EXPECT_EQ(a.stage, Stage::replaced);
  EXPECT_EQ(a.urgency, Urgency::none);
  EXPECT_THAT(a.next_action, HasSubstr("R999"));

  r = applied(d(2026, 3, 5));
  r.state = State::cancelled;
  r.cancelled_on = d(2026, 3, 6);
  a = assess(r, jst(2026, 4, 1));  // would be notice_overdue
  EXPECT_EQ(a.stage, Stage::cancelled);
  EXPECT_EQ(a.urgency, Urgency::none);
}

TEST(Assessment, StageAndUrgencyNames) {
  EXPECT_EQ(stage_name(Stage::awaiting_notice), "awaiting_notice");
  EXPECT_EQ(stage_name(Stage::download_expired), "download_expired");
  EXPECT_EQ(stage_name(Stage::renewal_due), "renewal_due");
  EXPECT_EQ(stage_name(Stage::missing), "missing");
  EXPECT_EQ(urgency_name(Urgency::none), "none");
  EXPECT_EQ(urgency_name(Urgency::critical), "critical");
  EXPECT_FALSE(is_closed(Stage::missing));
  EXPECT_FALSE(is_closed(Stage::active));
  EXPECT_TRUE(is_closed(Stage::expired));
}

// ---- one terminal's certificate for one institution ---------------------------------------------

TEST(AssessTerminal, NoRecordsIsMissingAndNeedsAnApplication) {
  const TerminalAssessment t = assess_terminal({}, kCode, kName, jst(2026, 3, 10));
  EXPECT_EQ(t.institution, kCode);
  EXPECT_EQ(t.terminal_name, kName);
  EXPECT_EQ(t.stage, Stage::missing);
  EXPECT_TRUE(t.needs_application);
  EXPECT_FALSE(t.has_certificate);
  EXPECT_FALSE(t.in_use);
  EXPECT_FALSE(t.pending);
  EXPECT_EQ(t.urgency, Urgency::critical);
  EXPECT_THAT(t.next_action, HasSubstr(kCode));
}

TEST(AssessTerminal, AnActiveCertificate) {
  const std::vector<Record> records{imported(d(2026, 1, 10), d(2029, 4, 9))};
  const TerminalAssessment t = assess_terminal(records, kCode, kName, jst(2026, 3, 10));
  EXPECT_EQ(t.stage, Stage::active);
  EXPECT_EQ(t.urgency, Urgency::none);
  EXPECT_TRUE(t.has_certificate);
  EXPECT_FALSE(t.needs_application);
  ASSERT_TRUE(t.in_use);
  EXPECT_EQ(t.in_use->id, "R300");
  EXPECT_FALSE(t.pending);
}

TEST(AssessTerminal, ARenewalDueCertificateNeedsAnApplication) {
  const std::vector<Record> records{imported(d(2026, 1, 10), d(2029, 4, 9))};
  const TerminalAssessment t = assess_terminal(records, kCode, kName, jst(2029, 3, 1));
  EXPECT_EQ(t.stage, Stage::renewal_due);
  EXPECT_TRUE(t.has_certificate);
  EXPECT_TRUE(t.needs_application);
  EXPECT_EQ(t.urgency, Urgency::warning);  // 39 days left
}

// 10 days before the expiry (urgent), with the renewal applied for yesterday (not overdue): the
// next action is the pending application's, the urgency the old certificate's.
TEST(AssessTerminal, ARenewalDueCertificateWithAPendingApplication) {
  const std::vector<Record> records{imported(d(2026, 1, 10), d(2029, 4, 9)),
                                    applied(d(2029, 3, 29), "R400")};
  const TerminalAssessment t = assess_terminal(records, kCode, kName, jst(2029, 3, 30));
  EXPECT_EQ(t.stage, Stage::awaiting_notice);
  ASSERT_TRUE(t.pending);
  EXPECT_EQ(t.pending->id, "R400");
  ASSERT_TRUE(t.in_use);
  EXPECT_EQ(t.in_use->id, "R300");
  ASSERT_TRUE(t.in_use_assessment);
  EXPECT_EQ(t.in_use_assessment->urgency, Urgency::urgent);
  EXPECT_GE(t.urgency, t.in_use_assessment->urgency);
  EXPECT_TRUE(t.has_certificate);
  EXPECT_FALSE(t.needs_application);
  EXPECT_THAT(t.next_action, HasSubstr("R400"));
  EXPECT_THAT(t.next_action, HasSubstr("2029-04-09"));  // the old one's expiry is mentioned
}

// With a certificate more than 90 days from its expiry, an early application sets the stage and
// carries its own urgency only.
TEST(AssessTerminal, AnActiveCertificateWithAPendingDownload) {
  const std::vector<Record> records{imported(d(2026, 1, 10), d(2029, 4, 9)),
                                    issued(d(2026, 3, 1), "R401")};
  const TerminalAssessment t = assess_terminal(records, kCode, kName, jst(2026, 3, 10));
  EXPECT_EQ(t.stage, Stage::awaiting_download);
  EXPECT_EQ(t.urgency, Urgency::notice);
  EXPECT_TRUE(t.has_certificate);
  EXPECT_FALSE(t.needs_application);
}

TEST(AssessTerminal, AnExpiredCertificateWithNothingPendingNeedsAnApplication) {
  const std::vector<Record> records{imported(d(2026, 1, 10), d(2029, 4, 9))};
  const TerminalAssessment t = assess_terminal(records, kCode, kName, jst(2029, 4, 12));
  EXPECT_EQ(t.stage, Stage::expired);
  EXPECT_TRUE(t.needs_application);
  EXPECT_FALSE(t.has_certificate);
  EXPECT_EQ(t.urgency, Urgency::critical);
  EXPECT_THAT(t.next_action, HasSubstr("onshictl cert applied"));
}

// Without a usable certificate the terminal cannot connect: a pending application is at least a
// warning.
TEST(AssessTerminal, AnExpiredCertificateWithAPendingApplication) {
  const std::vector<Record> records{imported(d(2026, 1, 10), d(2029, 4, 9)),
                                    applied(d(2029, 4, 11), "R402")};
  const TerminalAssessment t = assess_terminal(records, kCode, kName, jst(2029, 4, 12));
  EXPECT_EQ(t.stage, Stage::awaiting_notice);
  EXPECT_FALSE(t.has_certificate);
  EXPECT_FALSE(t.needs_application);
  EXPECT_GE(t.urgency, Urgency::warning);
}

TEST(AssessTerminal, ADownloadExpiredRecordAloneNeedsAnApplication) {
  const std::vector<Record> records{issued(d(2026, 1, 1))};
  const TerminalAssessment t = assess_terminal(records, kCode, kName, jst(2026, 7, 1));
  EXPECT_EQ(t.stage, Stage::download_expired);
  EXPECT_TRUE(t.needs_application);
  EXPECT_FALSE(t.has_certificate);
  EXPECT_FALSE(t.pending);
  EXPECT_EQ(t.urgency, Urgency::critical);
  EXPECT_THAT(t.next_action, HasSubstr("2026-06-30"));
}

TEST(AssessTerminal, RecordsOfOtherInstitutionsAndTerminalsAreIgnored) {
  Record other_code = imported(d(2026, 1, 10), d(2029, 4, 9), "R500");
  other_code.institution = "1330123454";
  Record other_name = imported(d(2026, 1, 10), d(2029, 4, 9), "R501");
  other_name.terminal_name = "受付2号機";
  Record other_pending = applied(d(2026, 3, 9), "R502");
  other_pending.terminal_name = "受付2号機";
  const std::vector<Record> records{other_code, other_name, other_pending};
  const TerminalAssessment t = assess_terminal(records, kCode, kName, jst(2026, 3, 10));
  EXPECT_EQ(t.stage, Stage::missing);
  EXPECT_TRUE(t.needs_application);
  EXPECT_FALSE(t.in_use);
  EXPECT_FALSE(t.pending);
}

TEST(AssessTerminal, TheUsableCertificateIsInUseOverAnExpiredOne) {
  Record old = imported(d(2023, 1, 10), d(2026, 4, 9), "R600");  // expired on 2026-04-09
  Record current = imported(d(2026, 3, 20), d(2029, 6, 19), "R601");
  current.certificate->sha256 = std::string(64, 'b');
  const std::vector<Record> records{current, old};
  TerminalAssessment t = assess_terminal(records, kCode, kName, jst(2026, 5, 1));
  ASSERT_TRUE(t.in_use);
  EXPECT_EQ(t.in_use->id, "R601");
  EXPECT_EQ(t.stage, Stage::active);
  const std::vector<Record> reversed{old, current};
  t = assess_terminal(reversed, kCode, kName, jst(2026, 5, 1));
  EXPECT_EQ(t.in_use->id, "R601");
}

TEST(AssessTerminal, CancelledRevokedAndReplacedRecordsDoNotCount) {
  Record cancelled = applied(d(2026, 3, 5), "R700");
  cancelled.state = State::cancelled;
  cancelled.cancelled_on = d(2026, 3, 6);
  Record revoked = imported(d(2026, 1, 10), d(2029, 4, 9), "R701");
  revoked.state = State::revoked;
  revoked.revoked_on = d(2026, 2, 1);
  const std::vector<Record> records{cancelled, revoked};
  const TerminalAssessment t = assess_terminal(records, kCode, kName, jst(2026, 3, 10));
  EXPECT_EQ(t.stage, Stage::missing);
  EXPECT_TRUE(t.needs_application);
}

// ---- the daily reminder ----------------------------------------------------------------------

TerminalAssessment with_urgency(Urgency u) {
  TerminalAssessment t;
  t.urgency = u;
  return t;
}

TEST(Reminder, OncePerJapaneseDayInAWarningWindow) {
  const TerminalAssessment t = with_urgency(Urgency::warning);
  const sys_seconds now = jst(2026, 5, 31, 9);
  EXPECT_TRUE(reminder_due(t, std::nullopt, now));
  EXPECT_FALSE(reminder_due(t, d(2026, 5, 31), now));
  EXPECT_TRUE(reminder_due(t, d(2026, 5, 30), now));
  EXPECT_TRUE(reminder_due(with_urgency(Urgency::critical), d(2026, 5, 30), now));
  EXPECT_TRUE(reminder_due(with_urgency(Urgency::urgent), std::nullopt, now));
}

TEST(Reminder, NotOutsideAWarningWindow) {
  const sys_seconds now = jst(2026, 5, 31, 9);
  EXPECT_FALSE(reminder_due(with_urgency(Urgency::none), std::nullopt, now));
  EXPECT_FALSE(reminder_due(with_urgency(Urgency::notice), std::nullopt, now));
  EXPECT_FALSE(reminder_due(with_urgency(Urgency::notice), d(2026, 5, 1), now));
}

// The Japanese day turns at 15:00 UTC.
TEST(Reminder, TheDayTurnsAtMidnightJapanTime) {
  const TerminalAssessment t = with_urgency(Urgency::warning);
  const sys_seconds utc_1459 = sys_seconds{d(2026, 5, 31)} + hours{14} + minutes{59} + seconds{59};
  EXPECT_FALSE(reminder_due(t, d(2026, 5, 31), utc_1459));
  EXPECT_TRUE(reminder_due(t, d(2026, 5, 31), utc_1459 + seconds{1}));
  // Logged at 08:00 JST on 6/1 (23:00Z on 5/31): not again at 23:00 JST on 6/1 (14:00Z).
  EXPECT_FALSE(reminder_due(t, d(2026, 6, 1), sys_seconds{d(2026, 6, 1)} + hours{14}));
}

// A real pair: a download 30 days from its deadline reminds once a day.
TEST(Reminder, FromAnAssessedTerminal) {
  const std::vector<Record> records{issued(d(2026, 1, 1))};
  const TerminalAssessment t = assess_terminal(records, kCode, kName, jst(2026, 5, 31));
  EXPECT_EQ(t.stage, Stage::awaiting_download);
  EXPECT_TRUE(reminder_due(t, d(2026, 5, 30), jst(2026, 5, 31)));
  EXPECT_FALSE(reminder_due(t, d(2026, 5, 31), jst(2026, 5, 31, 18)));
}

// Under one 端末名称 a certificate another machine imported is that machine's: with the holder
// given, this terminal still has none of its own.
TEST(AssessTerminal, ACertificateAnotherMachineHoldsIsNotThisTerminals) {
  Record theirs = imported(d(2026, 1, 10), d(2029, 4, 9));
  theirs.imported_by = TerminalId{"fedcba9876543210fedcba9876543210", "uketsuke-2"};
  const auto now = jst(2026, 3, 10);
  EXPECT_TRUE(assess_terminal({theirs}, kCode, kName, now).has_certificate);
  const auto mine = assess_terminal({theirs}, kCode, kName, now, &kA);
  EXPECT_FALSE(mine.has_certificate);
  EXPECT_EQ(mine.stage, Stage::missing);
  EXPECT_TRUE(mine.needs_application);
}

TEST(RecordId, WindowsDeviceNamesAreRefused) {
  for (const char* id : {"CON", "con", "NUL.1", "aux", "COM1", "lpt9", "PRN.json"}) {
    EXPECT_TRUE(record_id_problem(id)) << id;
  }
  for (const char* id : {"CONSOLE", "COM0", "COM10", "LPT", "REQ-CON", "NULL"}) {
    EXPECT_FALSE(record_id_problem(id)) << id;
  }
}

// A window stored at the application wins over today's calendar (a holiday law may move later).
TEST(Assessment, TheStoredNoticeWindowIsUsed) {
  Record r = applied(d(2026, 3, 5));
  r.notice_earliest = d(2026, 3, 10);
  r.notice_latest = d(2026, 3, 16);
  const Assessment a = assess(r, jst(2026, 3, 13));
  EXPECT_EQ(a.notice_earliest, d(2026, 3, 10));
  EXPECT_EQ(a.notice_latest, d(2026, 3, 16));
  EXPECT_EQ(a.stage, Stage::awaiting_notice);  // computed, 3/12 would already be the latest
  EXPECT_EQ(assess(r, jst(2026, 3, 17)).stage, Stage::notice_overdue);
}

}  // namespace
}  // namespace onshi::ledger
