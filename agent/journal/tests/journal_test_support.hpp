// What the journal's tests share: a private directory, requests as the server builds them, and a
// look at the database file with SQLite itself, beside the journal's own connection.
#pragma once

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "onshi/c_deleter.hpp"
#include "onshi/journal/journal.hpp"

namespace onshi::journal::testing {

namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;

// 2026-12-02 10:00 in Japan, to the millisecond the journal keeps.
inline Clock::time_point test_now() {
  return Clock::time_point(std::chrono::milliseconds(1'796'173'200'000));
}

inline std::string sha256_hex(std::string_view text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(text.data(), text.size(), md, &n, EVP_sha256(), nullptr);
  std::string out;
  for (unsigned i = 0; i < n; ++i) out += fmt::format("{:02x}", md[i]);
  return out;
}

// An insurance-card request as onshid journals it: the body's digest and the body itself.
inline NewRequest request(std::string key, std::string body = R"({"insurer":"06139780"})",
                          std::uint32_t uid = 1000, Clock::time_point now = test_now()) {
  NewRequest r;
  r.kind = "insurance_card";
  r.institution = "0110113719";
  r.uid = uid;
  r.idempotency_key = std::move(key);
  r.request_sha256 = sha256_hex(body);
  r.request_json = std::move(body);
  r.now = now;
  return r;
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "onshi-journal-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline std::unique_ptr<Journal> open_journal(
    const fs::path& file, std::chrono::seconds retention = std::chrono::hours(24 * 90)) {
  Options o;
  o.file = file;
  o.retention = retention;
  auto j = Journal::open(o);
  if (!j) {
    ADD_FAILURE() << "Journal::open: " << j.error().to_string();
    return nullptr;
  }
  return std::move(j).value();
}

// The database file through a connection of SQLite's own (not the journal's).
class RawDb {
 public:
  explicit RawDb(const fs::path& file) {
    sqlite3* raw = nullptr;
    const int rc =
        sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    db_.reset(raw);
    if (rc != SQLITE_OK) ADD_FAILURE() << "sqlite3_open_v2: " << sqlite3_errstr(rc);
  }
  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << (err != nullptr ? err : "?");
    }
    sqlite3_free(err);
  }
  // The first column of the first row, as text ("" when there is none).
  std::string text(const std::string& sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_.get());
      return {};
    }
    std::unique_ptr<sqlite3_stmt, CDeleter<sqlite3_finalize>> stmt(raw);
    if (sqlite3_step(raw) != SQLITE_ROW) return {};
    const auto* p = sqlite3_column_text(raw, 0);
    return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p));
  }
  // Every row's columns joined by '|'.
  std::vector<std::string> rows(const std::string& sql) {
    std::vector<std::string> out;
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_.get());
      return out;
    }
    std::unique_ptr<sqlite3_stmt, CDeleter<sqlite3_finalize>> stmt(raw);
    while (sqlite3_step(raw) == SQLITE_ROW) {
      std::string row;
      for (int c = 0; c < sqlite3_column_count(raw); ++c) {
        const auto* p = sqlite3_column_text(raw, c);
        if (c > 0) row += '|';
        row += p == nullptr ? "NULL" : reinterpret_cast<const char*>(p);
      }
      out.push_back(std::move(row));
    }
    return out;
  }

 private:
  std::unique_ptr<sqlite3, CDeleter<sqlite3_close_v2>> db_;
};

}  // namespace onshi::journal::testing
