#include "verifications.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <boost/asio/post.hpp>

#include <charconv>
#include <thread>

#include "card_sessions.hpp"
#include "onshi/api/api_error.hpp"
#include "onshi/api/bulk_query.hpp"
#include "onshi/api/insurance_query.hpp"
#include "onshi/api/json_body.hpp"
#include "onshi/api/mynumber_query.hpp"
#include "onshi/api/result_json.hpp"
#include "onshi/api/signature_request.hpp"
#include "onshi/japan_time.hpp"
#include "onshi/log.hpp"
#include "onshi/xmlmsg/codes.hpp"

namespace onshi::agent {
namespace {

using nlohmann::json;
using Clock = std::chrono::system_clock;

constexpr auto kMaxWait = std::chrono::seconds(60);
// 一括照会 phase 2 is asked again this often while it answers 処理中, for at most this long.
constexpr auto kBulkPoll = std::chrono::milliseconds(500);
constexpr auto kBulkDeadline = std::chrono::minutes(10);

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

api::HttpResponse error_reply(const api::ApiError& e) {
  return api::json_response(e.http_status, dump(api::to_json(e)));
}

api::HttpResponse error_reply(const Error& e, std::optional<std::string> field = std::nullopt) {
  return error_reply(api::to_api_error(e, std::move(field)));
}

// Every POST needs an Idempotency-Key (issue 10): the refusal when it is missing or malformed.
std::optional<api::HttpResponse> key_refusal(const api::HttpRequest& request,
                                             std::string_view route) {
  const auto key = request.header("idempotency-key");
  if (!key) {
    return error_reply(Error(Errc::idempotency_key_missing,
                             fmt::format("POST {} needs an Idempotency-Key header (e.g. a UUID): "
                                         "the same key makes a retry safe",
                                         route)),
                       "Idempotency-Key");
  }
  if (auto problem = idempotency_key_problem(*key)) {
    return error_reply(Error(Errc::api_bad_request, "Idempotency-Key " + *problem),
                       "Idempotency-Key");
  }
  return std::nullopt;
}

// The request field a reader refusal is about: its message starts with it ("pin: …", "mode: …");
// otherwise the reader.
std::string field_of(const Error& e) {
  for (std::string_view f : {"pin", "mode", "reader", "institution"}) {
    if (e.message.rfind(std::string(f) + ": ", 0) == 0) return std::string(f);
  }
  return "reader";
}

std::string sha256_hex(std::string_view text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(text.data(), text.size(), md, &n, EVP_sha256(), nullptr);
  std::string out;
  for (unsigned i = 0; i < n; ++i) out += fmt::format("{:02x}", md[i]);
  return out;
}

std::string jst(Clock::time_point t) {
  return format_japan_time(std::chrono::floor<std::chrono::seconds>(t));
}

json entry_json(const journal::Entry& e) {
  json out{{"id", e.id},
           {"kind", e.kind},
           {"institution", e.institution},
           {"state", journal::state_name(e.state)},
           {"created", jst(e.created)},
           {"updated", jst(e.updated)}};
  out["request"] = json::parse(e.request_json, nullptr, false);
  if (e.state == journal::State::succeeded) {
    out["result"] = json::parse(e.result_json, nullptr, false);
  } else if (e.state == journal::State::failed) {
    json error = json::parse(e.error_json, nullptr, false);
    out["error"] = error.is_object() && error.contains("error") ? error["error"] : error;
  }
  return out;
}

bool finished_state(journal::State s) {
  return s == journal::State::succeeded || s == journal::State::failed;
}

std::chrono::seconds parse_seconds(std::string_view text) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) {
    return std::chrono::seconds(0);
  }
  return std::min(std::chrono::seconds(value), kMaxWait);
}

// The caller's scope of Idempotency-Keys as the journal's (uid, key) pair: the uid on the
// socket; over TCP the client certificate, folded into the key with a uid no account has.
std::pair<std::uint32_t, std::string> scoped_key(const api::Peer& peer, std::string_view key) {
  if (peer.transport == api::Peer::Transport::unix_socket) {
    return {peer.uid.value_or(0), std::string(key)};
  }
  constexpr std::uint32_t kRemoteUid = 0xFFFFFFFEu;  // (uid_t)-2: never a real account
  return {kRemoteUid, fmt::format("{}:{}", peer.idempotency_scope().substr(0, 37), key)};
}

}  // namespace

