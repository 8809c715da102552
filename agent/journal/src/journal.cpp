#include "onshi/journal/journal.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <mutex>
#include <utility>

#include <nlohmann/json.hpp>

#include "journal_file.hpp"
#include "request_id.hpp"
#include "schema.hpp"
#include "sqlite.hpp"
#include "stored_text.hpp"

namespace onshi::journal {
namespace {

using Clock = std::chrono::system_clock;
using detail::Statement;
using detail::Transaction;

// A retention longer than this is a configuration mistake, and would overflow the cut-off.
constexpr auto kMaxRetention = std::chrono::seconds(std::int64_t{100} * 366 * 24 * 3600);

// How many fresh ids admit() draws when one is taken (never, in practice: 128 random bits).
constexpr int kIdAttempts = 4;

constexpr const char* kColumns =
    "id, kind, institution, uid, idempotency_key, request_sha256, state, request_json, "
    "result_json, error_json, created_ms, updated_ms";

std::int64_t to_ms(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

Clock::time_point from_ms(std::int64_t ms) {
  // system_clock counts nanoseconds here; a value nobody wrote (a hand-edited file) is clamped,
  // never an overflow.
  using Limits = std::numeric_limits<Clock::duration::rep>;
  constexpr std::int64_t kMax = Limits::max() / 1'000'000;
  ms = std::clamp(ms, -kMax, kMax);
  return Clock::time_point(
      std::chrono::duration_cast<Clock::duration>(std::chrono::milliseconds(ms)));
}

Clock::time_point whole_ms(Clock::time_point t) { return from_ms(to_ms(t)); }

std::optional<State> parse_state(std::string_view s) {
  for (State st : {State::accepted, State::running, State::succeeded, State::failed}) {
    if (state_name(st) == s) return st;
  }
  return std::nullopt;
}

std::string printable_id(std::string_view id) {
  // Ids in messages come from callers; keep what is printed short and plain.
  std::string out;
  for (char c : id.substr(0, 64)) out += (c >= 0x21 && c <= 0x7e) ? c : '?';
  return out;
}

Error not_found(std::string_view id) {
  return Error(Errc::api_not_found, fmt::format("no verification {}", printable_id(id)));
}

}  // namespace

std::string_view state_name(State s) noexcept {
  switch (s) {
    case State::accepted:
      return "accepted";
    case State::running:
      return "running";
    case State::succeeded:
      return "succeeded";
    case State::failed:
      return "failed";
  }
  return "unknown";
}

// The connection first: statements are finalised before it closes (members die in reverse).
struct Journal::Impl {
  Options options;
  mutable std::mutex mutex;
  detail::Connection db;
  mutable Statement by_id;
  Statement by_key;
  Statement insert;
  Statement to_running;
  Statement outcome;
  Statement recover;
  Statement purge;
  mutable Statement count;

