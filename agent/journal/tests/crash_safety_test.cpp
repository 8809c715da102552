// Crash safety with real processes: children admit and answer requests in a loop and are killed
// with SIGKILL at random moments. After every kill the journal is reopened and recovered, and
// every request a child had been told was admitted is still there, answered exactly once —
// succeeded with its own result, or failed with request_interrupted — none lost, none in two
// states, and nothing left unfinished.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "journal_test_support.hpp"
#include "onshi/journal/journal.hpp"

namespace onshi::journal {
namespace {

using namespace std::chrono_literals;
using namespace onshi::journal::testing;
using nlohmann::json;

constexpr int kRounds = 12;
constexpr int kChildThreads = 2;  // so at most this many requests are in flight at the kill
constexpr const char* kReason = "onshid stopped (killed) before the answer was recorded";

std::string body_of(int round, int thread, int i) {
  return fmt::format(R"({{"round":{},"thread":{},"i":{}}})", round, thread, i);
}
std::string result_of(const std::string& body) { return R"({"answer_to":)" + body + "}"; }

// One line per write(2), shorter than PIPE_BUF, so the threads' lines never interleave.
void report(int fd, const std::string& line) {
  const std::string text = line + "\n";
  if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) ::_exit(5);
}

// The child: its own connection, admit + (sometimes running) + succeed as fast as it can,
// reporting "A <id> <key>" after admit returned and "S <id>" after succeed returned.
[[noreturn]] void child(const fs::path& file, int round, int fd) {
  Options o;
  o.file = file;
  auto opened = Journal::open(o);
  if (!opened) ::_exit(2);
  Journal& journal = **opened;
  std::vector<std::thread> threads;
  for (int t = 0; t < kChildThreads; ++t) {
    threads.emplace_back([&, t] {
      const auto deadline = std::chrono::steady_clock::now() + 20s;  // the parent died?
      for (int i = 0; std::chrono::steady_clock::now() < deadline; ++i) {
        const std::string body = body_of(round, t, i);
        const std::string key = fmt::format("r{}-t{}-{}", round, t, i);
        auto a = journal.admit(request(key, body, 1000, Clock::now()));
        if (!a || !a->created) ::_exit(3);
        report(fd, "A " + a->entry.id + " " + key);
        if (i % 3 == 0 && !journal.mark_running(a->entry.id, Clock::now())) ::_exit(4);
        if (!journal.succeed(a->entry.id, result_of(body), Clock::now())) ::_exit(4);
        report(fd, "S " + a->entry.id);
      }
    });
  }
  for (auto& t : threads) t.join();
  ::_exit(0);
}

// The child's reports as they come: the parent waits for progress, not for a guessed time.
class ReportPipe {
 public:
  explicit ReportPipe(int fd) : fd_(fd) {}
  // Reads until `lines` lines starting with `prefix` have come, or the child has gone.
  bool wait_for(std::string_view prefix, int lines) {
    while (count(prefix) < lines) {
      if (!read_some()) return false;
    }
    return true;
  }
  // Everything the child wrote before it died.
  const std::string& drain() {
    while (read_some()) {
    }
    return text_;
  }

 private:
  int count(std::string_view prefix) const {
    int n = 0;
    for (std::size_t at = 0; at < text_.size();) {
      const std::size_t end = text_.find('\n', at);
      if (end == std::string::npos) break;  // a line still being written
      if (std::string_view(text_).substr(at, end - at).starts_with(prefix)) ++n;
      at = end + 1;
    }
    return n;
  }
  bool read_some() {
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n > 0) {
        text_.append(buf, static_cast<std::size_t>(n));
        return true;
      }
      if (n == 0 || errno != EINTR) return false;
    }
  }
  int fd_;
  std::string text_;
};

struct Reported {
  std::map<std::string, std::string> admitted;  // id → key
  std::set<std::string> succeeded;
};

void parse_reports(const std::string& text, Reported& out) {
  std::istringstream in(text);
  std::string kind, id, key;
  while (in >> kind) {
    if (kind == "A") {
      in >> id >> key;
      out.admitted[id] = key;
    } else if (kind == "S") {
      in >> id;
      out.succeeded.insert(id);
    }
  }
}