std::optional<std::string> idempotency_key_problem(std::string_view key) {
  if (key.empty()) return "is empty";
  if (key.size() > 200) return fmt::format("has {} characters (at most 200)", key.size());
  for (char c : key) {
    if (c < 0x21 || c > 0x7e) return "must be printable ASCII without spaces (e.g. a UUID)";
  }
  return std::nullopt;
}

std::chrono::seconds preferred_wait(const api::HttpRequest& request) {
  const auto prefer = request.header("prefer");
  if (!prefer) return std::chrono::seconds(0);
  std::string_view rest = *prefer;
  while (!rest.empty()) {
    const std::size_t comma = rest.find_first_of(",;");
    std::string_view item = rest.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.starts_with("wait=")) return parse_seconds(item.substr(5));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return std::chrono::seconds(0);
}

Verifications::Verifications(journal::Journal& journal, UpstreamPool& upstream,
                             ProgressBoard& progress, std::vector<std::string> institutions,
                             ErrorDetails details, std::size_t workers)
    : journal_(journal),
      upstream_(upstream),
      progress_(progress),
      details_(std::move(details)),
      institutions_(std::move(institutions)),
      workers_(workers) {}

Verifications::~Verifications() { stop(); }

void Verifications::begin_stop() {
  progress_.stop();
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    ++generation_;
  }
  done_.notify_all();
}

void Verifications::stop() {
  begin_stop();
  workers_.join();
}

void Verifications::set_institutions(std::vector<std::string> institutions) {
  std::lock_guard lock(mutex_);
  institutions_ = std::move(institutions);
}

void Verifications::finished() {
  {
    std::lock_guard lock(mutex_);
    ++generation_;
  }
  done_.notify_all();
}

void Verifications::fail(const std::string& id, const Error& error,
                         const std::string& institution) {
  api::ApiError e = api::to_api_error(error);
  if (details_) {
    json extra = details_(error, institution);
    if (extra.is_object()) {
      for (auto& [k, v] : extra.items()) e.details[k] = v;
    }
  }
  if (auto s = journal_.fail(id, dump(api::to_json(e)), Clock::now()); !s) {
    log::error("onshid", "journal: cannot record the failure of {}: {}", id, s.error().to_string());
  }
  json data{{"code", e.code}, {"message", e.message}};
  if (e.retries_remaining) data["retries_remaining"] = *e.retries_remaining;
  progress_.publish(id, "failed", std::move(data));
  finished();
}

void Verifications::record_success(const std::string& id, const json& result) {
  if (auto s = journal_.succeed(id, dump(result), Clock::now()); !s) {
    log::error("onshid", "journal: cannot record the result of {}: {}", id, s.error().to_string());
  }
  json data = json::object();
  if (result.contains("path")) data["path"] = result["path"].value("method", "");
  progress_.publish(id, "done", std::move(data));
  finished();
}

void Verifications::record_failure(const std::string& id, const Error& error,
                                   const std::string& institution) {
  fail(id, error, institution);
}

Result<std::string> Verifications::admit_reader_session(const std::string& institution,
                                                        const json& request) {
  // No caller, so no key of a caller's: a random one under a uid no account has.
  constexpr std::uint32_t kFaceReaderUid = 0xFFFFFFFDu;
  unsigned char random[16];
  if (RAND_bytes(random, sizeof random) != 1) {
    return Error(Errc::internal, "no random bytes for the session's key");
  }
  std::string key = "face-reader:";
  for (unsigned char b : random) key += fmt::format("{:02x}", b);
  journal::NewRequest n;
  n.kind = "mynumber";
  n.institution = institution;
  n.uid = kFaceReaderUid;
  n.idempotency_key = key;
  n.request_sha256 = sha256_hex(key);
  n.request_json = dump(request);
  n.now = Clock::now();
  auto admission = journal_.admit(n);
  if (!admission) return admission.error();
  (void)journal_.mark_running(admission->entry.id, Clock::now());
  return admission->entry.id;
}

api::HttpResponse Verifications::entry_response(const journal::Entry& entry,
                                                int status_when_pending) {
  api::HttpResponse r = api::json_response(finished_state(entry.state) ? 200 : status_when_pending,
                                           dump(entry_json(entry)));
  return r;
}

