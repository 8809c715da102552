#include "onshi/pcsc/blocking_worker.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace onshi::pcsc {
namespace {

using namespace std::chrono_literals;

TEST(BlockingWorker, ReturnsTheCallsResult) {
  BlockingWorker w;
  auto r = w.run<int>([] { return Result<int>(42); }, 1s, "call");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 42);
  auto e = w.run<int>([]() -> Result<int> { return fail(Errc::io, "boom"); }, 1s, "call");
  EXPECT_EQ(e.error().code, Errc::io);
}

// Regression: a stuck SCardTransmit must not hang its caller, and must not be replayed.
TEST(BlockingWorker, TimesOutThenReportsBusyUntilTheCallReturns) {
  BlockingWorker w;
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<int> calls{0};
  auto stuck = [&]() -> Result<int> {
    ++calls;
    released.wait();
    return 1;
  };
  auto r = w.run<int>(stuck, 50ms, "SCardTransmit");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::timeout);
  EXPECT_NE(r.error().message.find("stays busy"), std::string::npos);
  EXPECT_TRUE(w.busy());

  auto second = w.run<int>([] { return Result<int>(2); }, 50ms, "SCardTransmit");
  EXPECT_EQ(second.error().code, Errc::busy);

  release.set_value();
  for (int i = 0; i < 200 && w.busy(); ++i) std::this_thread::sleep_for(5ms);
  EXPECT_FALSE(w.busy());
  auto third = w.run<int>([] { return Result<int>(3); }, 1s, "SCardTransmit");
  ASSERT_TRUE(third);
  EXPECT_EQ(*third, 3);
  EXPECT_EQ(calls.load(), 1);  // never replayed
}

TEST(BlockingWorker, DestructionDoesNotWaitForAStuckCallButRunsTheFinalJobAfterIt) {
  std::promise<void> release;
  auto released = release.get_future().share();
  auto final_ran = std::make_shared<std::promise<void>>();
  auto final_future = final_ran->get_future();
  {
    BlockingWorker w;
    (void)w.run<int>([&]() -> Result<int> { released.wait(); return 0; }, 10ms, "x");
    w.set_final_job([final_ran] { final_ran->set_value(); });
  }  // returns at once although the call is stuck
  EXPECT_EQ(final_future.wait_for(50ms), std::future_status::timeout);
  release.set_value();
  EXPECT_EQ(final_future.wait_for(2s), std::future_status::ready);
}

}  // namespace
}  // namespace onshi::pcsc
