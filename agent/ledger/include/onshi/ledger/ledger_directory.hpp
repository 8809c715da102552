// The ledger's directory: one file <id>.json per certificate, no database file, so it may live on
// a share (often SMB) that several terminals of a clinic use at once. Temp file + rename alone
// would let the last writer silently drop another terminal's step, so a write
//  1. takes the record's lock: <id>.json.lock created with O_CREAT|O_EXCL (not flock, which SMB
//     does not honour reliably), holding who took it and when; a lock older than lock_stale_after
//     was left by a crash and is broken (renamed away, so only one terminal breaks it);
//  2. reads the record under the lock and applies the change;
//  3. writes .<id>.json.tmp-<host>-<pid>-<nonce>, fsyncs it, then checks that the lock is still
//     its own and that the file's generation is still the one it read, and only then renames the
//     temp file over <id>.json (generation + 1); any difference is Errc::ledger_conflict and
//     nothing is written;
//  4. removes its lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "onshi/error.hpp"
#include "onshi/ledger/record.hpp"
#include "onshi/result.hpp"

namespace onshi::ledger {

struct LedgerOptions {
  std::filesystem::path directory;
  std::chrono::seconds lock_stale_after{120};
  std::chrono::milliseconds lock_wait{10000};
  TerminalId self;  // written into locks
  // True for this terminal's own directory (<state_dir>/ledger): missing means empty, and the
  // first write creates it. False for a configured one, often a share: missing means not
  // mounted, an Errc::io error, never an empty ledger (a clinic would apply and pay again).
  bool directory_may_be_missing = true;
  // Test seam: called after the temp file is written, before the final checks and the rename.
  std::function<void()> before_rename;
};

// This machine's identity: /etc/machine-id (or /var/lib/dbus/machine-id) and the host name.
TerminalId this_terminal();

struct Listing {
  std::vector<Record> records;  // sorted by institution, terminal name, then id
  std::vector<Error> problems;  // files that could not be read or parsed, each named
};

class LedgerDirectory {
 public:
  explicit LedgerDirectory(LedgerOptions options);

  const std::filesystem::path& directory() const { return options_.directory; }

  // Creates the directory (not its parents) when missing and allowed to be; Errc::io if it cannot,
  // or if a configured directory is missing.
  Result<void> ensure_exists() const;

  // Every record. A missing directory is an empty ledger (when it may be missing); an unreadable
  // one is Errc::io.
  Result<Listing> list() const;
  // Errc::cert_not_found-like: Errc::invalid_argument when there is no record `id`.
  Result<Record> read(const std::string& id) const;

  // Writes a new record (generation 1). Errc::ledger_conflict when `id` exists.
  Result<Record> create(Record record);

  // Reads `id` under its lock, calls `change`, and writes the result (generation + 1). When
  // `change` returns false nothing is written (the record is returned as read). With
  // `expected_generation`, a record at another generation is Errc::ledger_conflict.
  using Change = std::function<Result<bool>(Record&)>;
  Result<Record> update(const std::string& id, const Change& change,
                        std::optional<std::uint64_t> expected_generation = {});

 private:
  std::filesystem::path file_of(const std::string& id) const;
  std::string missing_directory() const;
  LedgerOptions options_;
};

}  // namespace onshi::ledger
