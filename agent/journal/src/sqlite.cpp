#include "sqlite.hpp"

#include <fmt/format.h>

#include <utility>

namespace onshi::journal::detail {
namespace {

std::string reason(sqlite3* db, int rc) {
  // The connection's message is the specific one ("UNIQUE constraint failed: …"); it only
  // describes `rc` when the connection reports that same code.
  if (db != nullptr && sqlite3_extended_errcode(db) == rc) return sqlite3_errmsg(db);
  return sqlite3_errstr(rc);
}

}  // namespace

Result<Connection> Connection::open(const std::filesystem::path& file) {
  Connection c;
  c.path_ = file;
  sqlite3* raw = nullptr;
  // NOMUTEX: the journal serialises every use of its one connection with its own mutex.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  const int rc = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
  c.db_.reset(raw);  // a handle comes back even on failure, and must be closed
  if (rc != SQLITE_OK) return c.failure(rc, "opening the database");
  sqlite3_extended_result_codes(raw, 1);
  if (sqlite3_db_readonly(raw, "main") == 1) {
    return Error(Errc::journal_failed,
                 fmt::format("journal {}: SQLite could only open it read-only; onshid must be able "
                             "to write its journal",
                             file.string()));
  }
  return c;
}

Status Connection::exec(const std::string& sql, std::string_view doing) {
  const int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return failure(rc, doing);
  return {};
}

Result<Statement> Connection::prepare(std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  StatementPtr stmt(raw);
  if (rc != SQLITE_OK) return failure(rc, fmt::format("preparing \"{}\"", sql));
  return Statement(db_.get(), path_, std::move(stmt), sql);
}

std::int64_t Connection::changes() const noexcept { return sqlite3_changes64(db_.get()); }

Error sqlite_failure(sqlite3* db, const std::filesystem::path& file, int rc,
                     std::string_view doing) {
  const std::string why = reason(db, rc);
  const std::string path = file.string();
  std::string message;
  switch (rc & 0xff) {
    case SQLITE_NOTADB:
      message = fmt::format("the journal file is not an SQLite database ({}): {} while {}", path,
                            why, doing);
      break;
    case SQLITE_CORRUPT:
      message = fmt::format(
          "the journal is corrupt ({}): {} while {}; move the file aside and "
          "restart onshid to begin a new journal",
          path, why, doing);
      break;
    case SQLITE_FULL:
      message =
          fmt::format("the disk holding the journal is full ({}) while {}: {}", path, doing, why);
      break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      message = fmt::format(
          "journal {}: another process held the database locked too long while "
          "{}: {}",
          path, doing, why);
      break;
    default:
      message = fmt::format("journal {}: {} while {}", path, why, doing);
  }
  return Error(Errc::journal_failed, std::move(message), rc);
}

Status Statement::bind(int index, std::string_view text) {
  // SQLITE_TRANSIENT: SQLite copies the text, so no binding outlives what it points at.
  const int rc = sqlite3_bind_text64(stmt_.get(), index, text.data(), text.size(), SQLITE_TRANSIENT,
                                     SQLITE_UTF8);
  if (rc != SQLITE_OK) return failure(rc);
  return {};
}

Status Statement::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_.get(), index, value);
  if (rc != SQLITE_OK) return failure(rc);
  return {};
}

Status Statement::bind_null(int index) {
  const int rc = sqlite3_bind_null(stmt_.get(), index);
  if (rc != SQLITE_OK) return failure(rc);
  return {};
}

Result<bool> Statement::step() {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return failure(rc);
}

Status Statement::run() {
  ONSHI_TRY_ASSIGN(const bool row, step());
  if (row) {
    return Error(Errc::internal, fmt::format("journal: \"{}\" returned a row", doing_));
  }
  return {};
}

bool Statement::is_null(int column) const noexcept {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

std::int64_t Statement::integer(int column) const noexcept {
  return sqlite3_column_int64(stmt_.get(), column);
}

std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_.get(), column);
  const int n = sqlite3_column_bytes(stmt_.get(), column);  // after _text, as SQLite asks
  if (p == nullptr || n <= 0) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

void Statement::reset() noexcept {
  if (!stmt_) return;
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

Error Statement::failure(int rc) const {
  return sqlite_failure(db_, file_, rc, fmt::format("running \"{}\"", doing_));
}

Result<Transaction> Transaction::begin(Connection& connection, std::string_view doing) {
  ONSHI_TRY(connection.exec("BEGIN IMMEDIATE", doing));
  return Transaction(&connection);
}

Transaction::~Transaction() {
  // After some errors (SQLITE_FULL, SQLITE_IOERR) SQLite has rolled back already.
  if (connection_ != nullptr && sqlite3_get_autocommit(connection_->get()) == 0) {
    sqlite3_exec(connection_->get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

Status Transaction::commit(std::string_view doing) {
  ONSHI_TRY(connection_->exec("COMMIT", doing));
  connection_ = nullptr;
  return {};
}

}  // namespace onshi::journal::detail
