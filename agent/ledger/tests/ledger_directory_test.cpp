// The shared ledger directory (ledger_directory.hpp): records round-trip through files, every
// write goes through the record's lock and the generation check, and writers in several
// processes at once neither lose a step nor wait forever on a lock left by a crash.
#include "onshi/ledger/ledger_directory.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "onshi/ledger/record_file.hpp"
#include "onshi/ledger/steps.hpp"

namespace onshi::ledger {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono;
using namespace std::chrono_literals;

constexpr const char* kInstitution = "0110113719";

// 2026-12-02 10:00 in Japan.
sys_seconds test_now() { return sys_days{2026y / 12 / 2} + 1h; }

Recording recording(const std::string& host = "terminal-a", sys_seconds now = test_now()) {
  return Recording{now, TerminalId{"machine-" + host, host}};
}

Record application(const std::string& id, const std::string& institution = kInstitution,
                   const std::string& terminal = "受付1") {
  Application a;
  a.request_id = id;
  a.institution = institution;
  a.terminal_name = terminal;
  a.contact = Contact{"事務 山田", "03-1234-5678", "office@example.jp"};
  a.applied_on = sys_days{2026y / 12 / 1};
  auto r = new_application(a, recording());
  if (!r) ADD_FAILURE() << "new_application: " << r.error().message;
  return r ? *r : Record{};
}

// A change that edits the phone number.
LedgerDirectory::Change phone_edit(const std::string& phone, const Recording& at = recording()) {
  return [phone, at](Record& r) -> Result<bool> {
    ContactChange c;
    c.phone = phone;
    if (auto done = record_contact_edit(r, c, at); !done) return done.error();
    return true;
  };
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void spit(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

void age_file(const fs::path& path, seconds by) {
  const auto then = system_clock::now() - by;
  timespec times[2];
  times[0].tv_sec = system_clock::to_time_t(then);
  times[0].tv_nsec = 0;
  times[1] = times[0];
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0) << path;
}

// Someone else's lock, as lock_text() writes it.
std::string foreign_lock(const std::string& host, sys_seconds created,
                         const std::string& nonce = "0123456789abcdef") {
  return "onshi-ledger-lock 1\nnonce=" + nonce + "\nhost=" + host + "\nmachine_id=machine-" + host +
         "\npid=4242\ncreated=" + std::to_string(created.time_since_epoch().count()) + "\n";
}

sys_seconds wall_now() { return time_point_cast<seconds>(system_clock::now()); }

class LedgerDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "onshi-ledger-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    dir_ = root_ / "ledger";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  LedgerOptions options(const std::string& host = "terminal-a") const {
    LedgerOptions o;
    o.directory = dir_;
    o.lock_stale_after = 120s;
    o.lock_wait = 200ms;
    o.self = TerminalId{"machine-" + host, host};
    return o;
  }

  fs::path file(const std::string& id) const { return dir_ / (id + ".json"); }
  fs::path lock(const std::string& id) const { return dir_ / (id + ".json.lock"); }

  // Every name in the ledger directory.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir_, ec)) out.push_back(e.path().filename());
    std::sort(out.begin(), out.end());
    return out;
  }

  // Creates `id` through a LedgerDirectory of its own.
  Record created(const std::string& id) {
    LedgerDirectory ledger(options());
    auto r = ledger.create(application(id));
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : Record{};
  }

  fs::path root_;
  fs::path dir_;
};

TEST_F(LedgerDirectoryTest, CreateReadAndListRoundTrip) {
  LedgerDirectory ledger(options());
  auto made = ledger.create(application("REQ-0001"));
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_EQ(made->generation, 1u);
  EXPECT_TRUE(fs::is_regular_file(file("REQ-0001")));

  auto read = ledger.read("REQ-0001");
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(serialize_record(*read), serialize_record(*made));
  EXPECT_EQ(read->contact.phone, "03-1234-5678");
  EXPECT_EQ(read->terminal_name, "受付1");
  ASSERT_EQ(read->history.size(), 1u);
  EXPECT_EQ(read->history[0].kind, StepKind::applied);

  auto listing = ledger.list();
  ASSERT_TRUE(listing) << listing.error().message;
  EXPECT_TRUE(listing->problems.empty());
  ASSERT_EQ(listing->records.size(), 1u);
  EXPECT_EQ(serialize_record(listing->records[0]), serialize_record(*made));
  // Nothing but the record is left behind: no lock, no temp file.
  EXPECT_EQ(names(), std::vector<std::string>{"REQ-0001.json"});
}

