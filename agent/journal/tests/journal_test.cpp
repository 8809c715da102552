// The journal's behaviour (journal.hpp): admission under an Idempotency-Key scoped to the uid,
// the state machine that never answers twice, recovery after a crash, retention, reopening, the
// bounds on what is stored, and many threads at once.
#include "onshi/journal/journal.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <latch>
#include <limits>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "journal_test_support.hpp"

namespace onshi::journal {
namespace {

using namespace std::chrono_literals;
using namespace onshi::journal::testing;
using nlohmann::json;

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    journal_ = open_journal(file());
    ASSERT_NE(journal_, nullptr);
  }
  fs::path file() const { return dir_.path() / "state" / "journal.sqlite3"; }

  Entry admitted(const NewRequest& r) {
    auto a = journal_->admit(r);
    EXPECT_TRUE(a) << a.error().to_string();
    if (!a) return {};
    EXPECT_TRUE(a->created);
    return a->entry;
  }
  Entry found(const std::string& id) {
    auto f = journal_->find(id);
    EXPECT_TRUE(f) << f.error().to_string();
    if (!f || !*f) {
      ADD_FAILURE() << id << " not found";
      return {};
    }
    return **f;
  }

  TempDir dir_;
  std::unique_ptr<Journal> journal_;
};

TEST(StateName, NamesEveryState) {
  EXPECT_EQ(state_name(State::accepted), "accepted");
  EXPECT_EQ(state_name(State::running), "running");
  EXPECT_EQ(state_name(State::succeeded), "succeeded");
  EXPECT_EQ(state_name(State::failed), "failed");
}

TEST_F(JournalTest, AdmitRecordsTheRequestAsAccepted) {
  // A time with sub-millisecond digits: the journal keeps whole milliseconds.
  const auto now = test_now() + 123456789ns;
  const NewRequest r = request("key-1", R"({"insurer":"06139780","date":"2026-12-02"})", 1000, now);
  const Entry e = admitted(r);
  EXPECT_TRUE(e.id.starts_with("vf_")) << e.id;
  EXPECT_EQ(e.id.size(), 29u);
  EXPECT_EQ(e.state, State::accepted);
  EXPECT_EQ(e.created, test_now() + 123ms);
  EXPECT_EQ(e.updated, e.created);

  const Entry f = found(e.id);
  EXPECT_EQ(f.id, e.id);
  EXPECT_EQ(f.kind, "insurance_card");
  EXPECT_EQ(f.institution, "0110113719");
  EXPECT_EQ(f.uid, 1000u);
  EXPECT_EQ(f.idempotency_key, "key-1");
  EXPECT_EQ(f.request_sha256, r.request_sha256);
  EXPECT_EQ(f.request_json, r.request_json);
  EXPECT_EQ(f.state, State::accepted);
  EXPECT_TRUE(f.result_json.empty());
  EXPECT_TRUE(f.error_json.empty());
  EXPECT_EQ(f.created, e.created);
  EXPECT_EQ(f.updated, e.updated);
}

TEST_F(JournalTest, SameKeyAndBodyReturnsTheSameEntryWhateverItsState) {
  const NewRequest r = request("retry-me");
  const Entry first = admitted(r);
  auto again = journal_->admit(r);
  ASSERT_TRUE(again) << again.error().to_string();
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->entry.id, first.id);
  EXPECT_EQ(again->entry.state, State::accepted);

  ASSERT_TRUE(journal_->succeed(first.id, R"({"qualified":true})", test_now() + 1s));
  auto later = journal_->admit(request("retry-me", r.request_json, r.uid, test_now() + 5s));
  ASSERT_TRUE(later) << later.error().to_string();
  EXPECT_FALSE(later->created);
  EXPECT_EQ(later->entry.id, first.id);
  EXPECT_EQ(later->entry.state, State::succeeded);
  EXPECT_EQ(later->entry.result_json, R"({"qualified":true})");
  EXPECT_EQ(journal_->stats()->entries, 1u);
}

