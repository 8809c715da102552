// The fixture's TestProcess, with /bin/sh standing in for a server.

#include "onshi/sim/test_process.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "tlsserver_test_support.hpp"

namespace onshi::sim::tlsserver_test {
namespace {

using namespace std::chrono_literals;

TestProcessOptions with_port_file(const fs::path& file, std::chrono::milliseconds timeout = 5s) {
  TestProcessOptions options;
  options.port_file = file;
  options.ready_timeout = timeout;
  return options;
}

TEST(TestProcess, ReadsThePortFileAndStopsWithSigterm) {
  const auto file = scratch_path("port");
  const auto script = fmt::format(
      "printf '1234\\n5678\\n' > '{0}.tmp' && mv '{0}.tmp' '{0}' && exec sleep 30", file.string());
  START_OR_FAIL(process, TestProcess::start("sh", {"-c", script}, with_port_file(file)));
  EXPECT_EQ(process.port(), 1234);
  EXPECT_EQ(process.ports(), (std::vector<std::uint16_t>{1234, 5678}));
  EXPECT_TRUE(process.running());
  EXPECT_EQ(process.stop(), 128 + SIGTERM);
  EXPECT_FALSE(process.running());
  EXPECT_EQ(process.stop(), 128 + SIGTERM);
}

TEST(TestProcess, ExitBeforeThePortFileIsAClearError) {
  const auto started = TestProcess::start("sh", {"-c", "echo 'cannot listen' >&2; exit 3"},
                                          with_port_file(scratch_path("port")));
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message.find("sh exited with status 3"), std::string::npos)
      << started.error().message;
  EXPECT_NE(started.error().message.find("cannot listen"), std::string::npos)
      << started.error().message;
}

TEST(TestProcess, AMissingProgramIsAClearError) {
  const auto started = TestProcess::start("/nonexistent/onshi-server", {});
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message.find("cannot run onshi-server: No such file"),
            std::string::npos)
      << started.error().message;
}

TEST(TestProcess, NoPortFileBeforeTheDeadlineIsATimeout) {
  const auto started =
      TestProcess::start("sleep", {"30"}, with_port_file(scratch_path("port"), 200ms));
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, Errc::timeout) << started.error().to_string();
}

TEST(TestProcess, SigkillFollowsWhenSigtermIsIgnored) {
  TestProcessOptions options;
  options.stop_grace = 200ms;
  START_OR_FAIL(process,
                TestProcess::start(
                    "sh", {"-c", "trap '' TERM; echo ready; while :; do sleep 1; done"}, options));
  std::this_thread::sleep_for(100ms);  // the trap is set
  EXPECT_EQ(process.stop(), 128 + SIGKILL);
  EXPECT_NE(process.output().find("ready"), std::string::npos);
}

TEST(TestProcess, MovesOwnership) {
  START_OR_FAIL(process, TestProcess::start("sleep", {"30"}));
  const pid_t pid = process.pid();
  TestProcess moved = std::move(process);
  EXPECT_EQ(moved.pid(), pid);
  EXPECT_TRUE(moved.running());
  EXPECT_EQ(process.stop(), -1);  // NOLINT(bugprone-use-after-move): the moved-from is empty
  EXPECT_EQ(moved.stop(), 128 + SIGTERM);
}

}  // namespace
}  // namespace onshi::sim::tlsserver_test