TEST_F(LedgerDirectoryTest, ANewObjectOnTheSameDirectorySeesTheSameRecords) {
  {
    LedgerDirectory ledger(options());
    ASSERT_TRUE(ledger.create(application("REQ-B", "2714206386")));
    ASSERT_TRUE(ledger.create(application("REQ-A", kInstitution, "受付2")));
    ASSERT_TRUE(ledger.create(application("REQ-C", kInstitution, "受付1")));
    ASSERT_TRUE(ledger.update("REQ-B", phone_edit("06-0000-0000")));
  }
  LedgerDirectory restarted(options("terminal-b"));
  auto listing = restarted.list();
  ASSERT_TRUE(listing) << listing.error().message;
  EXPECT_TRUE(listing->problems.empty());
  ASSERT_EQ(listing->records.size(), 3u);
  // Sorted by institution, then terminal name, then id.
  EXPECT_EQ(listing->records[0].id, "REQ-C");
  EXPECT_EQ(listing->records[1].id, "REQ-A");
  EXPECT_EQ(listing->records[2].id, "REQ-B");
  EXPECT_EQ(listing->records[2].generation, 2u);
  EXPECT_EQ(listing->records[2].contact.phone, "06-0000-0000");
  auto b = restarted.read("REQ-B");
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(serialize_record(*b), serialize_record(listing->records[2]));
}

TEST_F(LedgerDirectoryTest, CreateOfAnExistingIdIsAConflictAndLeavesTheFileUnchanged) {
  created("REQ-0001");
  const std::string before = slurp(file("REQ-0001"));
  LedgerDirectory other(options("terminal-b"));
  Record again = application("REQ-0001");
  again.contact.phone = "099-999-9999";
  auto r = other.create(again);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::ledger_conflict) << r.error().message;
  EXPECT_NE(r.error().message.find("REQ-0001"), std::string::npos) << r.error().message;
  EXPECT_EQ(slurp(file("REQ-0001")), before);
  EXPECT_EQ(names(), std::vector<std::string>{"REQ-0001.json"});  // its lock is released
}

TEST_F(LedgerDirectoryTest, UpdateBumpsTheGenerationAndKeepsHistory) {
  created("REQ-0001");
  LedgerDirectory ledger(options());
  auto first = ledger.update("REQ-0001", phone_edit("03-0000-0001"));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->generation, 2u);
  auto second = ledger.update("REQ-0001", phone_edit("03-0000-0002", recording("terminal-b")));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->generation, 3u);

  auto read = ledger.read("REQ-0001");
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->generation, 3u);
  EXPECT_EQ(read->contact.phone, "03-0000-0002");
  ASSERT_EQ(read->history.size(), 3u);
  EXPECT_EQ(read->history[0].kind, StepKind::applied);
  EXPECT_EQ(read->history[1].kind, StepKind::edited);
  EXPECT_EQ(read->history[1].recorded_by.host, "terminal-a");
  EXPECT_EQ(read->history[2].kind, StepKind::edited);
  EXPECT_EQ(read->history[2].recorded_by.host, "terminal-b");
  EXPECT_EQ(names(), std::vector<std::string>{"REQ-0001.json"});
}

TEST_F(LedgerDirectoryTest, AChangeReturningFalseWritesNothing) {
  created("REQ-0001");
  const std::string before = slurp(file("REQ-0001"));
  LedgerDirectory ledger(options());
  bool called = false;
  auto r = ledger.update("REQ-0001", [&](Record& rec) -> Result<bool> {
    called = true;
    rec.contact.phone = "changed but not meant";  // must not reach the file
    return false;
  });
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(called);
  EXPECT_EQ(r->generation, 1u);
  EXPECT_EQ(r->contact.phone, "03-1234-5678");  // the record as read
  EXPECT_EQ(slurp(file("REQ-0001")), before);
  EXPECT_EQ(names(), std::vector<std::string>{"REQ-0001.json"});
}