TEST_F(JournalTest, SameKeyWithAnotherBodyIsAConflictNamingTheEarlierId) {
  const Entry first = admitted(request("k", R"({"insurer":"06139780"})"));
  auto other = journal_->admit(request("k", R"({"insurer":"01130012"})"));
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, Errc::idempotency_conflict);
  EXPECT_NE(other.error().message.find(first.id), std::string::npos) << other.error().message;
  EXPECT_EQ(journal_->stats()->entries, 1u);
  EXPECT_EQ(found(first.id).request_json, R"({"insurer":"06139780"})");
}

TEST_F(JournalTest, AnotherUidWithTheSameKeyIsAnotherRequest) {
  const Entry a = admitted(request("shared-key", R"({"x":1})", 1000));
  const Entry b = admitted(request("shared-key", R"({"x":1})", 1001));
  const Entry c = admitted(request("shared-key", R"({"x":2})", 1002));
  EXPECT_NE(a.id, b.id);
  EXPECT_NE(b.id, c.id);
  EXPECT_EQ(found(b.id).uid, 1001u);
  EXPECT_EQ(journal_->stats()->entries, 3u);
}

TEST_F(JournalTest, EveryAdmissionGetsItsOwnId) {
  std::set<std::string> ids;
  for (int i = 0; i < 200; ++i) ids.insert(admitted(request(fmt::format("k{}", i))).id);
  EXPECT_EQ(ids.size(), 200u);
}

TEST_F(JournalTest, AcceptedRunningSucceeded) {
  const Entry e = admitted(request("k"));
  ASSERT_TRUE(journal_->mark_running(e.id, test_now() + 1s));
  EXPECT_EQ(found(e.id).state, State::running);
  EXPECT_EQ(found(e.id).updated, test_now() + 1s);
  ASSERT_TRUE(journal_->succeed(e.id, R"({"qualified":true})", test_now() + 2s));
  const Entry f = found(e.id);
  EXPECT_EQ(f.state, State::succeeded);
  EXPECT_EQ(f.result_json, R"({"qualified":true})");
  EXPECT_TRUE(f.error_json.empty());
  EXPECT_EQ(f.created, test_now());
  EXPECT_EQ(f.updated, test_now() + 2s);
}

TEST_F(JournalTest, AnOutcomeMayFollowAcceptedDirectly) {
  const Entry a = admitted(request("a"));
  const Entry b = admitted(request("b"));
  ASSERT_TRUE(journal_->succeed(a.id, R"({"n":1})", test_now()));
  ASSERT_TRUE(journal_->fail(b.id, R"({"code":"net_timeout","message":"no answer"})", test_now()));
  EXPECT_EQ(found(a.id).state, State::succeeded);
  const Entry fb = found(b.id);
  EXPECT_EQ(fb.state, State::failed);
  EXPECT_EQ(fb.error_json, R"({"code":"net_timeout","message":"no answer"})");
  EXPECT_TRUE(fb.result_json.empty());
}

TEST_F(JournalTest, ASecondOutcomeIsRefusedAndTheFirstKept) {
  const Entry e = admitted(request("k"));
  ASSERT_TRUE(journal_->succeed(e.id, R"({"first":true})", test_now() + 1s));
  for (auto second : {journal_->succeed(e.id, R"({"second":true})", test_now() + 2s),
                      journal_->fail(e.id, R"({"code":"x","message":"y"})", test_now() + 2s),
                      journal_->mark_running(e.id, test_now() + 2s)}) {
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, Errc::invalid_argument);
    EXPECT_NE(second.error().message.find("already succeeded"), std::string::npos)
        << second.error().message;
  }
  const Entry f = found(e.id);
  EXPECT_EQ(f.state, State::succeeded);
  EXPECT_EQ(f.result_json, R"({"first":true})");
  EXPECT_EQ(f.updated, test_now() + 1s);

  const Entry g = admitted(request("g"));
  ASSERT_TRUE(journal_->fail(g.id, R"({"code":"x","message":"y"})", test_now()));
  auto after_fail = journal_->succeed(g.id, R"({"late":true})", test_now());
  ASSERT_FALSE(after_fail);
  EXPECT_EQ(after_fail.error().code, Errc::invalid_argument);
  EXPECT_EQ(found(g.id).state, State::failed);
  EXPECT_TRUE(found(g.id).result_json.empty());
}

