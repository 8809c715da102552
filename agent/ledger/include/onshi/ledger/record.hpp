// One client certificate's life as the clinic records it (eligibility-system.md §3.3): applied on
// the portal → issued (the notice arrives by registered mail) → downloaded and imported on the
// terminal → replaced by its successor, revoked, or left to expire; an application may also be
// cancelled before it is issued. The record is what is written to the ledger directory; the
// stage shown to people (assessment.hpp) is derived from it and today's date.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::ledger {

// The recorded state: the last step that changed it. `edited` steps change only the contact.
enum class State { applied, issued, imported, revoked, cancelled, replaced };
enum class StepKind { applied, edited, issued, imported, revoked, cancelled, replaced, reinstated };

std::string_view state_name(State state);  // "applied", …
std::string_view step_name(StepKind kind);
std::optional<State> parse_state(std::string_view name);
std::optional<StepKind> parse_step(std::string_view name);

// Who recorded a step: the terminal's /etc/machine-id and host name. Terminals share a ledger,
// so every step says where it came from.
struct TerminalId {
  std::string machine_id;
  std::string host;
};

// The application's 担当部署/担当者名 (the registered mail's addressee), 電話番号, メールアドレス:
// the fields the portal lets the clinic edit after applying (eligibility-system.md §3.3).
struct Contact {
  std::string department_person;
  std::string phone;
  std::string email;
};

// The certificate itself, from the imported PKCS#12.
struct CertificateFacts {
  std::string sha256;  // fingerprint of the leaf, lowercase hex (64)
  std::string subject;
  std::string serial;  // hex
  std::chrono::sys_seconds not_before{};
  std::chrono::sys_seconds not_after{};
};

struct Step {
  StepKind kind = StepKind::applied;
  std::chrono::sys_days date{};            // the Japanese calendar day it happened
  std::chrono::sys_seconds recorded_at{};  // when it was written
  TerminalId recorded_by;
  std::string detail;  // e.g. "issued_on inferred from the certificate", the new contact
};

struct Record {
  std::uint64_t generation = 0;  // 1 for a new record, +1 per write (ledger_directory.hpp)
  std::string id;                // the file's name: the request ID, or "import-<fingerprint>"
  std::string request_id;        // リクエストID; empty for a certificate adopted at import
  std::string institution;       // 医療機関コード
  std::string terminal_name;     // 端末名称等
  Contact contact;
  State state = State::applied;

  std::optional<std::chrono::sys_days> applied_on;  // 申請日; none for an adopted certificate
  // When the notice is expected, fixed at the application (2 to 5 business days later,
  // assessment.hpp) so that a later calendar does not move it; none beyond the calendar's years.
  std::optional<std::chrono::sys_days> notice_earliest, notice_latest;
  std::optional<std::chrono::sys_days> issued_on;  // 発行日
  // 証明書有効期限 as the portal shows it, until the certificate itself is imported.
  std::optional<std::chrono::sys_days> expires_on;
  std::optional<std::chrono::sys_days> revoked_on;
  std::optional<std::chrono::sys_days> cancelled_on;
  std::optional<CertificateFacts> certificate;  // once imported
  std::optional<TerminalId> imported_by;        // the terminal that holds it
  std::optional<std::chrono::sys_seconds> imported_at;
  std::optional<std::string> replaced_by;  // the successor record's id

  std::vector<Step> history;  // every step, oldest first
};

// Limits of a record, also enforced when reading a file from a share.
inline constexpr std::size_t kMaxRecordFileBytes = 256 * 1024;  // 256 steps of ~1 KiB at most
inline constexpr std::size_t kMaxHistory = 256;
inline constexpr std::size_t kMaxTextBytes = 256;

// A record id is also a file name on a share (SMB forbids \ / : * ? " < > |): 1-64 of
// A-Z a-z 0-9 . _ -, starting with a letter or digit. Returns the reason when not.
std::optional<std::string> record_id_problem(std::string_view id);

// The certificate's own expiry when imported, else the portal's 証明書有効期限 if recorded.
std::optional<std::chrono::sys_days> expiry_day(const Record& record);

}  // namespace onshi::ledger
