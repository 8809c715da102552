// SCARDCONTEXT as an RAII object, and a context that re-establishes itself after pcscd went
// away or restarted (cards-and-readers.md §4.3: a restart breaks every existing context).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "onshi/pcsc/api.hpp"
#include "onshi/result.hpp"

namespace onshi::pcsc {

class Context {
 public:
  // "No service" is an error here (Errc::pcsc_no_service), for the caller to report as a state.
  static Result<Context> establish(PcscApi& api = system_api());

  Context(Context&& other) noexcept;
  Context& operator=(Context&& other) noexcept;
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  ~Context();

  PcscApi& api() const noexcept { return *api_; }
  SCARDCONTEXT handle() const noexcept { return handle_; }

  // Reader names; an empty list when no reader is connected (not an error).
  Result<std::vector<std::string>> list_readers() const;
  // Wakes a SCardGetStatusChange blocked on this context; callable from any thread.
  Status cancel() const;

 private:
  Context(PcscApi& api, SCARDCONTEXT handle) : api_(&api), handle_(handle) {}
  void release() noexcept;

  PcscApi* api_;
  SCARDCONTEXT handle_;
  bool owned_ = true;
};

// Splits a PC/SC multi-string ("a\0b\0\0"), tolerating a missing final terminator.
std::vector<std::string> split_multi_string(const char* data, std::size_t length);

// A context for short calls from any thread, re-established on demand: after a call fails with
// a lost-context code it is dropped, and the next call establishes a new one.
class SharedContext {
 public:
  explicit SharedContext(PcscApi& api = system_api()) : api_(api) {}

  PcscApi& api() const noexcept { return api_; }

  // Runs `fn` with a live context. If pcscd was restarted in between (the call fails with
  // pcsc_no_service on a context that used to work), it retries once with a fresh context.
  template <typename T, typename Fn>
  Result<T> with_context(Fn&& fn);

  Result<std::vector<std::string>> list_readers() {
    return with_context<std::vector<std::string>>(
        [](Context& c) { return c.list_readers(); });
  }

  // The live context, established if needed. Cards keep it alive while they are connected.
  Result<std::shared_ptr<Context>> context();

  // Drops the context (e.g. after a card call reported pcsc_no_service).
  void invalidate();

 private:

  PcscApi& api_;
  std::mutex mutex_;
  std::shared_ptr<Context> context_;
};

template <typename T, typename Fn>
Result<T> SharedContext::with_context(Fn&& fn) {
  for (int attempt = 0;; ++attempt) {
    auto ctx = context();
    if (!ctx) return std::move(ctx).error();
    Result<T> r = fn(**ctx);
    if (r || r.error().code != Errc::pcsc_no_service || attempt == 1) return r;
    invalidate();
  }
}

}  // namespace onshi::pcsc