TEST_F(JournalTest, MarkRunningTwiceIsRefused) {
  const Entry e = admitted(request("k"));
  ASSERT_TRUE(journal_->mark_running(e.id, test_now()));
  auto again = journal_->mark_running(e.id, test_now());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::invalid_argument);
  EXPECT_NE(again.error().message.find("is running"), std::string::npos) << again.error().message;
}

TEST_F(JournalTest, OutcomeOnAnUnknownIdIsNotFound) {
  admitted(request("k"));
  for (const std::string id : {"vf_aaaaaaaaaaaaaaaaaaaaaaaaaa", "vf_short", "", "../../etc"}) {
    for (auto s : {journal_->succeed(id, R"({"n":1})", test_now()),
                   journal_->fail(id, R"({"code":"x","message":"y"})", test_now()),
                   journal_->mark_running(id, test_now())}) {
      ASSERT_FALSE(s) << id;
      EXPECT_EQ(s.error().code, Errc::api_not_found) << id;
    }
  }
  EXPECT_EQ(journal_->stats()->unfinished, 1u);
}

TEST_F(JournalTest, FindOfAnUnknownIdIsEmpty) {
  admitted(request("k"));
  for (const std::string& id : std::vector<std::string>{"vf_aaaaaaaaaaaaaaaaaaaaaaaaaa", "vf_", "",
                                                        "x' OR '1'='1", std::string(5000, 'v')}) {
    auto f = journal_->find(id);
    ASSERT_TRUE(f) << f.error().to_string();
    EXPECT_FALSE(f->has_value()) << id;
  }
}

TEST_F(JournalTest, RecoveryFailsWhatWasUnfinishedAndOnlyThat) {
  const Entry accepted = admitted(request("accepted"));
  const Entry running = admitted(request("running"));
  const Entry done = admitted(request("done"));
  const Entry failed = admitted(request("failed"));
  ASSERT_TRUE(journal_->mark_running(running.id, test_now()));
  ASSERT_TRUE(journal_->succeed(done.id, R"({"ok":1})", test_now()));
  ASSERT_TRUE(journal_->fail(failed.id, R"({"code":"net_timeout","message":"m"})", test_now()));

  auto n = journal_->recover_unfinished("onshid stopped before the answer came", test_now() + 1h);
  ASSERT_TRUE(n) << n.error().to_string();
  EXPECT_EQ(*n, 2u);
  for (const auto& id : {accepted.id, running.id}) {
    const Entry e = found(id);
    EXPECT_EQ(e.state, State::failed);
    EXPECT_EQ(e.updated, test_now() + 1h);
    const json error = json::parse(e.error_json);
    EXPECT_EQ(error.at("code"), "request_interrupted");
    EXPECT_EQ(error.at("message"), "onshid stopped before the answer came");
  }
  EXPECT_EQ(found(done.id).state, State::succeeded);
  EXPECT_EQ(found(failed.id).error_json, R"({"code":"net_timeout","message":"m"})");
  EXPECT_EQ(journal_->stats()->unfinished, 0u);
  EXPECT_EQ(*journal_->recover_unfinished("again", test_now()), 0u);

  // A request failed by recovery stays failed under its key; it is never run again.
  auto retry = journal_->admit(request("running"));
  ASSERT_TRUE(retry) << retry.error().to_string();
  EXPECT_FALSE(retry->created);
  EXPECT_EQ(retry->entry.id, running.id);
  EXPECT_EQ(retry->entry.state, State::failed);
  EXPECT_FALSE(journal_->succeed(running.id, R"({"late":1})", test_now()));
}