TEST_F(LedgerDirectoryTest, AChangeFailingWritesNothingAndReturnsItsError) {
  created("REQ-0001");
  const std::string before = slurp(file("REQ-0001"));
  LedgerDirectory ledger(options());
  auto r = ledger.update("REQ-0001", [](Record& rec) -> Result<bool> {
    rec.contact.phone = "half done";
    return fail(Errc::ledger_transition, "not now");
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::ledger_transition);
  EXPECT_EQ(slurp(file("REQ-0001")), before);
  EXPECT_EQ(names(), std::vector<std::string>{"REQ-0001.json"});
}

TEST_F(LedgerDirectoryTest, AChangeMayNotRenameTheRecord) {
  created("REQ-0001");
  const std::string before = slurp(file("REQ-0001"));
  LedgerDirectory ledger(options());
  auto r = ledger.update("REQ-0001", [](Record& rec) -> Result<bool> {
    rec.id = "REQ-0002";
    return true;
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(slurp(file("REQ-0001")), before);
  EXPECT_EQ(names(), std::vector<std::string>{"REQ-0001.json"});
}

TEST_F(LedgerDirectoryTest, UpdateOfAMissingRecordIsInvalidArgument) {
  created("REQ-0001");
  LedgerDirectory ledger(options());
  auto r = ledger.update("REQ-0404", phone_edit("03-0000-0001"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::invalid_argument) << r.error().message;
  EXPECT_EQ(names(), std::vector<std::string>{"REQ-0001.json"});  // no file, no lock left
}

TEST_F(LedgerDirectoryTest, ExpectedGenerationMismatchIsAConflict) {
  created("REQ-0001");
  LedgerDirectory ledger(options());
  ASSERT_TRUE(ledger.update("REQ-0001", phone_edit("03-0000-0001"), 1u));
  const std::string before = slurp(file("REQ-0001"));
  bool called = false;
  auto r = ledger.update(
      "REQ-0001",
      [&](Record&) -> Result<bool> {
        called = true;
        return true;
      },
      1u);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::ledger_conflict) << r.error().message;
  EXPECT_FALSE(called);
  EXPECT_EQ(slurp(file("REQ-0001")), before);
  // The right generation goes through.
  auto ok = ledger.update("REQ-0001", phone_edit("03-0000-0002"), 2u);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->generation, 3u);
}

TEST_F(LedgerDirectoryTest, AWriterBypassingTheLockIsAConflictAndItsContentSurvives) {
  created("REQ-0001");
  LedgerOptions o = options();
  std::string theirs;
  o.before_rename = [&] {
    // Another writer (an old onshi, a person with an editor) ignores the lock and writes the
    // record at the next generation.
    LedgerDirectory plain(options("terminal-b"));
    auto current = plain.read("REQ-0001");
    ASSERT_TRUE(current);
    Record r = *current;
    ASSERT_TRUE(
        record_contact_edit(r, ContactChange{{}, "06-1111-1111", {}}, recording("terminal-b")));
    r.generation = current->generation + 1;
    theirs = serialize_record(r);
    spit(file("REQ-0001"), theirs);
  };
  LedgerDirectory ledger(o);
  auto r = ledger.update("REQ-0001", phone_edit("03-0000-0001"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::ledger_conflict) << r.error().message;
  ASSERT_FALSE(theirs.empty());
  EXPECT_EQ(slurp(file("REQ-0001")), theirs);
  EXPECT_EQ(names(), std::vector<std::string>{"REQ-0001.json"});  // no temp file, no lock
  auto read = ledger.read("REQ-0001");
  ASSERT_TRUE(read);
  EXPECT_EQ(read->generation, 2u);
  EXPECT_EQ(read->contact.phone, "06-1111-1111");
}

TEST_F(LedgerDirectoryTest, AWriterBypassingTheLockDuringCreateIsAConflict) {
  ASSERT_TRUE(fs::create_directory(dir_));
  const Record theirs_record = [] {
    Record r = application("REQ-0001");
    r.generation = 1;
    r.contact.phone = "06-1111-1111";
    return r;
  }();
  const std::string theirs = serialize_record(theirs_record);
  LedgerOptions o = options();
  o.before_rename = [&] { spit(file("REQ-0001"), theirs); };
  LedgerDirectory ledger(o);
  auto r = ledger.create(application("REQ-0001"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::ledger_conflict) << r.error().message;
  EXPECT_EQ(slurp(file("REQ-0001")), theirs);
  EXPECT_EQ(names(), std::vector<std::string>{"REQ-0001.json"});
}

TEST_F(LedgerDirectoryTest, ALiveLockIsLedgerLockedAfterTheWaitNamingItsHolder) {
  created("REQ-0001");
  const std::string before = slurp(file("REQ-0001"));
  const std::string theirs = foreign_lock("reception-pc", wall_now());
  spit(lock("REQ-0001"), theirs);
  LedgerDirectory ledger(options());
  const auto start = steady_clock::now();
  auto r = ledger.update("REQ-0001", phone_edit("03-0000-0001"));
  const auto waited = steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::ledger_locked) << r.error().message;
  EXPECT_NE(r.error().message.find("reception-pc"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("4242"), std::string::npos) << r.error().message;
  EXPECT_GE(waited, 200ms);
  EXPECT_LT(waited, 3s);
  // The holder's lock and the record are untouched.
  EXPECT_EQ(slurp(lock("REQ-0001")), theirs);
  EXPECT_EQ(slurp(file("REQ-0001")), before);

  // create() waits on the lock as well.
  ::unlink(file("REQ-0001").c_str());
  auto c = ledger.create(application("REQ-0001"));
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, Errc::ledger_locked) << c.error().message;
  EXPECT_FALSE(fs::exists(file("REQ-0001")));
}

TEST_F(LedgerDirectoryTest, ALockReleasedDuringTheWaitIsTaken) {
  created("REQ-0001");
  spit(lock("REQ-0001"), foreign_lock("reception-pc", wall_now()));
  LedgerOptions o = options();
  o.lock_wait = 3s;
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::usleep(150 * 1000);
    ::unlink(lock("REQ-0001").c_str());
    ::_exit(0);
  }
  LedgerDirectory ledger(o);
  auto r = ledger.update("REQ-0001", phone_edit("03-0000-0001"));
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->generation, 2u);
  EXPECT_EQ(names(), std::vector<std::string>{"REQ-0001.json"});
}

TEST_F(LedgerDirectoryTest, AStaleLockIsBrokenAndTheWriteSucceeds) {
  created("REQ-0001");
  spit(lock("REQ-0001"), foreign_lock("crashed-pc", wall_now() - 1h));
  age_file(lock("REQ-0001"), 1h);  // its writer's clock and the share's agree
  LedgerDirectory ledger(options());
  auto r = ledger.update("REQ-0001", phone_edit("03-0000-0001"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->generation, 2u);
  EXPECT_EQ(ledger.read("REQ-0001")->contact.phone, "03-0000-0001");
  // The stale lock, its renamed copy and this writer's own lock are all gone.
  EXPECT_EQ(names(), std::vector<std::string>{"REQ-0001.json"});
}

// A terminal whose clock is an hour behind writes locks that look an hour old by their content;
// the file time (the share's clock) says they are fresh, and they are respected.
TEST_F(LedgerDirectoryTest, ALockFromATerminalWithASlowClockIsNotBroken) {
  created("REQ-0001");
  spit(lock("REQ-0001"), foreign_lock("slow-clock-pc", wall_now() - 1h));
  LedgerDirectory ledger(options());
  auto r = ledger.update("REQ-0001", phone_edit("03-0000-0001"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::ledger_locked) << r.error().message;
  EXPECT_TRUE(fs::exists(lock("REQ-0001")));
}

TEST_F(LedgerDirectoryTest, ALockJustUnderTheStaleAgeIsRespected) {
  created("REQ-0001");
  spit(lock("REQ-0001"), foreign_lock("slow-pc", wall_now() - 100s));
  LedgerDirectory ledger(options());
  auto r = ledger.update("REQ-0001", phone_edit("03-0000-0001"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::ledger_locked) << r.error().message;
  EXPECT_EQ(ledger.read("REQ-0001")->generation, 1u);
}

TEST_F(LedgerDirectoryTest, AGarbageLockFileWithAnOldMtimeIsBroken) {
  created("REQ-0001");
  spit(lock("REQ-0001"), std::string("\x01\xff garbage, half written\n"));
  age_file(lock("REQ-0001"), 1h);
  LedgerDirectory ledger(options());
  auto r = ledger.update("REQ-0001", phone_edit("03-0000-0001"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->generation, 2u);
  EXPECT_EQ(names(), std::vector<std::string>{"REQ-0001.json"});
}

TEST_F(LedgerDirectoryTest, AnEmptyLockFileWithAFreshMtimeIsRespected) {
  // What a writer's lock looks like between its O_EXCL create and its write.
  created("REQ-0001");
  spit(lock("REQ-0001"), "");
  LedgerDirectory ledger(options());
  auto r = ledger.update("REQ-0001", phone_edit("03-0000-0001"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::ledger_locked) << r.error().message;
  EXPECT_TRUE(fs::exists(lock("REQ-0001")));
}

TEST_F(LedgerDirectoryTest, ALockWithAnAbsurdCreatedTimeAgesByItsFileTime) {
  // A lock file on a share may say anything; an out-of-range time must neither overflow the age
  // computation nor keep the record locked for ever.
  created("REQ-0001");
  LedgerDirectory ledger(options());
  for (const char* created :
       {"-9223372036854775808", "9223372036854775807", "99999999999999999999999"}) {
    SCOPED_TRACE(created);
    spit(lock("REQ-0001"), std::string("onshi-ledger-lock 1\nnonce=abc\nhost=weird-pc\npid=1\n"
                                       "created=") +
                               created + "\n");
    age_file(lock("REQ-0001"), 1h);
    auto r = ledger.update("REQ-0001", phone_edit(std::string("03-") + created));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(names(), std::vector<std::string>{"REQ-0001.json"});
  }
  // …and a fresh file with an absurd time is a live lock.
  spit(lock("REQ-0001"),
       "onshi-ledger-lock 1\nnonce=abc\nhost=weird-pc\npid=1\ncreated=9223372036854775807\n");
  auto r = ledger.update("REQ-0001", phone_edit("03-0000-0009"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::ledger_locked) << r.error().message;
  EXPECT_NE(r.error().message.find("weird-pc"), std::string::npos) << r.error().message;
}

TEST_F(LedgerDirectoryTest, AStaleLockThatCannotBeBrokenIsLedgerLockedAfterTheWait) {
  // A directory where the lock file should be, old: judged stale, but breaking it never yields a
  // lock file to remove. The writer must give up after lock_wait, not spin.
  created("REQ-0001");
  ASSERT_TRUE(fs::create_directory(lock("REQ-0001")));
  age_file(lock("REQ-0001"), 1h);
  LedgerDirectory ledger(options());
  const auto start = steady_clock::now();
  auto r = ledger.update("REQ-0001", phone_edit("03-0000-0001"));
  const auto waited = steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().code == Errc::ledger_locked || r.error().code == Errc::io)
      << r.error().message;
  EXPECT_LT(waited, 3s);
  EXPECT_TRUE(fs::is_directory(lock("REQ-0001")));
  EXPECT_EQ(ledger.read("REQ-0001")->generation, 1u);
}

TEST_F(LedgerDirectoryTest, ALockBrokenWhileTheWriterIsSlowIsAConflictAndNothingIsWritten) {
  created("REQ-0001");
  const std::string before = slurp(file("REQ-0001"));
  const std::string theirs = foreign_lock("impatient-pc", wall_now(), "fedcba9876543210");
  LedgerOptions o = options();
  o.before_rename = [&] {
    // Meanwhile another terminal judged this writer's lock stale, broke it and took its own.
    ASSERT_TRUE(fs::exists(lock("REQ-0001")));
    ASSERT_EQ(::unlink(lock("REQ-0001").c_str()), 0);
    spit(lock("REQ-0001"), theirs);
  };
  LedgerDirectory ledger(o);
  auto r = ledger.update("REQ-0001", phone_edit("03-0000-0001"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::ledger_conflict) << r.error().message;
  EXPECT_EQ(slurp(file("REQ-0001")), before);
  // The other terminal's lock is not released by this writer, and no temp file is left.
  EXPECT_EQ(slurp(lock("REQ-0001")), theirs);
  EXPECT_EQ(names(), (std::vector<std::string>{"REQ-0001.json", "REQ-0001.json.lock"}));
}

TEST_F(LedgerDirectoryTest, BadRecordFilesAreReportedAndGoodRecordsStillListed) {
  created("REQ-GOOD");
  spit(file("REQ-JUNK"), "{\"onshi_ledger\": 1, \"generation\": ");
  spit(file("REQ-HUGE"), std::string(kMaxRecordFileBytes + 1, ' '));
  fs::copy_file(file("REQ-GOOD"), file("REQ-RENAMED"));
  spit(file("REQ-NEWER"), "{\"onshi_ledger\": 99}");
  LedgerDirectory ledger(options());
  auto listing = ledger.list();
  ASSERT_TRUE(listing) << listing.error().message;
  ASSERT_EQ(listing->records.size(), 1u);
  EXPECT_EQ(listing->records[0].id, "REQ-GOOD");
  ASSERT_EQ(listing->problems.size(), 4u);
  std::map<std::string, Errc> named;
  for (const auto& p : listing->problems) {
    for (const char* id : {"REQ-JUNK", "REQ-HUGE", "REQ-RENAMED", "REQ-NEWER"}) {
      if (p.message.find(std::string(id) + ".json") != std::string::npos) named[id] = p.code;
    }
  }
  EXPECT_EQ(named.size(), 4u);
  for (const auto& [id, code] : named) EXPECT_EQ(code, Errc::ledger_invalid) << id;

  // read() refuses the same files.
  for (const char* id : {"REQ-JUNK", "REQ-HUGE", "REQ-RENAMED", "REQ-NEWER"}) {
    auto r = ledger.read(id);
    ASSERT_FALSE(r) << id;
    EXPECT_EQ(r.error().code, Errc::ledger_invalid) << id << ": " << r.error().message;
  }
  // update() of a broken record writes nothing.
  const std::string junk = slurp(file("REQ-JUNK"));
  EXPECT_FALSE(ledger.update("REQ-JUNK", phone_edit("03-0000-0001")));
  EXPECT_EQ(slurp(file("REQ-JUNK")), junk);
  EXPECT_FALSE(fs::exists(lock("REQ-JUNK")));
}

TEST_F(LedgerDirectoryTest, NonRegularRecordFilesAreReported) {
  created("REQ-GOOD");
  ASSERT_TRUE(fs::create_directory(file("REQ-DIR")));
  fs::create_symlink(file("REQ-GOOD"), file("REQ-LINK"));
  LedgerDirectory ledger(options());
  auto listing = ledger.list();
  ASSERT_TRUE(listing) << listing.error().message;
  ASSERT_EQ(listing->records.size(), 1u);
  EXPECT_EQ(listing->problems.size(), 2u);
}

TEST_F(LedgerDirectoryTest, TempAndLockFilesAreNotListed) {
  const Record good = created("REQ-0001");
  const std::string text = serialize_record(good);
  spit(dir_ / ".REQ-0001.json.tmp-terminal-b-1234-0011223344556677", text);
  spit(dir_ / ".REQ-0002.json.tmp-terminal-b-1234-0011223344556677", text);
  spit(lock("REQ-0001"), foreign_lock("reception-pc", wall_now()));
  spit(dir_ / "REQ-0001.json.lock.stale-0011223344556677", foreign_lock("x", wall_now()));
  spit(dir_ / "notes.txt", "not a record");
  LedgerDirectory ledger(options());
  auto listing = ledger.list();
  ASSERT_TRUE(listing) << listing.error().message;
  EXPECT_TRUE(listing->problems.empty()) << listing->problems.front().message;
  ASSERT_EQ(listing->records.size(), 1u);
  EXPECT_EQ(listing->records[0].id, "REQ-0001");
}

// Temp files and set-aside locks of crashed writers do not pile up on the share: a write of the
// record removes its own old ones, and leaves fresh ones and other records' alone.
TEST_F(LedgerDirectoryTest, AWriteSweepsTheRecordsOldLeftovers) {
  created("REQ-0001");
  const fs::path old_temp = dir_ / ".REQ-0001.json.tmp-terminal-b-1-0011223344556677";
  const fs::path fresh_temp = dir_ / ".REQ-0001.json.tmp-terminal-b-2-8899aabbccddeeff";
  const fs::path old_aside = dir_ / "REQ-0001.json.lock.stale-0011223344556677";
  const fs::path other_temp = dir_ / ".REQ-0002.json.tmp-terminal-b-1-0011223344556677";
  for (const auto& p : {old_temp, fresh_temp, old_aside, other_temp}) spit(p, "{}");
  age_file(old_temp, 3600s);
  age_file(old_aside, 3600s);
  age_file(other_temp, 3600s);
  LedgerDirectory ledger(options());
  ASSERT_TRUE(ledger.update("REQ-0001", phone_edit("06-0000-0000")));
  EXPECT_FALSE(fs::exists(old_temp));
  EXPECT_FALSE(fs::exists(old_aside));
  EXPECT_TRUE(fs::exists(fresh_temp));
  EXPECT_TRUE(fs::exists(other_temp));
}

// A configured directory (a share) that is missing is not an empty ledger: every operation says
// it is not there, and nothing creates it.
TEST_F(LedgerDirectoryTest, AConfiguredDirectoryThatIsMissingIsAnError) {
  LedgerOptions o = options();
  o.directory_may_be_missing = false;
  LedgerDirectory ledger(o);
  auto listing = ledger.list();
  ASSERT_FALSE(listing);
  EXPECT_EQ(listing.error().code, Errc::io);
  EXPECT_NE(listing.error().message.find("is the share mounted?"), std::string::npos);
  auto made = ledger.create(application("REQ-0001"));
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().code, Errc::io);
  auto read = ledger.read("REQ-0001");
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, Errc::io);
  EXPECT_FALSE(fs::exists(dir_));
  // Once it is there (mounted), it works.
  fs::create_directory(dir_);
  EXPECT_TRUE(ledger.create(application("REQ-0001")));
  EXPECT_TRUE(ledger.list());
}

// A FIFO (or a device) on the share, named like a record or a lock, must not hang a reader.
TEST_F(LedgerDirectoryTest, AFifoNamedLikeARecordOrALockDoesNotHang) {
  created("REQ-0001");
  ASSERT_EQ(::mkfifo((dir_ / "REQ-FIFO.json").c_str(), 0644), 0);
  ASSERT_EQ(::mkfifo(lock("REQ-0001").c_str(), 0644), 0);
  LedgerDirectory ledger(options());
  auto listing = ledger.list();
  ASSERT_TRUE(listing) << listing.error().message;
  ASSERT_EQ(listing->problems.size(), 1u);
  EXPECT_NE(listing->problems[0].message.find("not a regular file"), std::string::npos);
  EXPECT_EQ(listing->records.size(), 1u);
  auto r = ledger.read("REQ-FIFO");
  EXPECT_FALSE(r);
  // The FIFO in the lock's place is a lock nobody can read: waited for, then refused.
  auto u = ledger.update("REQ-0001", phone_edit("06-0000-0000"));
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().code, Errc::ledger_locked) << u.error().message;
}

TEST_F(LedgerDirectoryTest, AMissingDirectoryListsEmpty) {
  LedgerDirectory ledger(options());
  auto listing = ledger.list();
  ASSERT_TRUE(listing) << listing.error().message;
  EXPECT_TRUE(listing->records.empty());
  EXPECT_TRUE(listing->problems.empty());
  auto r = ledger.read("REQ-0001");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  EXPECT_FALSE(fs::exists(dir_));  // listing and reading create nothing
}

TEST_F(LedgerDirectoryTest, ANonDirectoryLedgerPathIsIo) {
  spit(dir_, "a file, not a directory");
  LedgerDirectory ledger(options());
  auto listing = ledger.list();
  ASSERT_FALSE(listing);
  EXPECT_EQ(listing.error().code, Errc::io);
  auto made = ledger.create(application("REQ-0001"));
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().code, Errc::io);
}

TEST_F(LedgerDirectoryTest, CreateMakesTheDirectoryButNotItsParents) {
  LedgerOptions o = options();
  o.directory = root_ / "missing" / "ledger";
  LedgerDirectory ledger(o);
  auto made = ledger.create(application("REQ-0001"));
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().code, Errc::io);
  EXPECT_FALSE(fs::exists(root_ / "missing"));
}

TEST_F(LedgerDirectoryTest, RecordIdsWithSlashOrDotDotAreRefused) {
  created("REQ-0001");
  spit(root_ / "outside.json", serialize_record(application("outside")));
  LedgerDirectory ledger(options());
  for (const std::string id :
       {"../outside", "..", ".", "a/b", "/etc/passwd", "REQ-0001/..", "", ".hidden", "a\\b"}) {
    SCOPED_TRACE(id);
    auto r = ledger.read(id);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::invalid_argument) << r.error().message;
    auto u = ledger.update(id, phone_edit("03-0000-0001"));
    ASSERT_FALSE(u);
    EXPECT_EQ(u.error().code, Errc::invalid_argument) << u.error().message;
    Record evil = application("REQ-0002");
    evil.id = id;
    auto c = ledger.create(evil);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().code, Errc::invalid_argument) << c.error().message;
  }
  EXPECT_EQ(names(), std::vector<std::string>{"REQ-0001.json"});
  EXPECT_EQ(slurp(root_ / "outside.json"), serialize_record(application("outside")));
}

