// A thread that runs calls which cannot be cancelled (SCardTransmit, SCardControl in pcsc-lite),
// so the caller can have a deadline. On timeout the caller gets Errc::timeout at once, while the
// call goes on in the worker: the worker then answers Errc::busy until it returns. Nothing is ever
// replayed. Destroying the worker never blocks on a stuck call: the thread finishes it, runs the
// final job (e.g. SCardDisconnect) and exits by itself.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "onshi/result.hpp"

namespace onshi::pcsc {

class BlockingWorker {
 public:
  BlockingWorker();
  ~BlockingWorker();
  BlockingWorker(const BlockingWorker&) = delete;
  BlockingWorker& operator=(const BlockingWorker&) = delete;

  // Runs `fn` on the worker and waits at most `timeout` for it; `what` names the call in errors.
  template <typename T>
  Result<T> run(std::function<Result<T>()> fn, std::chrono::milliseconds timeout,
                const std::string& what);

  // Queued to run after everything else when the worker is destroyed.
  void set_final_job(std::function<void()> job);

  // True while a call that already timed out is still running.
  bool busy() const;

 private:
  struct Shared {
    mutable std::mutex mutex;
    std::condition_variable wake;  // worker: a job or stop arrived
    std::condition_variable done;  // callers: a job finished
    std::deque<std::function<void()>> jobs;
    std::function<void()> final_job;
    bool running = false;
    bool stop = false;
  };
  enum class Outcome { finished, busy, timed_out };
  static void loop(std::shared_ptr<Shared> shared);
  Outcome submit(std::function<void()> job, std::chrono::milliseconds timeout);

  std::shared_ptr<Shared> shared_;
  std::thread thread_;
};

template <typename T>
Result<T> BlockingWorker::run(std::function<Result<T>()> fn, std::chrono::milliseconds timeout,
                              const std::string& what) {
  auto slot = std::make_shared<std::optional<Result<T>>>();
  auto job = [fn = std::move(fn), slot]() mutable { slot->emplace(fn()); };
  switch (submit(std::move(job), timeout)) {
    case Outcome::finished:
      return std::move(**slot);
    case Outcome::busy:
      return fail(Errc::busy, what + ": the reader is still busy with an earlier call that timed out");
    case Outcome::timed_out:
      break;
  }
  return fail(Errc::timeout, what + " did not return in time; the reader stays busy until it does");
}

}  // namespace onshi::pcsc
