// Where a certificate of the ledger stands today, and the single next thing to do: the library API
// the agent publishes in its health endpoint and API, logs once a day in a warning window, and
// `onshictl cert ledger|status` print. Deadlines (eligibility-system.md §3.1, §3.3):
//  - the notice (電子証明書発行通知書) arrives 2–5 business days after the application (the
//    acceptance e-mail says it is mailed 2–3 business days later, the portal page says about 5);
//  - a certificate issued on or after 2022-04-01 can be downloaded until 180 days after its issue
//    date, that day included; after it, only a new application (and a new fee) helps;
//  - renewal warnings at 90/60/30/15/7 days before expiry, then daily (tls/certificate_status).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "onshi/ledger/record.hpp"
#include "onshi/tls/certificate_status.hpp"

namespace onshi::ledger {

inline constexpr int kNoticeEarliestBusinessDays = 2;
inline constexpr int kNoticeLatestBusinessDays = 5;
inline constexpr std::chrono::days kDownloadPeriod{180};
inline constexpr int kFeeYen = 1500;  // 発行事務コスト per certificate, charged at issue (§3.3)

enum class Stage {
  awaiting_notice,    // applied; the notice is not due yet
  notice_overdue,     // applied; the latest expected notice day has passed
  awaiting_download,  // issued; not imported yet, download deadline ahead
  download_expired,   // issued; the download deadline passed: apply again
  active,             // imported and valid, more than 90 days left
  renewal_due,        // imported, 90 days or fewer left
  expired,            // imported, past its expiry
  not_yet_valid,      // imported, valid only from a later time
  revoked,
  cancelled,
  replaced,
  missing,  // (a terminal's pair only) no certificate and no application on record
};
std::string_view stage_name(Stage stage);
// Closed stages need nothing more: revoked, cancelled, replaced, download_expired and expired
// (for the last two, a newer record or the plan says what to do).
bool is_closed(Stage stage);

enum class Urgency { none, notice, warning, urgent, critical };
std::string_view urgency_name(Urgency urgency);

struct Assessment {
  Stage stage = Stage::awaiting_notice;
  Urgency urgency = Urgency::none;
  // The warning stage's name: tls::expiry_stage_name for a certificate's expiry ("30_days"),
  // "download_30_days"/"download_7_days"/"download_last_day" for the download deadline, or "".
  std::string warning;
  std::optional<std::chrono::sys_days> notice_earliest, notice_latest;
  std::optional<std::chrono::sys_days> download_deadline;  // issue date + 180 days
  std::optional<std::chrono::sys_days> expires_on;
  // Days from today (Japan time) to the deadline that matters in this stage: the download
  // deadline, or the expiry. Negative once past.
  std::optional<int> days_left;
  std::string next_action;
  // Whether the agent logs this once a day: any urgency from warning up.
  bool in_warning_window() const { return urgency >= Urgency::warning; }
};

// The latest day the certificate issued on `issued_on` can be downloaded.
std::chrono::sys_days download_deadline(std::chrono::sys_days issued_on);

// One record on its own, today being the Japanese day of `now`.
Assessment assess(const Record& record, std::chrono::sys_seconds now);

// The state of one terminal's certificate for one institution, over every record of that pair:
// the certificate in use (if any), an application or download in progress (if any), and the
// single next action for the pair.
struct TerminalAssessment {
  std::string institution;
  std::string terminal_name;
  // The imported certificate: a usable one first, then the latest expiry (it may be expired:
  // then has_certificate is false and the stage says so).
  std::optional<Record> in_use;
  std::optional<Assessment> in_use_assessment;
  std::optional<Record> pending;  // applied or issued, not closed (the newest wins)
  std::optional<Assessment> pending_assessment;
  Stage stage = Stage::awaiting_notice;  // of the record the next action is about
  Urgency urgency = Urgency::none;
  bool has_certificate = false;  // in_use is set and usable now
  bool needs_application = false;
  // The terminal's store holds a certificate the ledger does not know (a terminal set up before
  // the ledger): counted as adopted, and the next action says to record it.
  bool unrecorded = false;
  std::string next_action;
};
// With `holder`, certificates imported on another machine are left out: under the same 端末名称
// they are that machine's, not this one's (the plan reports the clash). With `installed` (the
// store's current certificate on this terminal), a certificate no record holds counts as adopted.
TerminalAssessment assess_terminal(const std::vector<Record>& records,
                                   const std::string& institution, const std::string& terminal_name,
                                   std::chrono::sys_seconds now, const TerminalId* holder = nullptr,
                                   const CertificateFacts* installed = nullptr);

// Whether the agent should log the reminder now, having last logged it on `last_logged` (a Japanese
// calendar day): once per Japanese day while in a warning window.
bool reminder_due(const TerminalAssessment& assessment,
                  std::optional<std::chrono::sys_days> last_logged, std::chrono::sys_seconds now);

}  // namespace onshi::ledger