api::HttpResponse Verifications::wait_and_answer(const std::string& id, std::chrono::seconds wait,
                                                 std::string_view expected_kind) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    std::uint64_t seen = 0;
    {
      std::lock_guard lock(mutex_);
      seen = generation_;
    }
    auto found = journal_.find(id);
    if (!found) return error_reply(found.error());
    if (!*found || (!expected_kind.empty() && (*found)->kind.rfind(expected_kind, 0) != 0)) {
      return error_reply(Error(Errc::api_not_found, fmt::format("no verification {}", id)));
    }
    const journal::Entry& entry = **found;
    if (finished_state(entry.state) || stopping_ || std::chrono::steady_clock::now() >= deadline) {
      api::HttpResponse r = entry_response(entry, 202);
      if (!finished_state(entry.state)) r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    std::unique_lock lock(mutex_);
    done_.wait_until(lock, deadline, [&] { return generation_ != seen; });
  }
}

api::HttpResponse Verifications::admit_and_start(const api::HttpRequest& request, std::string kind,
                                                 std::string institution, std::string canonical,
                                                 json journal_request,
                                                 std::function<void(const std::string&)> work,
                                                 std::string_view location) {
  const auto key = request.header("idempotency-key");
  const auto [uid, scoped] = scoped_key(request.peer, *key);
  journal::NewRequest n;
  n.kind = std::move(kind);
  n.institution = institution;
  n.uid = uid;
  n.idempotency_key = scoped;
  n.request_sha256 = sha256_hex(n.kind + "\n" + canonical);
  n.request_json = dump(journal_request);
  n.now = Clock::now();
  auto admission = journal_.admit(n);
  if (!admission) return error_reply(admission.error(), "Idempotency-Key");
  const std::string id = admission->entry.id;
  if (admission->created) {
    progress_.publish(id, "started", {{"kind", n.kind}});
    boost::asio::post(workers_, [this, id, work = std::move(work)] {
      (void)journal_.mark_running(id, Clock::now());
      work(id);
      finished();
    });
  }
  const auto wait = preferred_wait(request);
  api::HttpResponse r =
      wait.count() > 0 ? wait_and_answer(id, wait, {}) : entry_response(admission->entry, 202);
  r.headers.emplace_back("Location", std::string(location) + id);
  if (!admission->created) r.headers.emplace_back("Idempotent-Replayed", "true");
  return r;
}

api::HttpResponse Verifications::post_verification(const api::HttpRequest& request) {
  if (auto refused = key_refusal(request, "/v1/verifications")) return std::move(*refused);
  auto body = api::parse_json_body(request.body);
  if (!body.has_value()) return error_reply(body.error());
  const json& j = *body;
  const std::string method = j.is_object() && j.contains("method") && j["method"].is_string()
                                 ? j["method"].get<std::string>()
                                 : std::string();
  if (method == "mynumber") return post_mynumber(request, j);
  std::vector<std::string> institutions;
  {
    std::lock_guard lock(mutex_);
    institutions = institutions_;
  }
  auto query = api::parse_insurance_card_query(j, institutions, Clock::now());
  if (!query.has_value()) return error_reply(query.error());
  api::InsuranceCardQuery q = *query;
  return admit_and_start(request, "insurance_card", q.institution, api::canonical_request(q),
                         api::journal_request_json(q), [this, q](const std::string& id) {
                           auto client = upstream_.client(q.institution);
                           if (!client) return fail(id, client.error(), q.institution);
                           auto answer = (*client)->search(q.search, q.date, id);
                           if (!answer) return fail(id, answer.error(), q.institution);
                           json result = api::qualification_json(answer->parsed);
                           if (q.include_raw)
                             result["raw"] = json::parse(answer->raw_json, nullptr, false);
                           record_success(id, result);
                         });
}

api::HttpResponse Verifications::get_verification(const api::HttpRequest& request,
                                                  const std::string& id) {
  const auto wait = request.query_value("wait");
  return wait_and_answer(id, wait ? parse_seconds(*wait) : std::chrono::seconds(0), {});
}

