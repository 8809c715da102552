#include "progress.hpp"

#include <fmt/format.h>

#include "onshi/japan_time.hpp"

namespace onshi::agent {

bool is_final_event(std::string_view type) { return type == "done" || type == "failed"; }

std::uint64_t ProgressBoard::publish(const std::string& verification, std::string type,
                                     nlohmann::json data) {
  std::uint64_t seq = 0;
  {
    std::lock_guard lock(mutex_);
    seq = ++seq_;
    events_.push_back(
        {seq, verification, std::move(type), std::move(data), std::chrono::system_clock::now()});
    while (events_.size() > capacity_) events_.pop_front();
  }
  changed_.notify_all();
  return seq;
}

ProgressBoard::Batch ProgressBoard::collect(std::uint64_t after,
                                            const std::string& verification) const {
  Batch b;
  // Events between `after` and the oldest kept were dropped (capacity): say so, for any filter.
  if (after > 0 && !events_.empty() && events_.front().seq > after + 1) b.truncated = true;
  for (const auto& e : events_) {
    if (!verification.empty() && e.verification != verification) continue;
    // Only one verification finishes: the feed of all (GET /v1/events) never does (regression:
    // it answered at once, and its SSE stream spun, once any verification had ended).
    if (!verification.empty() && is_final_event(e.type)) b.finished = true;
    if (e.seq > after) b.events.push_back(e);
  }
  return b;
}

ProgressBoard::Batch ProgressBoard::after(std::uint64_t after, const std::string& verification,
                                          std::chrono::milliseconds wait) const {
  std::unique_lock lock(mutex_);
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    Batch b = collect(after, verification);
    b.stopped = stopping_;
    if (!b.events.empty() || b.finished || stopping_ ||
        std::chrono::steady_clock::now() >= deadline) {
      return b;
    }
    changed_.wait_until(lock, deadline);
  }
}

bool ProgressBoard::known(const std::string& verification) const {
  std::lock_guard lock(mutex_);
  for (const auto& e : events_) {
    if (e.verification == verification) return true;
  }
  return false;
}

std::uint64_t ProgressBoard::last_seq() const {
  std::lock_guard lock(mutex_);
  return seq_;
}

void ProgressBoard::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
}

nlohmann::json to_json(const ProgressEvent& e) {
  return {{"seq", e.seq},
          {"verification", e.verification},
          {"type", e.type},
          {"data", e.data},
          {"at", format_japan_time(std::chrono::floor<std::chrono::seconds>(e.at))},
          // Milliseconds since the epoch: step durations for the caller and the benchmark.
          {"at_ms",
           std::chrono::duration_cast<std::chrono::milliseconds>(e.at.time_since_epoch()).count()}};
}

std::string to_sse(const ProgressEvent& e) {
  return fmt::format("id: {}\nevent: {}\ndata: {}\n\n", e.seq, e.type,
                     to_json(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace onshi::agent