TEST_F(JournalTest, RecoveryReasonIsStoredAsValidJson) {
  const Entry e = admitted(request("k"));
  ASSERT_TRUE(journal_->recover_unfinished("quote \" backslash \\ newline \n 日本語", test_now()));
  const json error = json::parse(found(e.id).error_json);
  EXPECT_EQ(error.at("message"), "quote \" backslash \\ newline \n 日本語");
}

TEST(JournalPurge, RespectsTheRetentionAndNeverPurgesUnfinishedEntries) {
  TempDir dir;
  auto journal = open_journal(dir.path() / "journal.sqlite3", 1h);
  ASSERT_NE(journal, nullptr);
  const auto t0 = test_now();
  auto admit = [&](const std::string& key) { return journal->admit(request(key))->entry.id; };
  const std::string old_done = admit("old-done");
  const std::string old_failed = admit("old-failed");
  const std::string newer_done = admit("newer-done");
  const std::string old_running = admit("old-running");
  const std::string old_accepted = admit("old-accepted");
  ASSERT_TRUE(journal->succeed(old_done, R"({"n":1})", t0));
  ASSERT_TRUE(journal->fail(old_failed, R"({"code":"x","message":"y"})", t0));
  ASSERT_TRUE(journal->succeed(newer_done, R"({"n":2})", t0 + 30min));
  ASSERT_TRUE(journal->mark_running(old_running, t0));

  // Exactly at the retention nothing has expired yet.
  EXPECT_EQ(*journal->purge_expired(t0 + 1h), 0u);
  auto purged = journal->purge_expired(t0 + 1h + 1ms);
  ASSERT_TRUE(purged) << purged.error().to_string();
  EXPECT_EQ(*purged, 2u);
  EXPECT_FALSE(journal->find(old_done)->has_value());
  EXPECT_FALSE(journal->find(old_failed)->has_value());
  EXPECT_TRUE(journal->find(newer_done)->has_value());

  // Years later: every finished entry goes, the unfinished ones stay for recovery to answer.
  EXPECT_EQ(*journal->purge_expired(t0 + 24h * 3650), 1u);
  EXPECT_TRUE(journal->find(old_running)->has_value());
  EXPECT_TRUE(journal->find(old_accepted)->has_value());
  EXPECT_EQ(journal->stats()->entries, 2u);
  EXPECT_EQ(journal->stats()->unfinished, 2u);

  // A purged entry's key is free again: a new body under it is a new request, not a conflict.
  auto reused = journal->admit(request("old-done", R"({"another":"body"})"));
  ASSERT_TRUE(reused) << reused.error().to_string();
  EXPECT_TRUE(reused->created);
  EXPECT_NE(reused->entry.id, old_done);
}

TEST(JournalReopen, KeepsEveryEntryAndItsKey) {
  TempDir dir;
  const fs::path file = dir.path() / "journal.sqlite3";
  std::string done, failed, accepted;
  {
    auto journal = open_journal(file);
    ASSERT_NE(journal, nullptr);
    done = journal->admit(request("done"))->entry.id;
    failed = journal->admit(request("failed"))->entry.id;
    accepted = journal->admit(request("accepted"))->entry.id;
    ASSERT_TRUE(journal->succeed(done, R"({"qualified":true,"名前":"テスト"})", test_now() + 1s));
    ASSERT_TRUE(journal->fail(failed, R"({"code":"x","message":"y"})", test_now() + 2s));
  }
  auto journal = open_journal(file);
  ASSERT_NE(journal, nullptr);
  EXPECT_EQ(journal->stats()->entries, 3u);
  EXPECT_EQ(journal->stats()->unfinished, 1u);
  const Entry d = **journal->find(done);
  EXPECT_EQ(d.state, State::succeeded);
  EXPECT_EQ(d.result_json, R"({"qualified":true,"名前":"テスト"})");
  EXPECT_EQ(d.updated, test_now() + 1s);
  EXPECT_EQ((*journal->find(failed))->state, State::failed);
  EXPECT_EQ((*journal->find(accepted))->state, State::accepted);
  auto again = journal->admit(request("done"));
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->entry.id, done);
  EXPECT_EQ(journal->admit(request("done", R"({"other":1})")).error().code,
            Errc::idempotency_conflict);
}