TEST_F(LedgerDirectoryTest, ARecordTooLargeForItsFileIsNotWritten) {
  // A record the parser would refuse to read back (over kMaxRecordFileBytes) must not be written:
  // it would make the record unreadable for every terminal. (steps.hpp stops adding steps well
  // before that; a Change may still do anything.)
  Record big = application("REQ-0001");
  const Step step{StepKind::edited, sys_days{2026y / 12 / 2}, test_now(),
                  TerminalId{"machine-x", std::string(4000, 'h')}, std::string(4000, 'd')};
  while (serialize_record(big).size() <= kMaxRecordFileBytes) big.history.push_back(step);
  ASSERT_LE(big.history.size(), kMaxHistory);
  LedgerDirectory ledger(options());
  auto c = ledger.create(big);
  ASSERT_FALSE(c);
  EXPECT_FALSE(fs::exists(file("REQ-0001")));

  created("REQ-0002");
  const std::string before = slurp(file("REQ-0002"));
  auto u = ledger.update("REQ-0002", [&](Record& r) -> Result<bool> {
    r.history = big.history;
    return true;
  });
  ASSERT_FALSE(u);
  EXPECT_EQ(slurp(file("REQ-0002")), before);
  EXPECT_EQ(names(), std::vector<std::string>{"REQ-0002.json"});
}