api::HttpResponse Verifications::post_bulk(const api::HttpRequest& request) {
  if (auto refused = key_refusal(request, "/v1/bulk-verifications")) return std::move(*refused);
  auto body = api::parse_json_body(request.body, api::kMaxBulkBodyBytes);
  if (!body.has_value()) return error_reply(body.error());
  std::vector<std::string> institutions;
  {
    std::lock_guard lock(mutex_);
    institutions = institutions_;
  }
  auto query = api::parse_bulk_query(*body, institutions, Clock::now());
  if (!query.has_value()) return error_reply(query.error());
  api::BulkQuery q = *query;
  auto response = admit_and_start(
      request, "bulk", q.institution, api::canonical_request(q), api::journal_request_json(q),
      [this, q](const std::string& id) {
        auto client = upstream_.client(q.institution);
        if (!client) return fail(id, client.error(), q.institution);
        std::vector<xmlmsg::SearchInfo> patients;
        for (const auto& p : q.patients) patients.push_back(p);
        auto submitted = (*client)->bulk_submit(patients, q.date, id);
        if (!submitted) return fail(id, submitted.error(), q.institution);
        const std::string reception = submitted->parsed.reception_number;
        const auto deadline = std::chrono::steady_clock::now() + kBulkDeadline;
        for (;;) {
          auto fetched = (*client)->bulk_fetch(reception, id);
          if (!fetched) return fail(id, fetched.error(), q.institution);
          if (fetched->parsed.header.segment_of_result != xmlmsg::kSegmentProcessing) {
            json result = api::bulk_json(fetched->parsed);
            result["reception_number"] = reception;
            record_success(id, result);
            return;
          }
          if (std::chrono::steady_clock::now() >= deadline) {
            return fail(
                id,
                Error(Errc::timeout, fmt::format("一括照会 {} was still 処理中 after {} minutes",
                                                 reception, kBulkDeadline.count())),
                q.institution);
          }
          // Stopping: left unfinished, so the next start fails it as interrupted (the reception
          // number is not kept across a restart).
          std::unique_lock lock(mutex_);
          if (done_.wait_for(lock, kBulkPoll, [this] { return stopping_.load(); })) return;
        }
      });
  for (auto& [name, value] : response.headers) {
    if (name == "Location")
      value.replace(0, std::string_view("/v1/verifications/").size(), "/v1/bulk-verifications/");
  }
  return response;
}

api::HttpResponse Verifications::get_bulk(const api::HttpRequest& request, const std::string& id) {
  const auto wait = request.query_value("wait");
  return wait_and_answer(id, wait ? parse_seconds(*wait) : std::chrono::seconds(0), "bulk");
}

api::HttpResponse Verifications::post_mynumber(const api::HttpRequest& request, const json& body) {
  std::vector<std::string> institutions;
  {
    std::lock_guard lock(mutex_);
    institutions = institutions_;
  }
  auto query = api::parse_mynumber_query(body, institutions, Clock::now());
  if (!query.has_value()) return error_reply(query.error());
  if (card_sessions_ == nullptr) {
    return error_reply(Error(Errc::pcsc_reader_unavailable, "card sessions are not running"));
  }
  auto reader = card_sessions_->resolve(*query);
  if (!reader) return error_reply(reader.error(), field_of(reader.error()));
  if (auto joined = card_sessions_->reader_started_session(reader->key)) {
    // The patient was quicker: the face reader started this session when the card was placed.
    api::HttpResponse r = wait_and_answer(*joined, preferred_wait(request), {});
    r.headers.emplace_back("Location", "/v1/verifications/" + *joined);
    r.headers.emplace_back("Onshi-Joined", "face-reader-session");
    return r;
  }
  api::MyNumberQuery q = std::move(*query);
  const std::string institution = q.institution;
  json journal_request = api::journal_request_json(q);
  journal_request["origin"] = "api";
  journal_request["reader"] = reader->key;
  return admit_and_start(request, "mynumber", institution, api::canonical_request(q),
                         std::move(journal_request),
                         [this, q = std::move(q), r = std::move(*reader)](const std::string& id) {
                           card_sessions_->run(id, r, q);
                         });
}

api::HttpResponse Verifications::post_signature(const api::HttpRequest& request) {
  if (auto refused = key_refusal(request, "/v1/signatures")) return std::move(*refused);
  auto body = api::parse_json_body(request.body);
  if (!body.has_value()) return error_reply(body.error());
  std::vector<std::string> institutions;
  {
    std::lock_guard lock(mutex_);
    institutions = institutions_;
  }
  auto parsed = api::parse_signature_request(*body, institutions);
  if (!parsed.has_value()) return error_reply(parsed.error());
  if (card_sessions_ == nullptr) {
    return error_reply(Error(Errc::pcsc_reader_unavailable, "card sessions are not running"));
  }
  auto reader = card_sessions_->resolve_card_reader(parsed->reader, parsed->pin != nullptr);
  if (!reader) return error_reply(reader.error(), field_of(reader.error()));
  api::SignatureRequest r = std::move(*parsed);
  const std::string institution = r.institution;
  json journal_request = api::journal_request_json(r);
  journal_request["reader"] = reader->key;
  return admit_and_start(
      request, "signature", institution, api::canonical_request(r), std::move(journal_request),
      [this, r = std::move(r), reader = std::move(*reader)](const std::string& id) {
        card_sessions_->run_signature(id, reader, r);
      },
      "/v1/signatures/");
}

