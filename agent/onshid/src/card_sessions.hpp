// The card sessions (issue 11; architecture.md, "A verification by My Number card, end to end"):
// one session at a time per reader — a face reader with its paired card slot, or a plain PC/SC
// reader (PIN mode only) — started by receipt software or by the face reader when a patient puts
// a card on it with nothing pending. Each session runs its steps on a worker thread of its own
// (card_session.cpp); the devices' news reach it through its mailbox. Insurance-card queries do
// not pass through here and keep running concurrently.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>

#include "devices.hpp"
#include "onshi/api/mynumber_query.hpp"
#include "onshi/api/signature_request.hpp"
#include "onshi/eligibility/client.hpp"
#include "progress.hpp"

namespace onshi::agent {

// What a session hears while it runs.
struct CardInserted {};
struct CardGone {};
struct FaceGone {
  std::string reason;
};
struct CancelAsked {};
using SessionNews =
    std::variant<driver::DeviceEvent, CardInserted, CardGone, FaceGone, CancelAsked>;

class Mailbox {
 public:
  void push(SessionNews news);
  // The next news, or nullopt at the deadline.
  std::optional<SessionNews> pop(std::chrono::steady_clock::time_point deadline);

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<SessionNews> queue_;
};

// The reader a session runs on.
struct SessionReader {
  std::string key;                           // the face reader's serial, or the PC/SC name
  std::shared_ptr<driver::FaceReader> face;  // nullptr: a plain reader
  std::string card_reader;                   // PC/SC name of the card slot
  bool pin_pad = false;                      // FEATURE_VERIFY_PIN_DIRECT offered
};

struct CardSessionHooks {
  std::function<Result<std::shared_ptr<eligibility::EligibilityClient>>(const std::string&)>
      upstream;
  std::function<void(const std::string& id, const nlohmann::json& result)> succeed;
  std::function<void(const std::string& id, const Error& error, const std::string& institution)>
      fail;
  // A session the face reader started: recorded like one from the API; the id.
  std::function<Result<std::string>(const std::string& institution, const nlohmann::json& request)>
      admit_reader_session;
};

struct CardSessionSettings {
  std::vector<config::FaceReader> face_readers;  // their institutions
  std::vector<std::string> institutions;
  std::chrono::milliseconds face_call_timeout{5000};
};

class CardSessions {
 public:
  CardSessions(Devices& devices, ProgressBoard& progress, CardSessionHooks hooks,
               CardSessionSettings settings);
  ~CardSessions();

  // Which reader the query means, checked before it is admitted: reader_not_found,
  // api_bad_request (several fit, or the mode or PIN does not suit the reader).
  Result<SessionReader> resolve(const api::MyNumberQuery& query) const;
  // Runs the session to its end on the calling thread (a worker): reserves the reader
  // (reader_busy when another session holds it), records the outcome through the hooks.
  void run(const std::string& id, SessionReader reader, api::MyNumberQuery query);
  // The reader an HPKI signature names (a face reader's serial or a PC/SC name), or the only
  // card reader: reader_not_found, api_bad_request when several fit or when the reader has no
  // pad and no PIN was given.
  Result<SessionReader> resolve_card_reader(const std::optional<std::string>& name,
                                            bool pin_given) const;
  // An HPKI signature as a session of its own on the reader (hpki_signing.hpp): reader_busy
  // while another session holds it; the outcome through the hooks.
  void run_signature(const std::string& id, SessionReader reader, api::SignatureRequest request);
  // The session the face reader started itself on that reader, if one runs: a receipt program
  // asking for the same reader then joins it (the patient was quicker) instead of being refused.
  std::optional<std::string> reader_started_session(const std::string& key) const;
  // Cancel: Errc::api_not_found when no session of that id runs. Takes effect at once, except
  // during a PIN entry on the pad, which PC/SC cannot abort (pin_pad.hpp): then when it ends.
  Status cancel(const std::string& id);

  void on_card_event(const pcsc::MonitorEvent& event);   // monitor thread
  void on_face_event(const driver::ReaderEvent& event);  // io_context
  void set_settings(CardSessionSettings settings);
  nlohmann::json sessions_json() const;
  // Cancels every session (they end on their workers); idle() once all have.
  void begin_stop();
  bool idle() const;
  // begin_stop(), then waits for them.
  void stop();

 private:
  struct Running {
    std::string id;
    std::string key;
    std::string card_reader;
    std::optional<std::string> face_serial;
    Mailbox mailbox;
    std::string step = "starting";
    bool reader_started = false;
  };
  Result<SessionReader> find_card_reader(const std::optional<std::string>& name) const;
  std::shared_ptr<Running> reserve(const std::string& id, const SessionReader& reader);
  // Why reserve() gave nothing: reader_busy, or request_interrupted while stopping.
  Error not_reserved(const SessionReader& reader) const;
  std::function<void(std::string)> step_setter(std::shared_ptr<Running> running);
  std::function<bool()> card_present_in(std::string card_reader) const;
  void run_reserved(const std::shared_ptr<Running>& running, const SessionReader& reader,
                    api::MyNumberQuery query);
  void release(const std::shared_ptr<Running>& running);
  void start_reader_session(const std::string& serial);

  Devices& devices_;
  ProgressBoard& progress_;
  CardSessionHooks hooks_;
  mutable std::mutex mutex_;
  CardSessionSettings settings_;
  std::map<std::string, std::shared_ptr<Running>> by_key_;  // reader key → session
  std::condition_variable all_ended_;
  std::atomic<bool> stopping_{false};
  boost::asio::thread_pool reader_started_;  // sessions the face readers start
};

// The flow of one session (card_session.cpp): the outcome's JSON, or the error it ended with.
struct SessionContext {
  const std::string& id;
  const SessionReader& reader;
  const api::MyNumberQuery& query;
  Mailbox& mailbox;
  ProgressBoard& progress;
  const CardSessionHooks& hooks;
  std::chrono::milliseconds face_call_timeout;
  const std::atomic<bool>& stopping;
  std::function<void(std::string)> set_step;
  std::function<bool()> card_present;  // the slot has a card now (pcscd's view)
};
Result<nlohmann::json> run_card_session(const SessionContext& context);

}  // namespace onshi::agent