TEST(JournalCrashSafety, SigkilledWritersLoseNothingAndAnswerNothingTwice) {
  TempDir dir;
  const fs::path file = dir.path() / "state" / "journal.sqlite3";
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937 rng(seed);
  Reported all;
  std::size_t interrupted_total = 0;

  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(::testing::Message() << "round " << round);
    int pipe_fds[2];
    ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(pipe_fds[0]);
      child(file, round, pipe_fds[1]);
    }
    ::close(pipe_fds[1]);
    // Round 0 may kill the first child while it creates the file and the schema; the others
    // once the child has answered a few requests, somewhere in its stream of transactions.
    ReportPipe reports(pipe_fds[0]);
    if (round == 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(rng() % 20000));
    } else {
      const int answered = 1 + static_cast<int>(rng() % 8);
      ASSERT_TRUE(reports.wait_for("S ", answered)) << "the child stopped by itself";
      std::this_thread::sleep_for(std::chrono::microseconds(rng() % 30000));
    }
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    // Killed, and not an exit of its own (which would mean a journal error in the child).
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    Reported round_reports;
    parse_reports(reports.drain(), round_reports);
    ::close(pipe_fds[0]);

    auto journal = open_journal(file);
    ASSERT_NE(journal, nullptr);
    auto recovered = journal->recover_unfinished(kReason, Clock::now());
    ASSERT_TRUE(recovered) << recovered.error().to_string();
    // Only what was in flight at the kill: one request per child thread at most.
    EXPECT_LE(*recovered, static_cast<std::size_t>(kChildThreads));
    interrupted_total += *recovered;
    all.admitted.insert(round_reports.admitted.begin(), round_reports.admitted.end());
    all.succeeded.insert(round_reports.succeeded.begin(), round_reports.succeeded.end());

    // Every request any child was told was admitted, this round or before, is still answerable.
    for (const auto& [id, key] : all.admitted) {
      auto found = journal->find(id);
      ASSERT_TRUE(found) << found.error().to_string();
      ASSERT_TRUE(found->has_value()) << id << " (" << key << ") was LOST";
      const Entry& e = **found;
      EXPECT_EQ(e.idempotency_key, key);
      if (all.succeeded.count(id) != 0) {
        EXPECT_EQ(e.state, State::succeeded) << id << " was reported succeeded";
      }
    }

    // And every entry in the file is in exactly one final state with its own outcome.
    RawDb raw(file);
    const auto rows = raw.rows(
        "SELECT id, state, request_json, coalesce(result_json, 'NULL'), "
        "coalesce(json_extract(error_json, '$.code'), 'NULL'), error_json IS NULL FROM requests");
    std::size_t unreported = 0;
    for (const std::string& row : rows) {
      std::vector<std::string> col;
      std::string::size_type start = 0;
      for (;;) {
        const auto bar = row.find('|', start);
        col.push_back(row.substr(start, bar - start));
        if (bar == std::string::npos) break;
        start = bar + 1;
      }
      ASSERT_EQ(col.size(), 6u) << row;
      if (all.admitted.count(col[0]) == 0) ++unreported;
      if (col[1] == "succeeded") {
        EXPECT_EQ(col[3], result_of(col[2])) << "another request's result: " << row;
        EXPECT_EQ(col[5], "1") << "succeeded with an error too: " << row;
      } else {
        EXPECT_EQ(col[1], "failed") << "left unfinished: " << row;
        EXPECT_EQ(col[3], "NULL") << "failed with a result too: " << row;
        EXPECT_EQ(col[4], "request_interrupted") << row;
      }
    }
    // Committed but killed before it could say so: at most one per thread per round so far.
    EXPECT_LE(unreported, static_cast<std::size_t>(kChildThreads * (round + 1)));
    EXPECT_GE(rows.size(), all.admitted.size());
    auto stats = journal->stats();
    ASSERT_TRUE(stats);
    EXPECT_EQ(stats->entries, rows.size());
    EXPECT_EQ(stats->unfinished, 0u);
  }

  RecordProperty("admitted", static_cast<int>(all.admitted.size()));
  RecordProperty("interrupted", static_cast<int>(interrupted_total));

  // An interrupted request stays failed under its key and is never answered again.
  auto journal = open_journal(file);
  ASSERT_NE(journal, nullptr);
  for (const auto& [id, key] : all.admitted) {
    const Entry e = **journal->find(id);
    if (e.state != State::failed) continue;
    auto again = journal->admit(request(key, e.request_json, 1000, Clock::now()));
    ASSERT_TRUE(again) << again.error().to_string();
    EXPECT_FALSE(again->created);
    EXPECT_EQ(again->entry.id, id);
    EXPECT_EQ(again->entry.state, State::failed);
    EXPECT_EQ(journal->succeed(id, result_of(e.request_json), Clock::now()).error().code,
              Errc::invalid_argument);
  }
}

}  // namespace
}  // namespace onshi::journal
