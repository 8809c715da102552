// The steps a technician (or `onshictl cert import`) records, each checked against the record's
// state and dates. An impossible step is refused with Errc::ledger_transition and a message that
// says why and what to do instead; the record is then left unchanged.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "onshi/ledger/record.hpp"
#include "onshi/result.hpp"

namespace onshi::ledger {

// The moment a step is recorded, and by whom.
struct Recording {
  std::chrono::sys_seconds now{};
  TerminalId by;
};

struct Application {
  std::string request_id;  // リクエストID from the portal's status page
  std::string institution;
  std::string terminal_name;
  Contact contact;
  std::chrono::sys_days applied_on{};
};

// A new record in state `applied`. Refuses a bad request ID, code or terminal name, and an
// application date in the future (Japan time).
Result<Record> new_application(const Application& application, const Recording& at);

// A new record for a certificate imported without an application on record (installed before
// onshi, or applied for elsewhere): state `imported`, id "import-<first 16 hex of sha256>".
Result<Record> adopt_imported(const std::string& institution, const std::string& terminal_name,
                              const CertificateFacts& certificate, const Recording& at);

// applied → issued. `expires_on` is the portal's 証明書有効期限, when known.
Result<void> record_issued(Record& record, std::chrono::sys_days issued_on,
                           std::optional<std::chrono::sys_days> expires_on, const Recording& at);

// applied|issued → imported (an applied record's issue date is inferred from the certificate);
// replaced → imported is a rollback (`reinstated`). The same certificate again is a no-op
// (returns false); true when the record changed.
Result<bool> record_imported(Record& record, const CertificateFacts& certificate,
                             const Recording& at);

// Why `certificate` cannot be the one an applied or issued record is waiting for (notBefore before
// the application, clearly before the issue date, or an expiry other than the portal's), or
// nullopt when it may be. record_imported refuses such a certificate; `cert import` adopts it in a
// record of its own instead of closing the application's.
std::optional<std::string> certificate_mismatch(const Record& record,
                                                const CertificateFacts& certificate);

// issued|imported|replaced → revoked (失効): from the portal, or the CA's CRL (an old certificate
// is often revoked once its successor is in use).
Result<void> record_revoked(Record& record, std::chrono::sys_days revoked_on, const Recording& at);

// applied → cancelled (the portal cancels applications not yet issued).
Result<void> record_cancelled(Record& record, std::chrono::sys_days cancelled_on,
                              const Recording& at);

// imported → replaced by the record `successor_id` (a newer certificate was imported).
Result<void> record_replaced(Record& record, const std::string& successor_id, const Recording& at);

// Contact fields the portal lets the clinic edit (empty optional: unchanged). Allowed in every
// state but cancelled.
struct ContactChange {
  std::optional<std::string> department_person;
  std::optional<std::string> phone;
  std::optional<std::string> email;
};
Result<void> record_contact_edit(Record& record, const ContactChange& change, const Recording& at);

// Text checks shared with the file parser: valid UTF-8, no control characters, ≤ kMaxTextBytes.
std::optional<std::string> text_problem(std::string_view text, bool may_be_empty);

}  // namespace onshi::ledger
