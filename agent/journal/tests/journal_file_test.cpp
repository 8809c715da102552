// The journal's file (journal.hpp, journal_file.hpp, schema.hpp): the durability settings really
// in force on the journal's connection, the modes of the directory and of all three files, and
// a clear journal_failed — never a crash, never an overwritten file — for whatever else is found
// at the path.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "journal_test_support.hpp"
#include "onshi/journal/journal.hpp"
#include "schema.hpp"

namespace onshi::journal {
namespace {

using namespace std::chrono_literals;
using namespace onshi::journal::testing;

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) {
    ADD_FAILURE() << "lstat " << p;
    return 0;
  }
  return st.st_mode & 07777;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void spit(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

Error open_error(const fs::path& file) {
  Options o;
  o.file = file;
  auto j = Journal::open(o);
  if (j) {
    ADD_FAILURE() << "Journal::open(" << file << ") succeeded";
    return {};
  }
  return j.error();
}

// Sets the process umask for a test and puts the old one back.
class Umask {
 public:
  explicit Umask(mode_t m) : old_(::umask(m)) {}
  ~Umask() { ::umask(old_); }
  Umask(const Umask&) = delete;
  Umask& operator=(const Umask&) = delete;

 private:
  mode_t old_;
};

TEST(JournalFile, WalAndSynchronousFullAreReallySetOnTheJournalsConnection) {
  TempDir dir;
  auto journal = open_journal(dir.path() / "journal.sqlite3");
  ASSERT_NE(journal, nullptr);
  auto s = journal->settings();
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(s->journal_mode, "wal");
  EXPECT_EQ(s->synchronous, 2);  // FULL
  EXPECT_TRUE(s->foreign_keys);
  EXPECT_EQ(s->busy_timeout_ms, detail::kBusyTimeoutMs);
  EXPECT_EQ(s->schema_version, 1);

  // WAL is a property of the file: another connection sees it too, and the schema with it.
  RawDb raw(dir.path() / "journal.sqlite3");
  EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.text("PRAGMA user_version"), "1");
  EXPECT_EQ(raw.text("PRAGMA application_id"), std::to_string(detail::kApplicationId));
  const auto indexes = raw.rows(
      "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'requests' AND sql IS "
      "NOT NULL ORDER BY name");
  EXPECT_EQ(indexes, (std::vector<std::string>{"requests_by_key", "requests_by_updated",
                                               "requests_unfinished"}));
  EXPECT_EQ(raw.text("SELECT \"unique\" FROM pragma_index_list('requests') WHERE name = "
                     "'requests_by_key'"),
            "1");
}

TEST(JournalFile, TimesAreStoredAsIntegerMilliseconds) {
  TempDir dir;
  auto journal = open_journal(dir.path() / "journal.sqlite3");
  ASSERT_NE(journal, nullptr);
  const std::string id = journal->admit(request("k"))->entry.id;
  RawDb raw(dir.path() / "journal.sqlite3");
  EXPECT_EQ(
      raw.rows("SELECT typeof(created_ms), created_ms, updated_ms FROM requests WHERE id = '" + id +
               "'"),
      (std::vector<std::string>{"integer|1796173200000|1796173200000"}));
}

TEST(JournalFile, DirectoryIs0700AndAllThreeFiles0600WhateverTheUmask) {
  Umask loose(0);
  TempDir dir;
  const fs::path file = dir.path() / "var" / "lib" / "onshi" / "journal.sqlite3";
  auto journal = open_journal(file);
  ASSERT_NE(journal, nullptr);
  ASSERT_TRUE(journal->admit(request("k")));
  EXPECT_EQ(mode_of(dir.path() / "var"), 0700u);
  EXPECT_EQ(mode_of(dir.path() / "var" / "lib"), 0700u);
  EXPECT_EQ(mode_of(file.parent_path()), 0700u);
  EXPECT_EQ(mode_of(file), 0600u);
  EXPECT_EQ(mode_of(file.string() + "-wal"), 0600u);
  EXPECT_EQ(mode_of(file.string() + "-shm"), 0600u);
}

TEST(JournalFile, LooseModesLeftBehindAreTightened) {
  Umask loose(0);
  TempDir dir;
  const fs::path file = dir.path() / "journal.sqlite3";
  { auto journal = open_journal(file); }
  ASSERT_EQ(::chmod(file.c_str(), 0644), 0);
  // A -wal and -shm of an older install, world-readable.
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::string p = file.string() + suffix;
    const int fd = ::open(p.c_str(), O_CREAT | O_WRONLY, 0666);
    ASSERT_GE(fd, 0);
    ::close(fd);
    ASSERT_EQ(mode_of(p), 0666u);
  }
  auto journal = open_journal(file);
  ASSERT_NE(journal, nullptr);
  EXPECT_EQ(mode_of(file), 0600u);
  EXPECT_EQ(mode_of(file.string() + "-wal"), 0600u);
  EXPECT_EQ(mode_of(file.string() + "-shm"), 0600u);
}

TEST(JournalFile, AnExistingStateDirectoryKeepsItsMode) {
  TempDir dir;
  const fs::path state = dir.path() / "state";
  ASSERT_EQ(::mkdir(state.c_str(), 0750), 0);
  ASSERT_EQ(::chmod(state.c_str(), 0750), 0);
  auto journal = open_journal(state / "journal.sqlite3");
  ASSERT_NE(journal, nullptr);
  EXPECT_EQ(mode_of(state), 0750u);
}

TEST(JournalFile, AnEmptyFileGetsSchemaV1) {
  TempDir dir;
  const fs::path file = dir.path() / "journal.sqlite3";
  spit(file, "");
  auto journal = open_journal(file);
  ASSERT_NE(journal, nullptr);
  EXPECT_EQ(journal->settings()->schema_version, 1);
  EXPECT_TRUE(journal->admit(request("k")));
}