// ---- several processes at once ----

// Runs `body` in a child process; its exit status is its result.
template <typename F>
pid_t spawn(F body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    int code = 99;
    try {
      code = body();
    } catch (...) {
    }
    ::_exit(code);
  }
  return pid;
}

int exit_code_of(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Blocks until the parent closes the write end, so that children start together.
void wait_for_start(int fds[2]) {
  ::close(fds[1]);
  char c;
  while (::read(fds[0], &c, 1) < 0 && errno == EINTR) {
  }
  ::close(fds[0]);
}

TEST_F(LedgerDirectoryTest, ConcurrentUpdatesFromSeveralProcessesLoseNothing) {
  // Three terminals × 80 edits: with the applied step that is 241 steps, within kMaxHistory (256).
  constexpr int kWriters = 3;
  constexpr int kEdits = 80;
  created("REQ-0001");
  int start[2];
  ASSERT_EQ(::pipe(start), 0);
  std::vector<pid_t> children;
  for (int w = 0; w < kWriters; ++w) {
    const std::string host = "writer-" + std::to_string(w);
    const fs::path report = root_ / (host + ".err");
    LedgerOptions o = options(host);
    o.lock_wait = 5s;
    children.push_back(spawn([&, host, report, o]() -> int {
      wait_for_start(start);
      LedgerDirectory ledger(o);
      milliseconds longest{0};
      for (int i = 0; i < kEdits; ++i) {
        // Each step's time says which edit it was, to check the order afterwards.
        const Recording at = recording(host, test_now() + seconds(i));
        const auto began = steady_clock::now();
        auto r = ledger.update("REQ-0001", phone_edit(host + "-" + std::to_string(i), at));
        longest = std::max(longest, duration_cast<milliseconds>(steady_clock::now() - began));
        spit(root_ / (host + ".longest"), std::to_string(longest.count()));
        if (!r) {
          spit(report, "edit " + std::to_string(i) + ": " + std::string(errc_name(r.error().code)) +
                           ": " + r.error().message);
          return r.error().code == Errc::ledger_locked ? 2 : 1;
        }
      }
      return 0;
    }));
    ASSERT_GT(children.back(), 0);
  }
  ::close(start[0]);
  ::close(start[1]);
  for (int w = 0; w < kWriters; ++w) {
    const int code = exit_code_of(children[w]);
    EXPECT_EQ(code, 0) << "writer-" << w << " (2: ledger_locked): "
                       << slurp(root_ / ("writer-" + std::to_string(w) + ".err"));
    // How long the writer waited at most for one update (the lock is not fair: a writer that
    // releases it and takes it again at once may keep the others waiting).
    RecordProperty("writer-" + std::to_string(w) + "-longest-update-ms",
                   slurp(root_ / ("writer-" + std::to_string(w) + ".longest")));
  }
  LedgerDirectory ledger(options());
  auto r = ledger.read("REQ-0001");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->generation, 1u + kWriters * kEdits);
  ASSERT_EQ(r->history.size(), 1u + kWriters * kEdits);
  std::map<std::string, std::vector<sys_seconds>> steps;
  for (std::size_t i = 1; i < r->history.size(); ++i) {
    EXPECT_EQ(r->history[i].kind, StepKind::edited);
    steps[r->history[i].recorded_by.host].push_back(r->history[i].recorded_at);
  }
  ASSERT_EQ(steps.size(), std::size_t{kWriters});
  for (const auto& [host, times] : steps) {
    ASSERT_EQ(times.size(), std::size_t{kEdits}) << host;
    for (int i = 0; i < kEdits; ++i) EXPECT_EQ(times[i], test_now() + seconds(i)) << host;
  }
  // The last step is some writer's last edit.
  const std::string& last_host = r->history.back().recorded_by.host;
  EXPECT_EQ(r->contact.phone, last_host + "-" + std::to_string(kEdits - 1));
  EXPECT_EQ(names(), std::vector<std::string>{"REQ-0001.json"});
}

