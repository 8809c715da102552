// RAII for the SQLite3 C API as the journal uses it: a connection that names its file in every
// error, prepared statements with bound parameters only (reset after each use, so no statement
// keeps a read transaction open), and an IMMEDIATE transaction that rolls back unless committed.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "onshi/c_deleter.hpp"
#include "onshi/result.hpp"

namespace onshi::journal::detail {

using DatabasePtr = std::unique_ptr<sqlite3, CDeleter<sqlite3_close_v2>>;
using StatementPtr = std::unique_ptr<sqlite3_stmt, CDeleter<sqlite3_finalize>>;

class Statement;

// Errc::journal_failed for SQLite result code `rc` while `doing`, with the path and SQLite's
// reason; a file that is not a database or is corrupt is said so first.
Error sqlite_failure(sqlite3* db, const std::filesystem::path& file, int rc,
                     std::string_view doing);

class Connection {
 public:
  Connection() = default;
  // Opens an existing file for reading and writing (the caller creates it with its mode).
  static Result<Connection> open(const std::filesystem::path& file);

  sqlite3* get() const noexcept { return db_.get(); }
  const std::filesystem::path& path() const noexcept { return path_; }

  // SQL without parameters (pragmas, DDL, BEGIN/COMMIT).
  Status exec(const std::string& sql, std::string_view doing);
  Result<Statement> prepare(std::string_view sql);
  std::int64_t changes() const noexcept;

  Error failure(int rc, std::string_view doing) const {
    return sqlite_failure(db_.get(), path_, rc, doing);
  }

 private:
  std::filesystem::path path_;
  DatabasePtr db_;
};

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, std::filesystem::path file, StatementPtr stmt, std::string_view doing)
      : db_(db), file_(std::move(file)), stmt_(std::move(stmt)), doing_(doing) {}

  // Parameters count from 1, as in SQLite.
  Status bind(int index, std::string_view text);
  Status bind(int index, std::int64_t value);
  Status bind_null(int index);

  // true: a row is ready; false: done.
  Result<bool> step();
  // Steps a statement that returns no rows.
  Status run();

  bool is_null(int column) const noexcept;
  std::int64_t integer(int column) const noexcept;
  std::string text(int column) const;

  // Forgets the last run and its bindings; Use does it when the run's scope ends.
  void reset() noexcept;
  class Use {
   public:
    explicit Use(Statement& s) noexcept : s_(s) {}
    ~Use() { s_.reset(); }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;

   private:
    Statement& s_;
  };
  [[nodiscard]] Use use() noexcept { return Use(*this); }

 private:
  Error failure(int rc) const;
  sqlite3* db_ = nullptr;  // the connection outlives its statements (Journal::Impl's order)
  std::filesystem::path file_;
  StatementPtr stmt_;
  std::string doing_;  // what the statement is for, in errors
};

// BEGIN IMMEDIATE … COMMIT: takes the write lock first, so two writers never deadlock in a
// read-then-write; rolls back on scope exit unless commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> begin(Connection& connection, std::string_view doing);
  Transaction(Transaction&& other) noexcept
      : connection_(std::exchange(other.connection_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  ~Transaction();
  // Durable on return (synchronous=FULL).
  Status commit(std::string_view doing);

 private:
  explicit Transaction(Connection* connection) : connection_(connection) {}
  Connection* connection_ = nullptr;
};

}  // namespace onshi::journal::detail