  Status prepare_statements();
  Result<std::optional<Entry>> load(Statement& s) const;
  Result<std::optional<Entry>> find_locked(std::string_view id) const;
  Status refused_transition(std::string_view id, std::string_view wanted);
  Status record_outcome(std::string_view id, State state, const std::string& json,
                        Clock::time_point now);
};

Status Journal::Impl::prepare_statements() {
  const std::string select = fmt::format("SELECT {} FROM requests", kColumns);
  ONSHI_TRY_ASSIGN(by_id, db.prepare(select + " WHERE id = ?1"));
  ONSHI_TRY_ASSIGN(by_key, db.prepare(select + " WHERE uid = ?1 AND idempotency_key = ?2"));
  ONSHI_TRY_ASSIGN(
      insert, db.prepare(fmt::format("INSERT INTO requests ({}) VALUES "
                                     "(?1, ?2, ?3, ?4, ?5, ?6, 'accepted', ?7, NULL, NULL, ?8, ?8)",
                                     kColumns)));
  ONSHI_TRY_ASSIGN(to_running, db.prepare("UPDATE requests SET state = 'running', updated_ms = ?2 "
                                          "WHERE id = ?1 AND state = 'accepted'"));
  // The WHERE is what makes a second outcome impossible, even from another process.
  ONSHI_TRY_ASSIGN(
      outcome, db.prepare("UPDATE requests SET state = ?2, result_json = ?3, error_json = ?4, "
                          "updated_ms = ?5 WHERE id = ?1 AND state IN ('accepted', 'running')"));
  ONSHI_TRY_ASSIGN(recover, db.prepare("UPDATE requests SET state = 'failed', error_json = ?1, "
                                       "updated_ms = ?2 WHERE state IN ('accepted', 'running')"));
  ONSHI_TRY_ASSIGN(purge, db.prepare("DELETE FROM requests WHERE updated_ms < ?1 AND "
                                     "state IN ('succeeded', 'failed')"));
  ONSHI_TRY_ASSIGN(count,
                   db.prepare("SELECT count(*), coalesce(sum(state IN ('accepted', 'running')), 0) "
                              "FROM requests"));
  return {};
}

Result<std::optional<Entry>> Journal::Impl::load(Statement& s) const {
  ONSHI_TRY_ASSIGN(const bool row, s.step());
  if (!row) return std::optional<Entry>();
  Entry e;
  e.id = s.text(0);
  e.kind = s.text(1);
  e.institution = s.text(2);
  e.uid = static_cast<std::uint32_t>(s.integer(3));
  e.idempotency_key = s.text(4);
  e.request_sha256 = s.text(5);
  const std::string state = s.text(6);
  const auto parsed = parse_state(state);
  if (!parsed) {
    return Error(Errc::journal_failed, fmt::format("journal {}: entry {} has an unknown state "
                                                   "\"{}\"",
                                                   db.path().string(), e.id, state));
  }
  e.state = *parsed;
  e.request_json = s.text(7);
  e.result_json = s.text(8);
  e.error_json = s.text(9);
  e.created = from_ms(s.integer(10));
  e.updated = from_ms(s.integer(11));
  return std::optional<Entry>(std::move(e));
}

Result<std::optional<Entry>> Journal::Impl::find_locked(std::string_view id) const {
  if (!detail::is_request_id(id)) return std::optional<Entry>();
  auto used = by_id.use();
  ONSHI_TRY(by_id.bind(1, id));
  return load(by_id);
}

// Why an update matched no row: the id is unknown, or the entry is past `wanted`'s start.
Status Journal::Impl::refused_transition(std::string_view id, std::string_view wanted) {
  ONSHI_TRY_ASSIGN(const auto entry, find_locked(id));
  if (!entry) return not_found(id);
  if (entry->state == State::succeeded || entry->state == State::failed) {
    return Error(Errc::invalid_argument,
                 fmt::format("journal: {} already {}; it cannot be {} (the stored outcome is "
                             "kept)",
                             entry->id, state_name(entry->state), wanted));
  }
  return Error(Errc::invalid_argument, fmt::format("journal: {} is {}; it cannot be {}", entry->id,
                                                   state_name(entry->state), wanted));
}

Status Journal::Impl::record_outcome(std::string_view id, State state, const std::string& json,
                                     Clock::time_point now) {
  const bool ok = state == State::succeeded;
  ONSHI_TRY(detail::check_stored_json(ok ? "result_json" : "error_json", json,
                                      ok ? kMaxStoredJson : kMaxErrorJson));
  std::lock_guard lock(mutex);
  if (!detail::is_request_id(id)) return not_found(id);
  {
    auto used = outcome.use();
    ONSHI_TRY(outcome.bind(1, id));
    ONSHI_TRY(outcome.bind(2, state_name(state)));
    ONSHI_TRY(ok ? outcome.bind(3, json) : outcome.bind_null(3));
    ONSHI_TRY(ok ? outcome.bind_null(4) : outcome.bind(4, json));
    ONSHI_TRY(outcome.bind(5, to_ms(now)));
    ONSHI_TRY(outcome.run());
  }
  if (db.changes() == 1) return {};
  return refused_transition(id, ok ? "marked succeeded" : "marked failed");
}

Journal::Journal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Journal::~Journal() = default;

Result<std::unique_ptr<Journal>> Journal::open(Options options) {
  if (options.file.empty()) {
    return Error(Errc::invalid_argument, "journal: no file given (<state_dir>/journal.sqlite3)");
  }
  if (options.retention <= std::chrono::seconds(0) || options.retention > kMaxRetention) {
    return Error(Errc::invalid_argument,
                 fmt::format("journal: the retention must be between 1 second and 100 years, not "
                             "{} seconds",
                             options.retention.count()));
  }
  ONSHI_TRY(detail::prepare_journal_file(options.file));
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  ONSHI_TRY_ASSIGN(impl->db, detail::Connection::open(impl->options.file));
  ONSHI_TRY(detail::configure_connection(impl->db));
  // WAL mode now exists: its files get the database file's mode; make sure of it.
  ONSHI_TRY(detail::tighten_companion_files(impl->options.file));
  ONSHI_TRY(detail::prepare_schema(impl->db));
  ONSHI_TRY(impl->prepare_statements());
  return std::unique_ptr<Journal>(new Journal(std::move(impl)));
}

Result<Admission> Journal::admit(const NewRequest& request) {
  ONSHI_TRY(detail::check_new_request(request));
  std::lock_guard lock(impl_->mutex);
  ONSHI_TRY_ASSIGN(Transaction tx, Transaction::begin(impl_->db, "admitting a request"));
  {
    Statement& s = impl_->by_key;
    auto used = s.use();
    ONSHI_TRY(s.bind(1, static_cast<std::int64_t>(request.uid)));
    ONSHI_TRY(s.bind(2, request.idempotency_key));
    ONSHI_TRY_ASSIGN(auto earlier, impl_->load(s));
    if (earlier) {
      if (earlier->request_sha256 != request.request_sha256) {
        return Error(Errc::idempotency_conflict,
                     fmt::format("the Idempotency-Key was already used for {} with a different "
                                 "request; use a new key for a new request",
                                 earlier->id));
      }
      return Admission{std::move(*earlier), false};
    }
  }
  Entry e;
  e.kind = request.kind;
  e.institution = request.institution;
  e.uid = request.uid;
  e.idempotency_key = request.idempotency_key;
  e.request_sha256 = request.request_sha256;
  e.state = State::accepted;
  e.request_json = request.request_json;
  e.created = e.updated = whole_ms(request.now);
  for (int attempt = 1;; ++attempt) {
    ONSHI_TRY_ASSIGN(e.id, detail::new_request_id());
    Statement& s = impl_->insert;
    auto used = s.use();
    ONSHI_TRY(s.bind(1, e.id));
    ONSHI_TRY(s.bind(2, e.kind));
    ONSHI_TRY(s.bind(3, e.institution));
    ONSHI_TRY(s.bind(4, static_cast<std::int64_t>(e.uid)));
    ONSHI_TRY(s.bind(5, e.idempotency_key));
    ONSHI_TRY(s.bind(6, e.request_sha256));
    ONSHI_TRY(s.bind(7, e.request_json));
    ONSHI_TRY(s.bind(8, to_ms(e.created)));
    auto inserted = s.run();
    if (inserted) break;
    if (inserted.error().native != SQLITE_CONSTRAINT_PRIMARYKEY || attempt == kIdAttempts) {
      return std::move(inserted).error();
    }
  }
  ONSHI_TRY(tx.commit("admitting a request"));
  return Admission{std::move(e), true};
}

Status Journal::mark_running(std::string_view id, Clock::time_point now) {
  std::lock_guard lock(impl_->mutex);
  if (!detail::is_request_id(id)) return not_found(id);
  {
    Statement& s = impl_->to_running;
    auto used = s.use();
    ONSHI_TRY(s.bind(1, id));
    ONSHI_TRY(s.bind(2, to_ms(now)));
    ONSHI_TRY(s.run());
  }
  if (impl_->db.changes() == 1) return {};
  return impl_->refused_transition(id, "marked running");
}

Status Journal::succeed(std::string_view id, std::string result_json, Clock::time_point now) {
  return impl_->record_outcome(id, State::succeeded, result_json, now);
}

Status Journal::fail(std::string_view id, std::string error_json, Clock::time_point now) {
  return impl_->record_outcome(id, State::failed, error_json, now);
}

Result<std::optional<Entry>> Journal::find(std::string_view id) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->find_locked(id);
}

Result<std::size_t> Journal::recover_unfinished(std::string_view reason, Clock::time_point now) {
  const nlohmann::json error = {{"code", errc_name(Errc::request_interrupted)},
                                {"message", std::string(reason)}};
  const std::string text = error.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  ONSHI_TRY(detail::check_stored_json("the recovery reason", text, kMaxErrorJson));
  std::lock_guard lock(impl_->mutex);
  Statement& s = impl_->recover;
  auto used = s.use();
  ONSHI_TRY(s.bind(1, text));
  ONSHI_TRY(s.bind(2, to_ms(now)));
  ONSHI_TRY(s.run());
  return static_cast<std::size_t>(impl_->db.changes());
}

Result<std::size_t> Journal::purge_expired(Clock::time_point now) {
  const std::int64_t cutoff =
      to_ms(now) -
      std::chrono::duration_cast<std::chrono::milliseconds>(impl_->options.retention).count();
  std::lock_guard lock(impl_->mutex);
  Statement& s = impl_->purge;
  auto used = s.use();
  ONSHI_TRY(s.bind(1, cutoff));
  ONSHI_TRY(s.run());
  return static_cast<std::size_t>(impl_->db.changes());
}

Result<Stats> Journal::stats() const {
  std::lock_guard lock(impl_->mutex);
  Statement& s = impl_->count;
  auto used = s.use();
  ONSHI_TRY_ASSIGN(const bool row, s.step());
  Stats out;
  if (row) {
    out.entries = static_cast<std::size_t>(s.integer(0));
    out.unfinished = static_cast<std::size_t>(s.integer(1));
  }
  return out;
}

Result<Settings> Journal::settings() const {
  std::lock_guard lock(impl_->mutex);
  Settings out;
  auto read = [&](const char* pragma) -> Result<Statement> {
    ONSHI_TRY_ASSIGN(Statement s, impl_->db.prepare(pragma));
    ONSHI_TRY_ASSIGN(const bool row, s.step());
    if (!row) {
      return Error(Errc::journal_failed, fmt::format("journal {}: \"{}\" returned nothing",
                                                     impl_->db.path().string(), pragma));
    }
    return s;
  };
  ONSHI_TRY_ASSIGN(const Statement mode, read("PRAGMA journal_mode"));
  out.journal_mode = mode.text(0);
  ONSHI_TRY_ASSIGN(const Statement sync, read("PRAGMA synchronous"));
  out.synchronous = static_cast<int>(sync.integer(0));
  ONSHI_TRY_ASSIGN(const Statement fk, read("PRAGMA foreign_keys"));
  out.foreign_keys = fk.integer(0) != 0;
  ONSHI_TRY_ASSIGN(const Statement busy, read("PRAGMA busy_timeout"));
  out.busy_timeout_ms = static_cast<int>(busy.integer(0));
  ONSHI_TRY_ASSIGN(const Statement version, read("PRAGMA user_version"));
  out.schema_version = static_cast<int>(version.integer(0));
  return out;
}

const Options& Journal::options() const noexcept { return impl_->options; }

}  // namespace onshi::journal