TEST_F(JournalTest, OversizedTextsAreRefusedWithoutStoringAnything) {
  std::string big = R"({"pad":")" + std::string(kMaxStoredJson, 'x') + R"("})";
  auto a = journal_->admit(request("big", big));
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, Errc::api_too_large);
  EXPECT_NE(a.error().message.find("request_json"), std::string::npos) << a.error().message;
  EXPECT_EQ(journal_->stats()->entries, 0u);

  const Entry e = admitted(request("k"));
  auto s = journal_->succeed(e.id, big, test_now());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::api_too_large);
  auto f =
      journal_->fail(e.id, R"({"m":")" + std::string(kMaxErrorJson, 'x') + R"("})", test_now());
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, Errc::api_too_large);
  EXPECT_EQ(found(e.id).state, State::accepted);

  // Just within the bound is stored whole.
  std::string fits = R"({"pad":")" + std::string(kMaxStoredJson - 10, 'y') + R"("})";
  ASSERT_EQ(fits.size(), kMaxStoredJson);
  ASSERT_TRUE(journal_->succeed(e.id, fits, test_now()));
  EXPECT_EQ(found(e.id).result_json, fits);
}

TEST_F(JournalTest, APinOrMyNumberMemberIsNeverStored) {
  for (const std::string body :
       {R"({"insurer":"06139780","pin":"1234"})", R"({"patient":{"myNumber":"123456789018"}})",
        R"({"list":[{"ok":1},{"PIN":"0000"}]})"}) {
    auto a = journal_->admit(request("k", body));
    ASSERT_FALSE(a) << body;
    EXPECT_EQ(a.error().code, Errc::invalid_argument);
    EXPECT_NE(a.error().message.find("never stores a PIN or a My Number"), std::string::npos);
  }
  EXPECT_EQ(journal_->stats()->entries, 0u);
  const Entry e = admitted(request("k"));
  auto s = journal_->succeed(e.id, R"({"my_number":"123456789018"})", test_now());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::invalid_argument);
  EXPECT_EQ(found(e.id).state, State::accepted);
}

TEST_F(JournalTest, MalformedFieldsAreRefusedNamingTheField) {
  struct Case {
    std::function<void(NewRequest&)> change;
    std::string says;
  };
  const std::vector<Case> cases = {
      {[](NewRequest& r) { r.kind = ""; }, "kind"},
      {[](NewRequest& r) { r.kind = "Insurance Card"; }, "kind"},
      {[](NewRequest& r) { r.institution = "01101137"; }, "institution"},
      {[](NewRequest& r) { r.idempotency_key = ""; }, "Idempotency-Key"},
      {[](NewRequest& r) { r.idempotency_key = std::string(256, 'k'); }, "Idempotency-Key"},
      {[](NewRequest& r) { r.idempotency_key = "key\nwith newline"; }, "Idempotency-Key"},
      {[](NewRequest& r) { r.request_sha256 = "abc"; }, "digest"},
      {[](NewRequest& r) { r.request_sha256 = std::string(64, 'G'); }, "digest"},
      {[](NewRequest& r) { r.request_json = "{\"truncated\":"; }, "not valid JSON"},
      {[](NewRequest& r) { r.request_json = "[1,2]"; }, "not a JSON object"},
      {[](NewRequest& r) { r.request_json = "\"text\""; }, "not a JSON object"},
      {[](NewRequest& r) { r.request_json = "{\"a\":\"\xff\"}"; }, "not valid JSON"},
  };
  for (const auto& c : cases) {
    NewRequest r = request("k");
    c.change(r);
    auto a = journal_->admit(r);
    ASSERT_FALSE(a) << c.says;
    EXPECT_EQ(a.error().code, Errc::invalid_argument) << c.says;
    EXPECT_NE(a.error().message.find(c.says), std::string::npos) << a.error().message;
  }
  EXPECT_EQ(journal_->stats()->entries, 0u);
  NewRequest no_institution = request("k");
  no_institution.institution = "";
  EXPECT_TRUE(journal_->admit(no_institution));
}