TEST_F(LedgerDirectoryTest, RacingCreatesFromSeveralProcessesLetExactlyOneSucceed) {
  constexpr int kWriters = 4;
  int start[2];
  ASSERT_EQ(::pipe(start), 0);
  std::vector<pid_t> children;
  for (int w = 0; w < kWriters; ++w) {
    const std::string host = "creator-" + std::to_string(w);
    LedgerOptions o = options(host);
    o.lock_wait = 5s;
    children.push_back(spawn([&, host, o]() -> int {
      wait_for_start(start);
      LedgerDirectory ledger(o);
      Record r = application("REQ-0001");
      r.contact.phone = host;
      auto made = ledger.create(r);
      if (made) return 0;
      spit(root_ / (host + ".err"), made.error().message);
      return made.error().code == Errc::ledger_conflict ? 3 : 1;
    }));
    ASSERT_GT(children.back(), 0);
  }
  ::close(start[0]);
  ::close(start[1]);
  int winners = 0;
  std::string winner;
  for (int w = 0; w < kWriters; ++w) {
    const std::string host = "creator-" + std::to_string(w);
    const int code = exit_code_of(children[w]);
    EXPECT_TRUE(code == 0 || code == 3)
        << host << " exited " << code << ": " << slurp(root_ / (host + ".err"));
    if (code == 0) {
      ++winners;
      winner = host;
    }
  }
  EXPECT_EQ(winners, 1);
  LedgerDirectory ledger(options());
  auto r = ledger.read("REQ-0001");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->generation, 1u);
  EXPECT_EQ(r->contact.phone, winner);
  EXPECT_EQ(names(), std::vector<std::string>{"REQ-0001.json"});
}

