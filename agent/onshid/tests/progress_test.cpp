// The progress board alone: what a long-poll or an SSE feed gets, and when it returns.
#include "progress.hpp"

#include <gtest/gtest.h>

#include <future>
#include <thread>

namespace onshi::agent {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(ProgressBoard, OneVerificationFinishesWithItsFinalEvent) {
  ProgressBoard board;
  board.publish("vf_a", "started");
  const auto seq = board.publish("vf_a", "done");
  const auto b = board.after(seq, "vf_a", 2s);
  EXPECT_TRUE(b.finished);
  EXPECT_TRUE(b.events.empty());
}

// Regression: the feed of every verification answered at once (and its SSE stream spun) once any
// verification had ended, because "finished" was taken from that verification's final event.
TEST(ProgressBoard, TheFeedOfAllWaitsForTheNextEventAfterAVerificationEnded) {
  ProgressBoard board;
  board.publish("vf_a", "started");
  const auto seq = board.publish("vf_a", "failed");
  const auto start = Clock::now();
  const auto idle = board.after(seq, "", 300ms);
  EXPECT_GE(Clock::now() - start, 250ms);
  EXPECT_FALSE(idle.finished);
  EXPECT_TRUE(idle.events.empty());

  auto next = std::async(std::launch::async, [&] { return board.after(seq, "", 10s); });
  std::this_thread::sleep_for(50ms);
  board.publish("vf_b", "started");
  const auto b = next.get();
  ASSERT_EQ(b.events.size(), 1u);
  EXPECT_EQ(b.events.front().verification, "vf_b");
  EXPECT_FALSE(b.finished);
}

TEST(ProgressBoard, StopEndsAWaitAtOnce) {
  ProgressBoard board;
  auto waiting = std::async(std::launch::async, [&] { return board.after(0, "", 30s); });
  std::this_thread::sleep_for(50ms);
  board.stop();
  EXPECT_TRUE(waiting.get().stopped);
}

}  // namespace
}  // namespace onshi::agent
