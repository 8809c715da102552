// The token cache: reuse, the renewal margin, one login at a time with the others taking its
// outcome, clear() during a login, a refused token — on a clock the test moves.
#include "token_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

namespace onshi::eligibility::detail {
namespace {

using namespace std::chrono_literals;
using Clock = TokenCache::Clock;

// The injectable clock: a fixed start plus what the test adds.
class FakeClock {
 public:
  Clock::time_point now() const { return start_ + std::chrono::seconds(offset_.load()); }
  void advance(std::chrono::seconds s) { offset_ += s.count(); }
  void set(std::chrono::seconds s) { offset_ = s.count(); }
  std::function<Clock::time_point()> function() {
    return [this] { return now(); };
  }

 private:
  const Clock::time_point start_ = Clock::time_point(std::chrono::seconds(1'800'000'000));
  std::atomic<std::int64_t> offset_{0};
};

// Logins that hand out tok-1, tok-2, … with a given lifetime, counted.
class Logins {
 public:
  explicit Logins(std::chrono::seconds lifetime = 600s) : lifetime_(lifetime) {}
  TokenCache::Login login() {
    return [this]() -> Result<Token> {
      const int n = ++calls_;
      return Token{"tok-" + std::to_string(n), lifetime_};
    };
  }
  int calls() const { return calls_; }

 private:
  std::chrono::seconds lifetime_;
  std::atomic<int> calls_{0};
};

// Holds a login until the test opens it.
class Gate {
 public:
  void open() { promise_.set_value(); }
  void wait() { future_.wait(); }

 private:
  std::promise<void> promise_;
  std::shared_future<void> future_ = promise_.get_future().share();
};

// Waits until `condition` holds (a thread reached a point), at most 5 s.
template <class F>
bool eventually(F condition) {
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TEST(TokenCache, ATokenIsReusedUntilTheMarginAndThenRenewed) {
  FakeClock clock;
  Logins logins(600s);
  TokenCache cache(60s, clock.function());
  EXPECT_FALSE(cache.has_token());
  EXPECT_FALSE(cache.expires());
  EXPECT_EQ(*cache.get(logins.login()), "tok-1");
  EXPECT_EQ(*cache.get(logins.login()), "tok-1");
  EXPECT_TRUE(cache.has_token());
  EXPECT_EQ(cache.expires(), clock.now() + 600s);
  clock.set(539s);  // 61 s left: more than the margin
  EXPECT_EQ(*cache.get(logins.login()), "tok-1");
  clock.set(540s);  // 60 s left: renewed
  EXPECT_EQ(*cache.get(logins.login()), "tok-2");
  EXPECT_EQ(logins.calls(), 2);
  EXPECT_EQ(cache.logins(), 2u);
  EXPECT_EQ(cache.expires(), clock.now() + 600s);
}

TEST(TokenCache, TheMarginIsAtMostHalfTheTokensLifetime) {
  FakeClock clock;
  Logins logins(60s);  // renew_before 60 would renew a 60-second token at every call
  TokenCache cache(60s, clock.function());
  EXPECT_EQ(*cache.get(logins.login()), "tok-1");
  clock.set(29s);
  EXPECT_EQ(*cache.get(logins.login()), "tok-1");
  clock.set(30s);
  EXPECT_EQ(*cache.get(logins.login()), "tok-2");
  clock.advance(29s);
  EXPECT_EQ(*cache.get(logins.login()), "tok-2");
  EXPECT_EQ(logins.calls(), 2);
}

TEST(TokenCache, WithoutAMarginATokenIsUsedToItsLastSecond) {
  FakeClock clock;
  Logins logins(100s);
  TokenCache cache(-5s, clock.function());  // negative counts as 0
  EXPECT_EQ(*cache.get(logins.login()), "tok-1");
  clock.set(99s);
  EXPECT_EQ(*cache.get(logins.login()), "tok-1");
  clock.set(100s);
  EXPECT_FALSE(cache.has_token());  // run out by the clock
  EXPECT_FALSE(cache.expires());
  EXPECT_EQ(*cache.get(logins.login()), "tok-2");
}

TEST(TokenCache, TheLifetimeCountsFromWhenTheLoginStarted) {
  FakeClock clock;
  TokenCache cache(10s, clock.function());
  int calls = 0;
  const TokenCache::Login slow = [&]() -> Result<Token> {
    clock.advance(5s);  // the answer takes 5 s to come
    return Token{"tok-" + std::to_string(++calls), 100s};
  };
  EXPECT_EQ(*cache.get(slow), "tok-1");
  EXPECT_EQ(cache.expires(), Clock::time_point(std::chrono::seconds(1'800'000'000)) + 100s);
  clock.set(89s);
  EXPECT_EQ(*cache.get(slow), "tok-1");
  clock.set(90s);  // 10 s left of what the service counts: renewed
  EXPECT_EQ(*cache.get(slow), "tok-2");
}

TEST(TokenCache, ARefusedTokenIsDroppedAndAnotherOneIsUsed) {
  FakeClock clock;
  Logins logins;
  TokenCache cache(60s, clock.function());
  EXPECT_EQ(*cache.get(logins.login()), "tok-1");
  EXPECT_EQ(*cache.get(logins.login(), "tok-1"), "tok-2");
  // Another thread that was refused tok-1 too takes tok-2, without a login of its own.
  EXPECT_EQ(*cache.get(logins.login(), "tok-1"), "tok-2");
  EXPECT_EQ(logins.calls(), 2);
  EXPECT_EQ(*cache.get(logins.login(), "tok-2"), "tok-3");
}

TEST(TokenCache, AFailedLoginIsNotKept) {
  FakeClock clock;
  TokenCache cache(60s, clock.function());
  int calls = 0;
  const TokenCache::Login flaky = [&]() -> Result<Token> {
    if (++calls == 1) return fail(Errc::net_refused, "connection refused");
    return Token{"tok-ok", 600s};
  };
  const auto first = cache.get(flaky);
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code, Errc::net_refused);
  EXPECT_FALSE(cache.has_token());
  EXPECT_EQ(*cache.get(flaky), "tok-ok");  // the next call logs in again
  EXPECT_EQ(calls, 2);
}

// Eight threads ask while a login is under way: one login, and every thread has its token.
TEST(TokenCache, OneLoginAtATimeAndTheOthersTakeItsToken) {
  FakeClock clock;
  TokenCache cache(60s, clock.function());
  Gate gate;
  std::atomic<int> running{0}, most{0}, calls{0};
  const TokenCache::Login login = [&]() -> Result<Token> {
    const int now = ++running;
    most = std::max(most.load(), now);
    const int n = ++calls;
    gate.wait();
    --running;
    return Token{"tok-" + std::to_string(n), 600s};
  };
  std::atomic<int> arrived{0};
  std::vector<std::future<Result<std::string>>> callers;
  for (int i = 0; i < 8; ++i) {
    callers.push_back(std::async(std::launch::async, [&] {
      ++arrived;
      return cache.get(login);
    }));
  }
  ASSERT_TRUE(eventually([&] { return calls.load() >= 1 && arrived.load() == 8; }));
  std::this_thread::sleep_for(100ms);  // let the others reach the cache while it logs in
  EXPECT_EQ(calls.load(), 1);
  gate.open();
  for (auto& c : callers) {
    const auto token = c.get();
    ASSERT_TRUE(token);
    EXPECT_EQ(*token, "tok-1");
  }
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(most.load(), 1);
  EXPECT_EQ(cache.logins(), 1u);
}

TEST(TokenCache, TheThreadsWaitingForAFailedLoginTakeItsError) {
  FakeClock clock;
  TokenCache cache(60s, clock.function());
  Gate gate;
  std::atomic<int> calls{0};
  const TokenCache::Login login = [&]() -> Result<Token> {
    ++calls;
    gate.wait();
    return fail(Errc::http_status, "the eligibility system answered 503 to the login");
  };
  std::atomic<int> arrived{0};
  std::vector<std::future<Result<std::string>>> callers;
  for (int i = 0; i < 6; ++i) {
    callers.push_back(std::async(std::launch::async, [&] {
      ++arrived;
      return cache.get(login);
    }));
  }
  ASSERT_TRUE(eventually([&] { return calls.load() >= 1 && arrived.load() == 6; }));
  std::this_thread::sleep_for(100ms);
  gate.open();
  for (auto& c : callers) {
    const auto token = c.get();
    ASSERT_FALSE(token);
    EXPECT_EQ(token.error().code, Errc::http_status);
    EXPECT_EQ(token.error().message, "the eligibility system answered 503 to the login");
  }
  EXPECT_EQ(calls.load(), 1);
  EXPECT_FALSE(cache.has_token());
}

// set_identity's clear() while a login made with the old certificate is under way: that login's
// token is not stored, and a call after clear() logs in anew instead of waiting for it.
TEST(TokenCache, ClearDuringALoginDropsItsTokenAndDoesNotMakeNewCallsWaitForIt) {
  FakeClock clock;
  TokenCache cache(60s, clock.function());
  Gate old_certificate;
  std::atomic<int> calls{0};
  const TokenCache::Login login = [&]() -> Result<Token> {
    const int n = ++calls;
    if (n == 1) old_certificate.wait();
    return Token{n == 1 ? "tok-old" : "tok-new", 600s};
  };
  auto first = std::async(std::launch::async, [&] { return cache.get(login); });
  ASSERT_TRUE(eventually([&] { return calls.load() == 1; }));
  cache.clear();
  auto second = std::async(std::launch::async, [&] { return cache.get(login); });
  const bool did_not_wait = second.wait_for(5s) == std::future_status::ready;
  EXPECT_TRUE(did_not_wait) << "a call after clear() waited for the old certificate's login";
  old_certificate.open();
  const auto old_token = first.get();
  const auto new_token = second.get();
  ASSERT_TRUE(old_token);
  ASSERT_TRUE(new_token);
  EXPECT_EQ(*old_token, "tok-old");  // the request already running finishes on the old one
  EXPECT_EQ(*new_token, "tok-new");
  // The late old login did not overwrite the new token.
  EXPECT_EQ(*cache.get(login), "tok-new");
  EXPECT_EQ(calls.load(), 2);
}

TEST(TokenCache, ClearDuringALoginThatIsTheOnlyOneLeavesNothingStored) {
  FakeClock clock;
  Logins logins;
  TokenCache cache(60s, clock.function());
  Gate gate;
  std::atomic<bool> inside{false};
  const TokenCache::Login held = [&]() -> Result<Token> {
    inside = true;
    gate.wait();
    return Token{"tok-old", 600s};
  };
  auto first = std::async(std::launch::async, [&] { return cache.get(held); });
  ASSERT_TRUE(eventually([&] { return inside.load(); }));
  cache.clear();
  gate.open();
  EXPECT_EQ(*first.get(), "tok-old");
  EXPECT_FALSE(cache.has_token());
  EXPECT_EQ(*cache.get(logins.login()), "tok-1");
}

TEST(TokenCache, ClearForgetsTheToken) {
  FakeClock clock;
  Logins logins;
  TokenCache cache(60s, clock.function());
  EXPECT_EQ(*cache.get(logins.login()), "tok-1");
  cache.clear();
  EXPECT_FALSE(cache.has_token());
  EXPECT_EQ(*cache.get(logins.login()), "tok-2");
}

TEST(TokenCache, AnExceptionFromTheLoginReachesItsCallerAndFreesTheWaiters) {
  FakeClock clock;
  TokenCache cache(60s, clock.function());
  Gate gate;
  std::atomic<int> calls{0};
  const TokenCache::Login throwing = [&]() -> Result<Token> {
    ++calls;
    gate.wait();
    throw std::runtime_error("out of memory, say");
  };
  auto thrower = std::async(std::launch::async, [&] { return cache.get(throwing); });
  ASSERT_TRUE(eventually([&] { return calls.load() == 1; }));
  std::atomic<bool> arrived{false};
  auto waiter = std::async(std::launch::async, [&] {
    arrived = true;
    return cache.get(throwing);
  });
  ASSERT_TRUE(eventually([&] { return arrived.load(); }));
  std::this_thread::sleep_for(100ms);  // let it reach the cache and wait for the login
  gate.open();
  EXPECT_THROW(thrower.get(), std::runtime_error);
  const auto waited = waiter.get();
  ASSERT_FALSE(waited);
  EXPECT_EQ(waited.error().code, Errc::internal);
  EXPECT_EQ(calls.load(), 1);
  Logins logins;
  EXPECT_EQ(*cache.get(logins.login()), "tok-1");  // nothing is stuck
}

}  // namespace
}  // namespace onshi::eligibility::detail