TEST_F(JournalTest, AnOutcomeMustBeAJsonObject) {
  const Entry e = admitted(request("k"));
  for (const std::string text : {"", "null", "[\"a\"]", "{\"a\":"}) {
    auto s = journal_->succeed(e.id, text, test_now());
    ASSERT_FALSE(s) << text;
    EXPECT_EQ(s.error().code, Errc::invalid_argument) << text;
  }
  EXPECT_EQ(found(e.id).state, State::accepted);
}

TEST_F(JournalTest, StatsCountEntriesAndUnfinished) {
  EXPECT_EQ(journal_->stats()->entries, 0u);
  EXPECT_EQ(journal_->stats()->unfinished, 0u);
  const Entry a = admitted(request("a"));
  const Entry b = admitted(request("b"));
  admitted(request("c"));
  ASSERT_TRUE(journal_->mark_running(a.id, test_now()));
  ASSERT_TRUE(journal_->succeed(b.id, R"({"n":1})", test_now()));
  auto s = journal_->stats();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->entries, 3u);
  EXPECT_EQ(s->unfinished, 2u);
}

TEST(JournalOptions, BadOptionsAreRefused) {
  TempDir dir;
  Options none;
  auto a = Journal::open(none);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, Errc::invalid_argument);
  for (auto retention : {std::chrono::seconds(0), std::chrono::seconds(-5),
                         std::chrono::seconds(std::numeric_limits<std::int64_t>::max())}) {
    Options o;
    o.file = dir.path() / "journal.sqlite3";
    o.retention = retention;
    auto b = Journal::open(o);
    ASSERT_FALSE(b);
    EXPECT_EQ(b.error().code, Errc::invalid_argument);
    EXPECT_NE(b.error().message.find("retention"), std::string::npos);
  }
  EXPECT_FALSE(fs::exists(dir.path() / "journal.sqlite3"));
}

TEST_F(JournalTest, ConcurrentAdmitsWithTheSameKeyCreateExactlyOne) {
  constexpr int kThreads = 8;
  std::latch start(kThreads);
  std::vector<Result<Admission>> results(kThreads, Error(Errc::internal, "not run"));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      results[static_cast<std::size_t>(t)] = journal_->admit(request("same-key"));
    });
  }
  for (auto& t : threads) t.join();
  int created = 0;
  std::set<std::string> ids;
  for (const auto& r : results) {
    ASSERT_TRUE(r) << r.error().to_string();
    created += r->created ? 1 : 0;
    ids.insert(r->entry.id);
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(journal_->stats()->entries, 1u);
}

TEST_F(JournalTest, ConcurrentRequestsFromEightThreadsAreAllRecorded) {
  constexpr int kThreads = 8, kEach = 25;
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kEach; ++i) {
        const std::string body = fmt::format(R"({{"t":{},"i":{}}})", t, i);
        auto a = journal_->admit(request(fmt::format("t{}-{}", t, i), body));
        if (!a || !journal_->mark_running(a->entry.id, test_now()) ||
            !journal_->succeed(a->entry.id, body, test_now()) || !journal_->find(a->entry.id)) {
          ++failures;
        }
        (void)journal_->stats();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(journal_->stats()->entries, static_cast<std::size_t>(kThreads * kEach));
  EXPECT_EQ(journal_->stats()->unfinished, 0u);
}

}  // namespace
}  // namespace onshi::journal
