// onshid's request journal: every request the local API accepts is recorded durably before any
// work starts, and its outcome after, in SQLite (WAL, synchronous=FULL) in the state directory.
// After a crash, recover_unfinished() marks what was cut short as failed, so every id stays
// answerable — none lost, none answered twice. An Idempotency-Key is scoped to the caller's uid
// and lives as long as its entry (the retention). What is stored: agent/journal/README.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "onshi/result.hpp"

namespace onshi::journal {

// accepted → running → succeeded | failed; accepted → succeeded | failed too.
enum class State { accepted, running, succeeded, failed };
std::string_view state_name(State s) noexcept;  // "accepted", "running", "succeeded", "failed"

struct NewRequest {
  std::string kind;             // "insurance_card", "bulk", …: 1..64 of [a-z0-9_]
  std::string institution;      // 10-digit code (or empty for a request without one)
  std::uint32_t uid = 0;        // the caller's uid (SO_PEERCRED) — scopes the idempotency key
  std::string idempotency_key;  // 1..255 printable ASCII, checked by the caller
  std::string request_sha256;   // hex digest of the request body as the server canonicalised it
  std::string request_json;  // what the clinic needs to see later (already without PIN/My Number)
  std::chrono::system_clock::time_point now;
};

struct Entry {
  std::string id;  // "vf_" + 26 lowercase base32 chars from 128 random bits (OpenSSL RAND_bytes)
  std::string kind;
  std::string institution;
  std::uint32_t uid = 0;
  std::string idempotency_key;
  std::string request_sha256;
  State state = State::accepted;
  std::string request_json;
  std::string result_json;                        // set when succeeded
  std::string error_json;                         // set when failed: {"code":…,"message":…}
  std::chrono::system_clock::time_point created;  // whole milliseconds, as stored
  std::chrono::system_clock::time_point updated;
};

struct Admission {
  Entry entry;
  bool created = false;  // false: an earlier request with this uid+key and the same digest
};

struct Options {
  std::filesystem::path file;  // <state_dir>/journal.sqlite3
  std::chrono::seconds retention{90 * 24 * 3600};
};

struct Stats {
  std::size_t entries = 0, unfinished = 0;
};

// The connection's settings as SQLite reports them back (for `status` and the tests).
struct Settings {
  std::string journal_mode;  // "wal"
  int synchronous = 0;       // 2 = FULL
  bool foreign_keys = false;
  int busy_timeout_ms = 0;
  int schema_version = 0;  // PRAGMA user_version
};

// The largest request_json and result_json the journal stores, and the largest error_json: a
// runaway is refused with a clear error instead of filling the state directory's disk.
inline constexpr std::size_t kMaxStoredJson = 4 * 1024 * 1024;
inline constexpr std::size_t kMaxErrorJson = 64 * 1024;

// Thread-safe: one connection behind a mutex. Every method's error is Errc::journal_failed with
// the file's path and SQLite's reason unless it says otherwise.
class Journal {
 public:
  // Creates the file (0600; and its directory, 0700) if missing, and schema v1 in an empty file.
  // Errc::journal_failed with the path and SQLite's reason for anything wrong: not a database, a
  // corrupt one, another program's database, a newer schema, a file that is not ours to write.
  static Result<std::unique_ptr<Journal>> open(Options options);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Records the request before any work, durably (the transaction is committed before return).
  // Same uid+key+digest → the existing entry, created=false (whatever its state, including
  // failed by crash recovery). Same uid+key, other digest → Errc::idempotency_conflict naming the
  // existing id. Another uid with the same key is a different request. A malformed field →
  // Errc::invalid_argument; request_json over kMaxStoredJson → Errc::api_too_large; a JSON member
  // named like a PIN or a My Number → Errc::invalid_argument (a last guard: never stored).
  Result<Admission> admit(const NewRequest& request);
  // Only from accepted (Errc::invalid_argument otherwise); an unknown id → Errc::api_not_found.
  Status mark_running(std::string_view id, std::chrono::system_clock::time_point now);
  // Outcomes: only from accepted or running; a second outcome for an entry is refused with
  // Errc::invalid_argument (never answered twice) — the stored outcome is kept. An unknown id →
  // Errc::api_not_found. The JSON must be an object (a result over kMaxStoredJson or an error
  // over kMaxErrorJson → Errc::api_too_large).
  Status succeed(std::string_view id, std::string result_json,
                 std::chrono::system_clock::time_point now);
  Status fail(std::string_view id, std::string error_json,
              std::chrono::system_clock::time_point now);
  // std::nullopt for an id that is unknown, purged or not of the "vf_…" form.
  Result<std::optional<Entry>> find(std::string_view id) const;
  // At start-up: every accepted/running entry becomes failed with
  // {"code":"request_interrupted","message":<reason>}; returns how many.
  Result<std::size_t> recover_unfinished(std::string_view reason,
                                         std::chrono::system_clock::time_point now);
  // Deletes finished entries (and thereby their keys) whose `updated` is older than now −
  // retention. Unfinished entries are never deleted.
  Result<std::size_t> purge_expired(std::chrono::system_clock::time_point now);
  Result<Stats> stats() const;
  Result<Settings> settings() const;
  const Options& options() const noexcept;

 private:
  struct Impl;
  explicit Journal(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace onshi::journal
