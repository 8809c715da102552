#include "onshi/pcsc/blocking_worker.hpp"

namespace onshi::pcsc {

BlockingWorker::BlockingWorker() : shared_(std::make_shared<Shared>()) {
  thread_ = std::thread(&BlockingWorker::loop, shared_);
}

BlockingWorker::~BlockingWorker() {
  bool in_flight = false;
  {
    const std::lock_guard lock(shared_->mutex);
    shared_->stop = true;
    in_flight = shared_->running;
  }
  shared_->wake.notify_all();
  // A stuck call must not block our owner: the thread owns `shared_` and exits after it.
  if (in_flight) {
    thread_.detach();
  } else {
    thread_.join();
  }
}

void BlockingWorker::loop(std::shared_ptr<Shared> shared) {
  std::unique_lock lock(shared->mutex);
  for (;;) {
    shared->wake.wait(lock, [&] { return shared->stop || !shared->jobs.empty(); });
    if (shared->jobs.empty()) break;  // stop requested and nothing left
    auto job = std::move(shared->jobs.front());
    shared->jobs.pop_front();
    shared->running = true;
    lock.unlock();
    job();
    lock.lock();
    shared->running = false;
    shared->done.notify_all();
  }
  auto final_job = std::move(shared->final_job);
  lock.unlock();
  if (final_job) final_job();
}

BlockingWorker::Outcome BlockingWorker::submit(std::function<void()> job,
                                               std::chrono::milliseconds timeout) {
  std::unique_lock lock(shared_->mutex);
  if (shared_->running || !shared_->jobs.empty()) return Outcome::busy;  // a timed-out call
  auto finished = std::make_shared<bool>(false);
  shared_->jobs.push_back([job = std::move(job), finished, shared = shared_.get()]() mutable {
    job();
    const std::lock_guard inner(shared->mutex);
    *finished = true;
  });
  shared_->wake.notify_one();
  return shared_->done.wait_for(lock, timeout, [&] { return *finished; }) ? Outcome::finished
                                                                          : Outcome::timed_out;
}

bool BlockingWorker::busy() const {
  const std::lock_guard lock(shared_->mutex);
  return shared_->running || !shared_->jobs.empty();
}

void BlockingWorker::set_final_job(std::function<void()> job) {
  const std::lock_guard lock(shared_->mutex);
  shared_->final_job = std::move(job);
}

}  // namespace onshi::pcsc