api::HttpResponse Verifications::get_signature(const api::HttpRequest& request,
                                               const std::string& id) {
  const auto wait = request.query_value("wait");
  return wait_and_answer(id, wait ? parse_seconds(*wait) : std::chrono::seconds(0), "signature");
}

api::HttpResponse Verifications::post_cancel(const api::HttpRequest& request,
                                             const std::string& id) {
  if (auto refused = key_refusal(request, "…/cancel")) return std::move(*refused);
  auto found = journal_.find(id);
  if (!found) return error_reply(found.error());
  if (!*found)
    return error_reply(Error(Errc::api_not_found, fmt::format("no verification {}", id)));
  if (finished_state((*found)->state)) return entry_response(**found, 200);
  if (card_sessions_ == nullptr || !card_sessions_->cancel(id)) {
    return error_reply(Error(Errc::api_bad_request,
                             fmt::format("{} is not a card session; it cannot be cancelled", id)));
  }
  json out{{"id", id},
           {"cancelling", true},
           {"note",
            "a PIN entry on the pad cannot be interrupted (PC/SC has no abort): the cancel "
            "then takes effect when the patient finishes, presses cancel or the pad times "
            "out"}};
  return api::json_response(202, dump(out));
}

namespace {

// SSE: the events of one verification (until its final one) or of all.
class EventFeed : public api::BodyStream {
 public:
  EventFeed(const ProgressBoard& board, std::string id, std::uint64_t after)
      : board_(board), id_(std::move(id)), after_(after) {}
  std::optional<std::string> next(std::chrono::milliseconds max_wait) override {
    if (done_) return std::nullopt;
    auto batch = board_.after(after_, id_, max_wait);
    std::string out;
    if (batch.truncated) out += ": some events were dropped (too many at once)\n\n";
    for (const auto& e : batch.events) {
      out += to_sse(e);
      after_ = e.seq;
      if (!id_.empty() && is_final_event(e.type)) done_ = true;
    }
    if (batch.events.empty() && ((batch.finished && !id_.empty()) || batch.stopped)) {
      return std::nullopt;
    }
    return out;
  }

 private:
  const ProgressBoard& board_;
  std::string id_;
  std::uint64_t after_;
  bool done_ = false;
};

std::uint64_t parse_seq(std::string_view text) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  return ec == std::errc() && end == text.data() + text.size() ? v : 0;
}

}  // namespace

api::HttpResponse Verifications::get_events(const api::HttpRequest& request,
                                            const std::string& id) {
  if (!id.empty() && !progress_.known(id)) {
    auto found = journal_.find(id);
    if (!found) return error_reply(found.error());
    if (!*found) {
      return error_reply(Error(Errc::api_not_found, fmt::format("no verification {}", id)));
    }
    if (!finished_state((*found)->state)) {
      // Running, but its events were dropped for capacity (or it came in just now): wait below.
    } else {
      // Finished before this onshid started (or long ago): its outcome, as one final event.
      ProgressEvent e;
      e.verification = id;
      e.type = (*found)->state == journal::State::succeeded ? "done" : "failed";
      e.at = (*found)->updated;
      std::vector<ProgressEvent> one{e};
      const bool sse =
          request.header("accept").value_or("").find("text/event-stream") != std::string_view::npos;
      if (sse) {
        api::HttpResponse r{200, to_sse(e), "text/event-stream", {}, nullptr};
        return r;
      }
      return api::json_response(
          200, dump(json{{"events", json::array({to_json(e)})}, {"finished", true}}));
    }
  }
  std::uint64_t after = 0;
  if (auto last = request.header("last-event-id")) after = parse_seq(*last);
  if (auto q = request.query_value("after")) after = parse_seq(*q);
  const bool sse =
      request.header("accept").value_or("").find("text/event-stream") != std::string_view::npos;
  if (sse) {
    api::HttpResponse r;
    r.content_type = "text/event-stream";
    r.body = "retry: 2000\n\n";
    r.stream = std::make_shared<EventFeed>(progress_, id, after);
    return r;
  }
  const auto wait = request.query_value("wait");
  auto batch = progress_.after(after, id, wait ? parse_seconds(*wait) : std::chrono::seconds(0));
  json events = json::array();
  for (const auto& e : batch.events) events.push_back(to_json(e));
  json out{{"events", events},
           {"last_seq", batch.events.empty() ? after : batch.events.back().seq}};
  if (!id.empty()) out["finished"] = batch.finished;
  if (batch.truncated) out["truncated"] = true;
  return api::json_response(200, dump(out));
}

}  // namespace onshi::agent