TEST_F(LedgerDirectoryTest, SeveralProcessesBreakingOneStaleLockAllSucceedInTurn) {
  constexpr int kWriters = 4;
  created("REQ-0001");
  spit(lock("REQ-0001"), foreign_lock("crashed-pc", wall_now() - 1h));
  age_file(lock("REQ-0001"), 1h);
  int start[2];
  ASSERT_EQ(::pipe(start), 0);
  std::vector<pid_t> children;
  for (int w = 0; w < kWriters; ++w) {
    const std::string host = "breaker-" + std::to_string(w);
    LedgerOptions o = options(host);
    o.lock_wait = 5s;
    children.push_back(spawn([&, host, o]() -> int {
      wait_for_start(start);
      LedgerDirectory ledger(o);
      auto r = ledger.update("REQ-0001", phone_edit(host, recording(host)));
      if (r) return 0;
      spit(root_ / (host + ".err"),
           std::string(errc_name(r.error().code)) + ": " + r.error().message);
      return 1;
    }));
    ASSERT_GT(children.back(), 0);
  }
  ::close(start[0]);
  ::close(start[1]);
  for (int w = 0; w < kWriters; ++w) {
    const std::string host = "breaker-" + std::to_string(w);
    EXPECT_EQ(exit_code_of(children[w]), 0) << host << ": " << slurp(root_ / (host + ".err"));
  }
  LedgerDirectory ledger(options());
  auto r = ledger.read("REQ-0001");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->generation, 1u + kWriters);
  EXPECT_EQ(names(), std::vector<std::string>{"REQ-0001.json"});
}

}  // namespace
}  // namespace onshi::ledger
