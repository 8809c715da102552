// Progress of the card sessions (issue 11): each verification's steps as events, for
// Server-Sent Events and long-poll. In memory only — the journal keeps the outcome, which is what
// must survive a crash; a caller that reconnects after a restart reads the outcome by id.
//
// Events carry step names and codes, never personal data: no name, no number, no PIN (the result
// itself is fetched by id).
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace onshi::agent {

struct ProgressEvent {
  std::uint64_t seq = 0;  // one count for all verifications: the SSE id
  std::string verification;
  std::string type;  // waiting_for_card, card_read, face_matched, pin_requested, … done, failed
  nlohmann::json data;
  std::chrono::system_clock::time_point at;
};
bool is_final_event(std::string_view type);

class ProgressBoard {
 public:
  explicit ProgressBoard(std::size_t capacity = 4096) : capacity_(capacity) {}

  std::uint64_t publish(const std::string& verification, std::string type,
                        nlohmann::json data = nlohmann::json::object());

  struct Batch {
    std::vector<ProgressEvent> events;
    bool finished = false;   // (one verification) its final event is in the past
    bool truncated = false;  // events after `after` were dropped for capacity
    bool stopped = false;    // onshid is stopping
  };
  // Events with seq > after, of `verification` or of all when empty; waits up to `wait` for the
  // first one (returns early when stop() was called).
  Batch after(std::uint64_t after, const std::string& verification,
              std::chrono::milliseconds wait) const;
  bool known(const std::string& verification) const;
  std::uint64_t last_seq() const;
  void stop();

 private:
  Batch collect(std::uint64_t after, const std::string& verification) const;
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::deque<ProgressEvent> events_;
  std::uint64_t seq_ = 0;
  bool stopping_ = false;
};

nlohmann::json to_json(const ProgressEvent& event);
// "id: 7\nevent: face_matched\ndata: {…}\n\n"
std::string to_sse(const ProgressEvent& event);

}  // namespace onshi::agent
