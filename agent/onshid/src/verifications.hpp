// The verification service of this part: insurance-card queries (個別照会) and 一括照会, each
// recorded in the journal before any work and answered from it (architecture.md, Invariants:
// every request that entered gets exactly one answer, even across a crash).
//
// POST answers 202 with the verification id at once; the query runs on a worker. A caller may
// wait for the outcome with `Prefer: wait=N` (RFC 7240) on the POST or `?wait=N` on the GET.
#pragma once

#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "onshi/api/http_types.hpp"
#include "onshi/api/router.hpp"
#include "onshi/journal/journal.hpp"
#include "progress.hpp"
#include "upstream_pool.hpp"

namespace onshi::agent {

class CardSessions;

// Extra details for an error of the upstream path (the certificate's next action).
using ErrorDetails = std::function<nlohmann::json(const Error&, const std::string& institution)>;

class Verifications {
 public:
  Verifications(journal::Journal& journal, UpstreamPool& upstream, ProgressBoard& progress,
                std::vector<std::string> institutions, ErrorDetails details,
                std::size_t workers = 32);
  ~Verifications();

  // The My Number card sessions ("method":"mynumber"); without them that method answers 503.
  void set_card_sessions(CardSessions* sessions) { card_sessions_ = sessions; }
  // For the card sessions' outcomes, and the sessions a face reader starts itself.
  void record_success(const std::string& id, const nlohmann::json& result);
  void record_failure(const std::string& id, const Error& error, const std::string& institution);
  Result<std::string> admit_reader_session(const std::string& institution,
                                           const nlohmann::json& request);

  // GET /v1/verifications/{id}/events and GET /v1/events: Server-Sent Events with
  // `Accept: text/event-stream`, else a long-poll JSON answer (?after=SEQ&wait=N).
  api::HttpResponse get_events(const api::HttpRequest& request, const std::string& id);
  // POST /v1/verifications/{id}/cancel.
  api::HttpResponse post_cancel(const api::HttpRequest& request, const std::string& id);

  api::HttpResponse post_verification(const api::HttpRequest& request);
  api::HttpResponse get_verification(const api::HttpRequest& request, const std::string& id);
  // POST /v1/signatures (an HPKI signature, hpki_signing.hpp) and GET /v1/signatures/{id}.
  api::HttpResponse post_signature(const api::HttpRequest& request);
  api::HttpResponse get_signature(const api::HttpRequest& request, const std::string& id);
  api::HttpResponse post_bulk(const api::HttpRequest& request);
  api::HttpResponse get_bulk(const api::HttpRequest& request, const std::string& id);

  void set_institutions(std::vector<std::string> institutions);
  // Ends waits at once (callers get the state as it is) and stops 一括 polling; a query in flight
  // finishes and is journaled. What is left unfinished is failed at the next start.
  void begin_stop();
  // begin_stop(), then waits for the workers.
  void stop();

 private:
  api::HttpResponse post_mynumber(const api::HttpRequest& request, const nlohmann::json& body);
  api::HttpResponse admit_and_start(const api::HttpRequest& request, std::string kind,
                                    std::string institution, std::string canonical,
                                    nlohmann::json journal_request,
                                    std::function<void(const std::string& id)> work,
                                    std::string_view location = "/v1/verifications/");
  api::HttpResponse entry_response(const journal::Entry& entry, int status_when_pending);
  api::HttpResponse wait_and_answer(const std::string& id, std::chrono::seconds wait,
                                    std::string_view expected_kind);
  void finished();
  void fail(const std::string& id, const Error& error, const std::string& institution);

  journal::Journal& journal_;
  UpstreamPool& upstream_;
  ProgressBoard& progress_;
  CardSessions* card_sessions_ = nullptr;
  ErrorDetails details_;
  std::mutex mutex_;
  std::vector<std::string> institutions_;
  std::condition_variable done_;
  std::uint64_t generation_ = 0;
  std::atomic<bool> stopping_{false};
  boost::asio::thread_pool workers_;
};

// The Idempotency-Key: 1-200 printable ASCII characters (RFC 9110 field value, no spaces at the
// ends). nullopt when acceptable, else the reason.
std::optional<std::string> idempotency_key_problem(std::string_view key);
// Prefer: wait=N (RFC 7240 §4.3), at most 60 s.
std::chrono::seconds preferred_wait(const api::HttpRequest& request);

}  // namespace onshi::agent
