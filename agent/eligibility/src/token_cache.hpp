// The access token of one institution, shared by every thread that queries for it: reused until
// it is about to run out, renewed by one login at a time (the other threads wait for that login
// and take its outcome, token or error, instead of each logging in), dropped when the service
// refuses it or the client certificate changes.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "auth_envelope.hpp"
#include "onshi/result.hpp"

namespace onshi::eligibility::detail {

class TokenCache {
 public:
  using Clock = std::chrono::system_clock;
  using Login = std::function<Result<Token>()>;

  // `now` is the clock (a test moves it); renew_before as ClientSettings::renew_before (a
  // negative one counts as 0).
  explicit TokenCache(std::chrono::seconds renew_before,
                      std::function<Clock::time_point()> now = Clock::now);

  // A token that is not `refused` and has more than the renewal margin left, else the outcome of
  // a login: this thread's `login` (run without the lock held), or the one already running on
  // another thread. The margin is renew_before, but at most half the token's lifetime (a service
  // that hands out 60-second tokens must not make every query log in again). The lifetime counts
  // from the moment the login started, since the service's clock started before the answer came.
  // `refused` is a token the service just answered 401 to: it is dropped, and only a token other
  // than it is returned from the cache. An exception from `login` lands as Errc::internal for the
  // threads waiting on it and is rethrown to the caller of `login`.
  Result<std::string> get(const Login& login, std::string_view refused = {});

  // Forget the token and the login running now: that login's token is not stored (it was made
  // with the old client certificate) and calls after this one do not wait for it; the threads
  // already waiting for it still get its outcome (requests already running finish on the old
  // certificate).
  void clear();

  // A token is kept and has not run out by the clock (the renewal margin aside).
  bool has_token() const;
  std::optional<Clock::time_point> expires() const;  // of that token
  std::uint64_t logins() const;  // logins started, for the tests and the record of calls

 private:
  struct Flight {
    bool done = false;
    std::optional<Result<std::string>> outcome;
  };
  bool usable() const;  // with mutex_ held
  void land(const std::shared_ptr<Flight>& flight, Result<std::string> outcome);  // mutex_ held

  const std::chrono::seconds renew_before_;
  const std::function<Clock::time_point()> now_;
  mutable std::mutex mutex_;
  std::condition_variable landed_;
  std::string token_;
  Clock::time_point expires_{};
  std::chrono::seconds margin_{};
  std::shared_ptr<Flight> flight_;  // the login running now that new calls wait for, if any
  std::uint64_t generation_ = 0;    // clear() counts up
  std::uint64_t logins_ = 0;
};

}  // namespace onshi::eligibility::detail
