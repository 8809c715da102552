#include "onshi/ledger/assessment.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "onshi/japan_calendar.hpp"
#include "onshi/japan_time.hpp"

namespace onshi::ledger {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::sys_seconds;

std::string day(sys_days d) { return format_iso_date(d); }

std::string days_text(int n) {
  if (n == 0) return "today is the last day";
  if (n < 0) return fmt::format("{} day{} ago", -n, n == -1 ? "" : "s");
  return fmt::format("{} day{} left", n, n == 1 ? "" : "s");
}

// The portal's steps, in the words a clinic's staff reads on the portal (eligibility-system.md
// §3.3).
constexpr std::string_view kApply =
    "apply for a new certificate on the portal (医療機関等向けポータルサイト, 1,500 yen), then "
    "record "
    "it with `onshictl cert applied`";

std::string import_hint(const Record& r) {
  return fmt::format(
      "download it on the portal with the notice's ID and password (from this "
      "terminal, over the オンライン請求ネットワーク), then `onshictl cert import "
      "FILE.p12 --institution {}`",
      r.institution);
}

void assess_applied(const Record& r, sys_days today, Assessment& a) {
  const sys_days applied = r.applied_on.value_or(today);
  // Beyond the calendar's years (2099) the notice window is unknown; say so rather than guess.
  // The window fixed at the application when the record has one (a later calendar does not move
  // it), else computed now.
  Result<sys_days> earliest = r.notice_earliest
                                  ? Result<sys_days>(*r.notice_earliest)
                                  : add_business_days(applied, kNoticeEarliestBusinessDays);
  Result<sys_days> latest = r.notice_latest ? Result<sys_days>(*r.notice_latest)
                                            : add_business_days(applied, kNoticeLatestBusinessDays);
  if (!earliest || !latest) {
    a.stage = Stage::awaiting_notice;
    a.next_action = fmt::format(
        "Wait for the notice (電子証明書発行通知書) by registered mail for "
        "request {}; the business-day calendar does not cover {}.",
        r.id, day(applied));
    return;
  }
  a.notice_earliest = *earliest;
  a.notice_latest = *latest;
  a.days_left = static_cast<int>((*latest - today).count());
  if (today <= *latest) {
    a.stage = Stage::awaiting_notice;
    a.next_action = fmt::format(
        "Wait for the notice (電子証明書発行通知書, registered mail to {}) for request {}: "
        "expected "
        "{} to {}. When it comes, record the 発行日 with `onshictl cert issued {} --date "
        "YYYY-MM-DD`.",
        r.contact.department_person.empty() ? "the contact" : r.contact.department_person, r.id,
        day(*earliest), day(*latest), r.id);
  } else if (today > *latest + kDownloadPeriod) {
    // Never recorded as issued: had it been issued by the latest notice day, its download
    // deadline would have passed too, so only a new application helps.
    a.stage = Stage::download_expired;
    a.urgency = Urgency::critical;
    a.warning = "download_expired";
    a.days_left = static_cast<int>((*latest + kDownloadPeriod - today).count());
    a.next_action = fmt::format(
        "Request {} (applied {}) was never recorded as issued, and more than 180 days have "
        "passed since its notice was due: even if it was issued it can no longer be "
        "downloaded. Check it on the portal's status page; {}.",
        r.id, day(applied), kApply);
  } else {
    a.stage = Stage::notice_overdue;
    a.urgency = Urgency::warning;
    a.warning = "notice_overdue";
    a.next_action = fmt::format(
        "The notice for request {} was expected by {} ({} business days after {}): check the "
        "request on the portal's status page (電子証明書申請状況照会) and the shipment tracking; "
        "if it was issued, record it with `onshictl cert issued {} --date YYYY-MM-DD`.",
        r.id, day(*latest), kNoticeLatestBusinessDays, day(applied), r.id);
  }
}

void assess_issued(const Record& r, sys_days today, Assessment& a) {
  const sys_days deadline = download_deadline(*r.issued_on);
  a.download_deadline = deadline;
  a.expires_on = r.expires_on;
  const int left = static_cast<int>((deadline - today).count());
  a.days_left = left;
  if (left < 0) {
    a.stage = Stage::download_expired;
    a.urgency = Urgency::critical;
    a.warning = "download_expired";
    a.next_action = fmt::format(
        "The download deadline of request {} was {} (issued {} + 180 days): it can no longer be "
        "downloaded. {}.",
        r.id, day(deadline), day(*r.issued_on), kApply);
    return;
  }
  a.stage = Stage::awaiting_download;
  if (left == 0) {
    a.urgency = Urgency::critical;
    a.warning = "download_last_day";
  } else if (left <= 7) {
    a.urgency = Urgency::urgent;
    a.warning = "download_7_days";
  } else if (left <= 30) {
    a.urgency = Urgency::warning;
    a.warning = "download_30_days";
  } else {
    a.urgency = Urgency::notice;
  }
  a.next_action = fmt::format("{}Download request {} by {} ({}): {}.",
                              a.urgency >= Urgency::urgent ? "URGENT: " : "", r.id, day(deadline),
                              days_text(left), import_hint(r));
}

void assess_imported(const Record& r, sys_seconds now, Assessment& a) {
  const auto& c = *r.certificate;
  const tls::ExpiryStatus s = tls::expiry_status(c.not_before, c.not_after, now);
  a.expires_on = japan_day(c.not_after);
  a.days_left = s.days_left;
  a.next_action = s.next_action;
  switch (s.stage) {
    case tls::ExpiryStage::ok:
      a.stage = Stage::active;
      return;
    case tls::ExpiryStage::not_yet_valid:
      a.stage = Stage::not_yet_valid;
      a.urgency = Urgency::warning;
      a.warning = std::string(tls::expiry_stage_name(s.stage));
      return;
    case tls::ExpiryStage::expired:
      a.stage = Stage::expired;
      a.urgency = Urgency::critical;
      a.warning = "expired";
      return;
    default:
      a.stage = Stage::renewal_due;
      a.warning = std::string(tls::expiry_stage_name(s.stage));
      a.urgency = s.days_left <= 1    ? Urgency::critical
                  : s.days_left <= 15 ? Urgency::urgent
                                      : Urgency::warning;
      return;
  }
}

// Which imported record is in use: usable now, then the latest expiry.
bool better_in_use(const Assessment& a, const Record& ra, const Assessment& b, const Record& rb) {
  const bool ua = a.stage == Stage::active || a.stage == Stage::renewal_due;
  const bool ub = b.stage == Stage::active || b.stage == Stage::renewal_due;
  if (ua != ub) return ua;
  return ra.certificate->not_after > rb.certificate->not_after;
}

// Which application in progress the next action is about: an issued one (its download deadline
// runs) before one still waiting for its notice; of two issued, the nearer deadline; of two
// applications, the newer.
bool better_pending(const Record& a, const Record& b) {
  const bool ia = a.state == State::issued, ib = b.state == State::issued;
  if (ia != ib) return ia;
  if (ia) return a.issued_on.value_or(sys_days{}) < b.issued_on.value_or(sys_days{});
  return a.applied_on.value_or(sys_days{}) >= b.applied_on.value_or(sys_days{});
}

}  // namespace

