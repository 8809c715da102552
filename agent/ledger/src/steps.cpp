#include "onshi/ledger/steps.hpp"

#include <fmt/format.h>

#include <initializer_list>
#include <string>
#include <tuple>
#include <utility>

#include "onshi/check_digit.hpp"
#include "onshi/japan_calendar.hpp"
#include "onshi/japan_time.hpp"
#include "onshi/ledger/assessment.hpp"
#include "onshi/ledger/record_file.hpp"
#include "onshi/text_scan.hpp"

namespace onshi::ledger {
namespace {

using std::chrono::sys_days;

std::string day(sys_days d) { return format_iso_date(d); }

// The step is recorded; the caller has checked it is allowed.
void append(Record& record, StepKind kind, sys_days date, const Recording& at,
            std::string detail = {}) {
  record.history.push_back(Step{kind, date, at.now, at.by, std::move(detail)});
}

Error impossible(const Record& record, std::string why) {
  return Error(
      Errc::ledger_transition,
      fmt::format("{} ({}, {}): {}", record.id, record.institution, state_name(record.state), why));
}

// A step's date may not lie after today in Japan (a clock a day ahead of the portal is tolerated:
// people type dates from paper).
std::optional<Error> future_date(const Record& record, std::string_view what, sys_days date,
                                 const Recording& at) {
  const sys_days today = japan_day(at.now);
  if (date > today + std::chrono::days{1}) {
    return impossible(record, fmt::format("the {} {} is after today ({}); check the date", what,
                                          day(date), day(today)));
  }
  return std::nullopt;
}

// Who records a step is written into it, and the parser refuses a step without a machine id or
// with bad text; such a step is refused here rather than written.
std::optional<Error> recorder_problem(const Recording& at) {
  if (auto p = text_problem(at.by.machine_id, false)) {
    return Error(Errc::invalid_argument, "this terminal's machine id " + *p);
  }
  if (auto p = text_problem(at.by.host, true)) {
    return Error(Errc::invalid_argument, "this terminal's host name " + *p);
  }
  return std::nullopt;
}

// The most one step adds to a record's file: the step (who, when, the detail) and the fields it
// sets (a certificate and who imported it, or the contact), every text at its longest
// (kMaxTextBytes) and doubled by JSON escapes.
constexpr std::size_t kRoomForAStep = 8 * 1024;

Result<void> room_for_a_step(const Record& record, const Recording& at) {
  if (auto e = recorder_problem(at)) return *e;
  if (record.history.size() >= kMaxHistory) {
    return fail(Errc::ledger_transition,
                fmt::format("{}: the record already holds {} steps, the most a record may; it "
                            "cannot take more",
                            record.id, kMaxHistory));
  }
  // The file must stay within what the parser reads (kMaxRecordFileBytes), or the ledger could
  // write a record it can no longer read.
  if (const std::size_t bytes = serialize_record(record).size();
      bytes + kRoomForAStep > kMaxRecordFileBytes) {
    return fail(Errc::ledger_transition,
                fmt::format("{}: the record's file is {} bytes ({} steps), close to the most a "
                            "record may take ({} bytes); it cannot take more steps",
                            record.id, bytes, record.history.size(), kMaxRecordFileBytes));
  }
  return {};
}

std::optional<std::string> facts_problem(const CertificateFacts& c) {
  if (c.sha256.size() != 64 ||
      c.sha256.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return "the certificate's fingerprint is not 64 lowercase hex digits";
  }
  if (c.not_after <= c.not_before) return "the certificate's validity period is empty";
  // The record file holds days of years 1900-9999 (Japan time); X.509's "no expiry"
  // (99991231235959Z) is already in the year 10000 in Japan.
  using namespace std::chrono;
  if (japan_day(c.not_before) < sys_days{year{1900} / January / 1} ||
      japan_day(c.not_after) > sys_days{year{9999} / December / 31}) {
    return "the certificate's validity period lies outside the years 1900-9999 (Japan time)";
  }
  if (auto p = text_problem(c.subject, true)) return "subject " + *p;
  if (auto p = text_problem(c.serial, true)) return "serial " + *p;
  return std::nullopt;
}

}  // namespace

std::optional<std::string> text_problem(std::string_view text, bool may_be_empty) {
  if (text.empty()) {
    return may_be_empty ? std::nullopt : std::optional<std::string>("is empty");
  }
  if (text.size() > kMaxTextBytes) {
    return fmt::format("is {} bytes long; at most {}", text.size(), kMaxTextBytes);
  }
  const TextScan scan = scan_text(text);
  if (!scan.valid_utf8) return "is not valid UTF-8";
  if (scan.control) {
    return fmt::format("holds a control character (U+{:04X} at character {})",
                       static_cast<std::uint32_t>(*scan.control), scan.control_at);
  }
  if (scan.bidi_control) {
    return "holds a bidirectional control character (U+202A-202E, U+2066-2069)";
  }
  return std::nullopt;
}

Result<Record> new_application(const Application& a, const Recording& at) {
  if (auto e = recorder_problem(at)) return *e;
  if (auto p = record_id_problem(a.request_id)) {
    return fail(Errc::invalid_argument, fmt::format("request ID \"{}\" {}", a.request_id, *p));
  }
  if (auto p = institution_code_problem(a.institution)) {
    return fail(Errc::invalid_argument, fmt::format("医療機関コード {}: {}", a.institution, *p));
  }
  if (auto p = text_problem(a.terminal_name, false)) {
    return fail(Errc::invalid_argument, "端末名称 " + *p);
  }
  for (const auto& [what, value] :
       {std::pair{"担当部署/担当者名", &a.contact.department_person},
        std::pair{"電話番号", &a.contact.phone}, std::pair{"メールアドレス", &a.contact.email}}) {
    if (auto p = text_problem(*value, true)) {
      return fail(Errc::invalid_argument, fmt::format("{} {}", what, *p));
    }
  }
  Record r;
  r.generation = 0;
  r.id = a.request_id;
  r.request_id = a.request_id;
  r.institution = a.institution;
  r.terminal_name = a.terminal_name;
  r.contact = a.contact;
  r.state = State::applied;
  r.applied_on = a.applied_on;
  if (auto e = future_date(r, "application date", a.applied_on, at)) return *e;
  auto earliest = add_business_days(a.applied_on, kNoticeEarliestBusinessDays);
  auto latest = add_business_days(a.applied_on, kNoticeLatestBusinessDays);
  if (earliest && latest) {
    r.notice_earliest = *earliest;
    r.notice_latest = *latest;
  }
  append(r, StepKind::applied, a.applied_on, at);
  return r;
}

Result<Record> adopt_imported(const std::string& institution, const std::string& terminal_name,
                              const CertificateFacts& certificate, const Recording& at) {
  if (auto e = recorder_problem(at)) return *e;
  if (auto p = facts_problem(certificate)) return fail(Errc::invalid_argument, *p);
  if (auto p = institution_code_problem(institution)) {
    return fail(Errc::invalid_argument, fmt::format("医療機関コード {}: {}", institution, *p));
  }
  if (auto p = text_problem(terminal_name, false)) {
    return fail(Errc::invalid_argument, "端末名称 " + *p);
  }
  Record r;
  r.id = "import-" + certificate.sha256.substr(0, 16);
  r.institution = institution;
  r.terminal_name = terminal_name;
  r.state = State::imported;
  r.issued_on = japan_day(certificate.not_before);
  r.certificate = certificate;
  r.imported_by = at.by;
  r.imported_at = at.now;
  append(r, StepKind::imported, japan_day(at.now), at,
         "adopted: no application on record; issued_on is the certificate's notBefore");
  return r;
}

Result<void> record_issued(Record& r, sys_days issued_on, std::optional<sys_days> expires_on,
                           const Recording& at) {
  if (auto room = room_for_a_step(r, at); !room) return room;
  if (r.state != State::applied) {
    std::string why =
        fmt::format("only an application can be issued, and this one is {}", state_name(r.state));
    if (r.state == State::issued && r.issued_on) {
      why = fmt::format("already issued on {}", day(*r.issued_on));
    }
    return impossible(r, std::move(why));
  }
  if (r.applied_on && issued_on < *r.applied_on) {
    return impossible(r, fmt::format("the issue date {} is before the application "
                                     "date {}",
                                     day(issued_on), day(*r.applied_on)));
  }
  if (auto e = future_date(r, "issue date", issued_on, at)) return *e;
  if (expires_on && *expires_on <= issued_on) {
    return impossible(r, fmt::format("the expiry date {} is not after the issue date {}",
                                     day(*expires_on), day(issued_on)));
  }
  r.state = State::issued;
  r.issued_on = issued_on;
  if (expires_on) r.expires_on = expires_on;
  append(r, StepKind::issued, issued_on, at);
  return {};
}

std::optional<std::string> certificate_mismatch(const Record& r, const CertificateFacts& c) {
  if (r.state != State::applied && r.state != State::issued) return std::nullopt;
  const sys_days from = japan_day(c.not_before);
  // An application's certificate is issued after it (a record claiming otherwise is one the file
  // parser refuses: issued_on before applied_on).
  if (r.applied_on && from < *r.applied_on) {
    return fmt::format(
        "the certificate was issued on {} (its notBefore), before the application "
        "date {}: it is not this application's certificate (an older backup?); "
        "check the file, or the request ID",
        day(from), day(*r.applied_on));
  }
  // Whether notBefore is the 発行日 or the download day is not public, so a certificate is
  // refused only when it is clearly older than the issue, or its expiry differs from the one the
  // portal showed (a day of slack for time zones).
  if (r.state == State::issued && r.issued_on && from + std::chrono::days{1} < *r.issued_on) {
    return fmt::format(
        "the certificate's notBefore {} is before the issue date {}: it is not this "
        "request's certificate (an older backup?)",
        day(from), day(*r.issued_on));
  }
  if (r.expires_on) {
    const auto until = japan_day(c.not_after);
    const auto gap = until > *r.expires_on ? until - *r.expires_on : *r.expires_on - until;
    if (gap > std::chrono::days{1}) {
      return fmt::format(
          "the certificate expires on {}, but the portal showed {} for this "
          "request: it is another certificate",
          day(until), day(*r.expires_on));
    }
  }
  return std::nullopt;
}

Result<bool> record_imported(Record& r, const CertificateFacts& c, const Recording& at) {
  if (auto p = facts_problem(c)) return fail(Errc::invalid_argument, *p);
  if (r.certificate && r.certificate->sha256 != c.sha256) {
    return impossible(
        r, fmt::format("it records the certificate {}…, not this one ({}…): every certificate "
                       "has its own record",
                       r.certificate->sha256.substr(0, 16), c.sha256.substr(0, 16)));
  }
  // A certificate in use (or rolled back to) on one terminal is not taken over by another, even
  // from a copy of the same PKCS#12.
  if ((r.state == State::imported || r.state == State::replaced) && r.imported_by &&
      r.imported_by->machine_id != at.by.machine_id) {
    return impossible(
        r,
        fmt::format("it is imported on the terminal {} already; one certificate serves one "
                    "terminal (apply for one for this terminal)",
                    r.imported_by->host.empty() ? r.imported_by->machine_id : r.imported_by->host));
  }
  switch (r.state) {
    case State::imported:
      return false;  // the same certificate imported again on the same terminal
    case State::revoked:
      return impossible(r, "a revoked certificate cannot be put to use again");
    case State::cancelled:
      return impossible(r, "the application was cancelled; no certificate was issued for it");
    case State::replaced:
    case State::applied:
    case State::issued:
      break;
  }
  if (auto room = room_for_a_step(r, at); !room) return room.error();
  if (auto mismatch = certificate_mismatch(r, c)) return impossible(r, *mismatch);
  const bool rollback = r.state == State::replaced;
  std::string detail;
  if (r.state == State::applied) {
    r.issued_on = japan_day(c.not_before);
    detail = "issued_on inferred from the certificate's notBefore";
  }
  if (rollback)
    detail = fmt::format("rolled back to; it had been replaced by {}", r.replaced_by.value_or("?"));
  r.state = State::imported;
  r.certificate = c;
  r.imported_by = at.by;
  r.imported_at = at.now;
  r.replaced_by.reset();
  append(r, rollback ? StepKind::reinstated : StepKind::imported, japan_day(at.now), at,
         std::move(detail));
  return true;
}

Result<void> record_revoked(Record& r, sys_days revoked_on, const Recording& at) {
  if (auto room = room_for_a_step(r, at); !room) return room;
  if (r.state == State::applied) {
    return impossible(
        r,
        "nothing was issued yet, so nothing can be revoked: cancel the application instead "
        "(`onshictl cert cancelled`)");
  }
  if (r.state == State::revoked || r.state == State::cancelled) {
    return impossible(r, fmt::format("it is {} already", state_name(r.state)));
  }
  if (r.issued_on && revoked_on < *r.issued_on) {
    return impossible(r, fmt::format("the revocation date {} is before the issue "
                                     "date {}",
                                     day(revoked_on), day(*r.issued_on)));
  }
  if (auto e = future_date(r, "revocation date", revoked_on, at)) return *e;
  r.state = State::revoked;
  r.revoked_on = revoked_on;
  append(r, StepKind::revoked, revoked_on, at);
  return {};
}

Result<void> record_cancelled(Record& r, sys_days cancelled_on, const Recording& at) {
  if (auto room = room_for_a_step(r, at); !room) return room;
  if (r.state != State::applied) {
    std::string why = fmt::format("only an application not yet issued can be cancelled; it is {}",
                                  state_name(r.state));
    if (r.state == State::issued || r.state == State::imported) {
      why += " (an issued certificate is revoked instead: `onshictl cert revoked`)";
    }
    return impossible(r, std::move(why));
  }
  if (r.applied_on && cancelled_on < *r.applied_on) {
    return impossible(r, fmt::format("the cancellation date {} is before the "
                                     "application date {}",
                                     day(cancelled_on), day(*r.applied_on)));
  }
  if (auto e = future_date(r, "cancellation date", cancelled_on, at)) return *e;
  r.state = State::cancelled;
  r.cancelled_on = cancelled_on;
  append(r, StepKind::cancelled, cancelled_on, at);
  return {};
}

Result<void> record_replaced(Record& r, const std::string& successor_id, const Recording& at) {
  if (auto room = room_for_a_step(r, at); !room) return room;
  if (r.state != State::imported) {
    return impossible(
        r, fmt::format("only a certificate in use can be replaced; it is {}", state_name(r.state)));
  }
  if (auto p = record_id_problem(successor_id)) {
    return fail(Errc::invalid_argument,
                fmt::format("successor record \"{}\" {}", successor_id, *p));
  }
  if (successor_id == r.id) return impossible(r, "a record cannot replace itself");
  r.state = State::replaced;
  r.replaced_by = successor_id;
  append(r, StepKind::replaced, japan_day(at.now), at, "by " + successor_id);
  return {};
}

Result<void> record_contact_edit(Record& r, const ContactChange& change, const Recording& at) {
  if (auto room = room_for_a_step(r, at); !room) return room;
  if (r.state == State::cancelled) {
    return impossible(r, "a cancelled application cannot be edited");
  }
  const auto fields = {
      std::tuple{"担当部署/担当者名", &change.department_person, &r.contact.department_person},
      std::tuple{"電話番号", &change.phone, &r.contact.phone},
      std::tuple{"メールアドレス", &change.email, &r.contact.email}};
  // Every field is checked before any is changed: a refused edit leaves the record as it was.
  std::string detail;
  for (const auto& [what, from, to] : fields) {
    if (!*from) continue;
    if (auto p = text_problem(**from, true)) {
      return fail(Errc::invalid_argument, fmt::format("{} {}", what, *p));
    }
    if (**from != *to) detail += fmt::format("{}{}", detail.empty() ? "" : ", ", what);
  }
  if (detail.empty()) {
    return fail(Errc::invalid_argument, "nothing to change: the contact is already so");
  }
  for (const auto& [what, from, to] : fields) {
    if (*from) *to = **from;
  }
  append(r, StepKind::edited, japan_day(at.now), at, "changed " + detail);
  return {};
}

}  // namespace onshi::ledger