TEST(JournalFile, AGarbageFileIsNotAnSQLiteDatabaseAndIsLeftAlone) {
  TempDir dir;
  const fs::path file = dir.path() / "journal.sqlite3";
  std::mt19937 rng(7);
  std::string garbage = "This is not a database, it is a note left by a technician.\n";
  while (garbage.size() < 16384) garbage += static_cast<char>(rng());
  spit(file, garbage);
  const Error e = open_error(file);
  EXPECT_EQ(e.code, Errc::journal_failed);
  EXPECT_NE(e.message.find("is not an SQLite database (" + file.string() + ")"), std::string::npos)
      << e.message;
  EXPECT_EQ(slurp(file), garbage);
  EXPECT_FALSE(fs::exists(file.string() + "-wal"));
}

TEST(JournalFile, ATextFileOfOneLineIsNotAnSQLiteDatabase) {
  TempDir dir;
  const fs::path file = dir.path() / "journal.sqlite3";
  spit(file, "hello\n");
  const Error e = open_error(file);
  EXPECT_EQ(e.code, Errc::journal_failed);
  EXPECT_NE(e.message.find("is not an SQLite database"), std::string::npos) << e.message;
  EXPECT_EQ(slurp(file), "hello\n");
}

TEST(JournalFile, ANewerSchemaIsRefusedWithBothVersions) {
  TempDir dir;
  const fs::path file = dir.path() / "journal.sqlite3";
  {
    auto journal = open_journal(file);
    ASSERT_NE(journal, nullptr);
    ASSERT_TRUE(journal->admit(request("k")));
  }
  RawDb(file).exec("PRAGMA user_version = 2");
  const Error e = open_error(file);
  EXPECT_EQ(e.code, Errc::journal_failed);
  EXPECT_NE(e.message.find("schema version is 2, newer than this onshid understands (1)"),
            std::string::npos)
      << e.message;
  EXPECT_NE(e.message.find(file.string()), std::string::npos);
  EXPECT_EQ(RawDb(file).text("SELECT count(*) FROM requests"), "1");
}

TEST(JournalFile, AnotherProgramsDatabaseIsRefused) {
  TempDir dir;
  const fs::path file = dir.path() / "journal.sqlite3";
  RawDb(file).exec("CREATE TABLE patients (name TEXT)");
  Error e = open_error(file);
  EXPECT_EQ(e.code, Errc::journal_failed);
  EXPECT_NE(e.message.find("not onshid's journal"), std::string::npos) << e.message;
  EXPECT_EQ(RawDb(file).text("SELECT count(*) FROM sqlite_schema"), "1");

  const fs::path other = dir.path() / "other.sqlite3";
  {
    RawDb raw(other);
    raw.exec("PRAGMA application_id = 1234");
    raw.exec("PRAGMA user_version = 1");
  }
  e = open_error(other);
  EXPECT_EQ(e.code, Errc::journal_failed);
  EXPECT_NE(e.message.find("another program"), std::string::npos) << e.message;
}

TEST(JournalFile, ACorruptDatabaseIsRefused) {
  TempDir dir;
  const fs::path file = dir.path() / "journal.sqlite3";
  {
    auto journal = open_journal(file);
    ASSERT_NE(journal, nullptr);
    for (int i = 0; i < 300; ++i) {
      const std::string body = fmt::format(R"({{"i":{},"pad":"{}"}})", i, std::string(300, 'p'));
      ASSERT_TRUE(journal->admit(request(fmt::format("k{}", i), body)));
    }
  }
  // Everything after the first page (the header and the schema) overwritten.
  std::string bytes = slurp(file);
  ASSERT_GT(bytes.size(), 3u * 4096);
  for (std::size_t i = 4096; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7 + 3);
  spit(file, bytes);
  const Error e = open_error(file);
  EXPECT_EQ(e.code, Errc::journal_failed);
  EXPECT_NE(e.message.find("the journal is corrupt (" + file.string() + ")"), std::string::npos)
      << e.message;
}

TEST(JournalFile, WhatIsNotAFileIsRefused) {
  TempDir dir;
  const fs::path as_dir = dir.path() / "a-directory";
  fs::create_directory(as_dir);
  Error e = open_error(as_dir);
  EXPECT_EQ(e.code, Errc::journal_failed);
  EXPECT_NE(e.message.find("is a directory"), std::string::npos) << e.message;

  const fs::path target = dir.path() / "target.sqlite3";
  { auto journal = open_journal(target); }
  const fs::path link = dir.path() / "link.sqlite3";
  fs::create_symlink(target, link);
  e = open_error(link);
  EXPECT_EQ(e.code, Errc::journal_failed);
  EXPECT_NE(e.message.find("is a symbolic link"), std::string::npos) << e.message;

  spit(dir.path() / "plain-file", "x");
  e = open_error(dir.path() / "plain-file" / "journal.sqlite3");
  EXPECT_EQ(e.code, Errc::journal_failed);
  EXPECT_NE(e.message.find("is not a directory"), std::string::npos) << e.message;
}

TEST(JournalFile, AnUnwritableFileIsRefusedClearly) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes any file";
  TempDir dir;
  const fs::path file = dir.path() / "journal.sqlite3";
  { auto journal = open_journal(file); }
  ASSERT_EQ(::chmod(file.c_str(), 0400), 0);
  const Error e = open_error(file);
  EXPECT_EQ(e.code, Errc::journal_failed);
  EXPECT_NE(e.message.find(file.string()), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("Permission denied"), std::string::npos) << e.message;
}

}  // namespace
}  // namespace onshi::journal