std::string_view stage_name(Stage stage) {
  switch (stage) {
    case Stage::awaiting_notice:
      return "awaiting_notice";
    case Stage::notice_overdue:
      return "notice_overdue";
    case Stage::awaiting_download:
      return "awaiting_download";
    case Stage::download_expired:
      return "download_expired";
    case Stage::active:
      return "active";
    case Stage::renewal_due:
      return "renewal_due";
    case Stage::expired:
      return "expired";
    case Stage::not_yet_valid:
      return "not_yet_valid";
    case Stage::revoked:
      return "revoked";
    case Stage::cancelled:
      return "cancelled";
    case Stage::replaced:
      return "replaced";
    case Stage::missing:
      return "missing";
  }
  return "unknown";
}

bool is_closed(Stage stage) {
  return stage == Stage::revoked || stage == Stage::cancelled || stage == Stage::replaced ||
         stage == Stage::download_expired || stage == Stage::expired;
}

std::string_view urgency_name(Urgency urgency) {
  switch (urgency) {
    case Urgency::none:
      return "none";
    case Urgency::notice:
      return "notice";
    case Urgency::warning:
      return "warning";
    case Urgency::urgent:
      return "urgent";
    case Urgency::critical:
      return "critical";
  }
  return "unknown";
}

// "発行日から180日後" (eligibility-system.md §3.1, §3.3): the 180th day after the issue date is
// the last day a download is possible.
sys_days download_deadline(sys_days issued_on) { return issued_on + kDownloadPeriod; }

Assessment assess(const Record& r, sys_seconds now) {
  Assessment a;
  const sys_days today = japan_day(now);
  a.expires_on = expiry_day(r);
  switch (r.state) {
    case State::applied:
      assess_applied(r, today, a);
      break;
    case State::issued:
      assess_issued(r, today, a);
      break;
    case State::imported:
      assess_imported(r, now, a);
      break;
    case State::revoked:
      a.stage = Stage::revoked;
      a.next_action = fmt::format("Nothing: revoked on {}.", day(*r.revoked_on));
      break;
    case State::cancelled:
      a.stage = Stage::cancelled;
      a.next_action =
          fmt::format("Nothing: the application was cancelled on {}.", day(*r.cancelled_on));
      break;
    case State::replaced:
      a.stage = Stage::replaced;
      a.next_action =
          fmt::format("Nothing: replaced by {}.", r.replaced_by.value_or(std::string("?")));
      break;
  }
  return a;
}

