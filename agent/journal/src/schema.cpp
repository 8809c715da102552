#include "schema.hpp"

#include <fmt/format.h>

#include <string>

namespace onshi::journal::detail {
namespace {

// Times are integer milliseconds since the epoch. The CHECKs keep an entry in exactly one state:
// a result only when succeeded, an error only when failed. STRICT: SQLite ≥ 3.37 (Debian 12 has
// 3.40) enforces the column types.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE requests (
  id              TEXT    NOT NULL PRIMARY KEY,
  kind            TEXT    NOT NULL,
  institution     TEXT    NOT NULL,
  uid             INTEGER NOT NULL,
  idempotency_key TEXT    NOT NULL,
  request_sha256  TEXT    NOT NULL,
  state           TEXT    NOT NULL
                  CHECK (state IN ('accepted', 'running', 'succeeded', 'failed')),
  request_json    TEXT    NOT NULL,
  result_json     TEXT,
  error_json      TEXT,
  created_ms      INTEGER NOT NULL,
  updated_ms      INTEGER NOT NULL,
  CHECK ((state = 'succeeded') = (result_json IS NOT NULL)),
  CHECK ((state = 'failed') = (error_json IS NOT NULL))
) STRICT;
-- An Idempotency-Key is scoped to the caller's uid.
CREATE UNIQUE INDEX requests_by_key ON requests (uid, idempotency_key);
-- purge_expired() walks finished entries by age.
CREATE INDEX requests_by_updated ON requests (updated_ms);
-- recover_unfinished() and stats() find the few unfinished entries without a scan.
CREATE INDEX requests_unfinished ON requests (state) WHERE state IN ('accepted', 'running');
)sql";

Result<std::int64_t> pragma_integer(Connection& db, const char* sql) {
  ONSHI_TRY_ASSIGN(Statement s, db.prepare(sql));
  ONSHI_TRY_ASSIGN(const bool row, s.step());
  return row ? s.integer(0) : 0;
}

Result<std::string> pragma_text(Connection& db, const char* sql) {
  ONSHI_TRY_ASSIGN(Statement s, db.prepare(sql));
  ONSHI_TRY_ASSIGN(const bool row, s.step());
  return row ? s.text(0) : std::string();
}

}  // namespace

Status configure_connection(Connection& db) {
  if (const int rc = sqlite3_busy_timeout(db.get(), kBusyTimeoutMs); rc != SQLITE_OK) {
    return db.failure(rc, "setting the busy timeout");
  }
  // The first read of the file: where a file that is not a database is found out.
  ONSHI_TRY(pragma_integer(db, "PRAGMA user_version"));
  ONSHI_TRY_ASSIGN(const std::string mode, pragma_text(db, "PRAGMA journal_mode=WAL"));
  if (mode != "wal") {
    return Error(Errc::journal_failed,
                 fmt::format("journal {}: SQLite stayed in journal mode \"{}\" instead of WAL (is "
                             "the state directory on a network file system?)",
                             db.path().string(), mode));
  }
  ONSHI_TRY(db.exec("PRAGMA synchronous=FULL", "setting synchronous=FULL"));
  ONSHI_TRY(db.exec("PRAGMA foreign_keys=ON", "turning foreign keys on"));
  ONSHI_TRY_ASSIGN(const std::string check, pragma_text(db, "PRAGMA quick_check(1)"));
  if (check != "ok") {
    return Error(Errc::journal_failed,
                 fmt::format("the journal is corrupt ({}): PRAGMA quick_check says \"{}\"; move "
                             "the file aside and restart onshid to begin a new journal",
                             db.path().string(), check));
  }
  return {};
}

Status prepare_schema(Connection& db) {
  // In one write transaction, so two processes opening a new file create the schema once.
  ONSHI_TRY_ASSIGN(Transaction tx, Transaction::begin(db, "checking the schema"));
  ONSHI_TRY_ASSIGN(const std::int64_t version, pragma_integer(db, "PRAGMA user_version"));
  ONSHI_TRY_ASSIGN(const std::int64_t app, pragma_integer(db, "PRAGMA application_id"));
  const std::string path = db.path().string();
  if (version > kSchemaVersion) {
    return Error(Errc::journal_failed,
                 fmt::format("journal {}: its schema version is {}, newer than this onshid "
                             "understands ({}); run the onshid that wrote it, or move the file "
                             "aside to begin a new journal",
                             path, version, kSchemaVersion));
  }
  if (version < 0 || (app != 0 && app != kApplicationId) || (version > 0 && app == 0)) {
    return Error(Errc::journal_failed,
                 fmt::format("journal {}: an SQLite database of another program (application_id "
                             "{:#x}, user_version {}), not onshid's journal",
                             path, static_cast<std::uint32_t>(app), version));
  }
  if (version == 0) {
    ONSHI_TRY_ASSIGN(const std::int64_t objects,
                     pragma_integer(db, "SELECT count(*) FROM sqlite_schema"));
    if (objects != 0) {
      return Error(Errc::journal_failed,
                   fmt::format("journal {}: an SQLite database with {} tables or indexes but no "
                               "journal schema version; not onshid's journal",
                               path, objects));
    }
    ONSHI_TRY(db.exec(kSchemaV1, "creating the journal schema v1"));
    ONSHI_TRY(db.exec(fmt::format("PRAGMA application_id={}", kApplicationId),
                      "setting the application id"));
    ONSHI_TRY(db.exec(fmt::format("PRAGMA user_version={}", kSchemaVersion),
                      "setting the schema version"));
  }
  return tx.commit("creating the journal schema");
}

}  // namespace onshi::journal::detail
