#include "token_cache.hpp"

#include <algorithm>

namespace onshi::eligibility::detail {

TokenCache::TokenCache(std::chrono::seconds renew_before, std::function<Clock::time_point()> now)
    : renew_before_(std::max(renew_before, std::chrono::seconds(0))), now_(std::move(now)) {}

bool TokenCache::usable() const { return !token_.empty() && now_() + margin_ < expires_; }

void TokenCache::land(const std::shared_ptr<Flight>& flight, Result<std::string> outcome) {
  flight->outcome.emplace(std::move(outcome));
  flight->done = true;
  if (flight_ == flight) flight_.reset();  // clear() may have let another login start since
  landed_.notify_all();
}

Result<std::string> TokenCache::get(const Login& login, std::string_view refused) {
  std::unique_lock lock(mutex_);
  if (!token_.empty() && token_ == refused) token_.clear();  // the service said so
  if (usable()) return token_;
  if (flight_) {
    // Another thread is logging in: its outcome is this thread's too.
    const auto flight = flight_;
    landed_.wait(lock, [&] { return flight->done; });
    return *flight->outcome;
  }
  const auto flight = std::make_shared<Flight>();
  flight_ = flight;
  const std::uint64_t generation = generation_;
  ++logins_;
  const Clock::time_point started = now_();
  lock.unlock();

  std::optional<Result<Token>> fresh;
  try {
    fresh.emplace(login());
  } catch (...) {
    lock.lock();
    land(flight, Error(Errc::internal, "the login to the eligibility system failed unexpectedly"));
    throw;
  }

  lock.lock();
  if (!*fresh) {
    land(flight, std::move(*fresh).error());
    return *flight->outcome;
  }
  Token& token = **fresh;
  if (generation == generation_) {
    token_ = token.access_token;
    expires_ = started + token.expires_in;
    margin_ = std::min(renew_before_, token.expires_in / 2);
  }
  land(flight, std::move(token.access_token));
  return *flight->outcome;
}

void TokenCache::clear() {
  std::lock_guard lock(mutex_);
  token_.clear();
  flight_.reset();
  ++generation_;
}

bool TokenCache::has_token() const {
  std::lock_guard lock(mutex_);
  return !token_.empty() && now_() < expires_;
}

std::optional<TokenCache::Clock::time_point> TokenCache::expires() const {
  std::lock_guard lock(mutex_);
  if (token_.empty() || now_() >= expires_) return std::nullopt;
  return expires_;
}

std::uint64_t TokenCache::logins() const {
  std::lock_guard lock(mutex_);
  return logins_;
}

}  // namespace onshi::eligibility::detail