namespace {

// A certificate installed before the ledger knew it: recording it comes first.
TerminalAssessment with_record_hint(TerminalAssessment t) {
  if (t.unrecorded) {
    t.next_action = fmt::format(
        "This terminal's certificate is not in the ledger: record it with `onshictl cert imported "
        "--institution {}`. {}",
        t.institution, t.next_action);
  }
  return t;
}

}  // namespace

TerminalAssessment assess_terminal(const std::vector<Record>& records,
                                   const std::string& institution, const std::string& terminal_name,
                                   sys_seconds now, const TerminalId* holder,
                                   const CertificateFacts* installed) {
  TerminalAssessment t;
  t.institution = institution;
  t.terminal_name = terminal_name;
  std::optional<Record> expired_or_lapsed;
  std::optional<Assessment> lapsed_assessment;
  std::vector<Record> adopted;
  if (installed != nullptr && std::none_of(records.begin(), records.end(), [&](const Record& r) {
        return r.certificate && r.certificate->sha256 == installed->sha256;
      })) {
    Record r;
    r.id = "import-" + installed->sha256.substr(0, 16);
    r.institution = institution;
    r.terminal_name = terminal_name;
    r.state = State::imported;
    r.certificate = *installed;
    if (holder != nullptr) r.imported_by = *holder;
    adopted.push_back(std::move(r));
    t.unrecorded = true;
  }
  std::vector<const Record*> considered;
  for (const auto& r : records) considered.push_back(&r);
  for (const auto& r : adopted) considered.push_back(&r);
  for (const Record* record : considered) {
    const Record& r = *record;
    if (r.institution != institution || r.terminal_name != terminal_name) continue;
    if (holder != nullptr && r.imported_by && r.imported_by->machine_id != holder->machine_id) {
      continue;
    }
    const Assessment a = assess(r, now);
    if (r.state == State::imported) {
      if (!t.in_use || better_in_use(a, r, *t.in_use_assessment, *t.in_use)) {
        t.in_use = r;
        t.in_use_assessment = a;
      }
    } else if ((r.state == State::applied || r.state == State::issued) && !is_closed(a.stage)) {
      if (!t.pending || better_pending(r, *t.pending)) {
        t.pending = r;
        t.pending_assessment = a;
      }
    } else if (a.stage == Stage::download_expired) {
      expired_or_lapsed = r;
      lapsed_assessment = a;
    }
  }
  const bool usable = t.in_use_assessment && (t.in_use_assessment->stage == Stage::active ||
                                              t.in_use_assessment->stage == Stage::renewal_due);
  t.has_certificate = usable;
  if (t.pending) {
    // An application or a download in progress is the next thing to do, whatever the old
    // certificate's stage; the old one's deadline sets the urgency when it is sooner.
    t.stage = t.pending_assessment->stage;
    t.urgency = t.pending_assessment->urgency;
    t.next_action = t.pending_assessment->next_action;
    if (usable && t.in_use_assessment->stage == Stage::renewal_due) {
      t.urgency = std::max(t.urgency, t.in_use_assessment->urgency);
      t.next_action += fmt::format(" The certificate in use expires on {} ({}).",
                                   day(*t.in_use_assessment->expires_on),
                                   days_text(*t.in_use_assessment->days_left));
    } else if (!usable) {
      t.urgency = std::max(t.urgency, Urgency::warning);
    }
    return with_record_hint(std::move(t));
  }
  if (t.in_use) {
    t.stage = t.in_use_assessment->stage;
    t.urgency = t.in_use_assessment->urgency;
    t.next_action = t.in_use_assessment->next_action;
    t.needs_application = t.stage != Stage::active && t.stage != Stage::not_yet_valid;
    if (t.needs_application) {
      t.next_action = fmt::format("{} Then record the application with `onshictl cert applied`.",
                                  t.next_action);
    }
    return with_record_hint(std::move(t));
  }
  t.needs_application = true;
  t.urgency = Urgency::critical;
  if (expired_or_lapsed) {
    t.stage = Stage::download_expired;
    t.next_action = lapsed_assessment->next_action;
  } else {
    t.stage = Stage::missing;
    t.next_action = fmt::format(
        "This terminal has no certificate for {} on record: {}; or, if one is installed already, "
        "`onshictl cert import` it (or `onshictl cert imported --institution {}`).",
        institution, kApply, institution);
  }
  return with_record_hint(std::move(t));
}

bool reminder_due(const TerminalAssessment& assessment, std::optional<sys_days> last_logged,
                  sys_seconds now) {
  if (assessment.urgency < Urgency::warning) return false;
  return !last_logged || *last_logged < japan_day(now);
}

}  // namespace onshi::ledger
