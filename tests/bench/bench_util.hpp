// What the benchmarks share: medians, and timing a whole process (stdout and stderr to /dev/null
// unless ONSHI_BENCH_VERBOSE is set).
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

extern char** environ;

namespace onshi::bench {

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Runs argv (looked up in PATH); returns the exit status (-1 when it could not run or was killed)
// and the wall time from spawn to exit in milliseconds.
inline std::pair<int, double> run_process(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  if (std::getenv("ONSHI_BENCH_VERBOSE") == nullptr) {
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  }
  const auto t0 = std::chrono::steady_clock::now();
  pid_t pid = 0;
  int status = -1;
  if (posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ) == 0) {
    ::waitpid(pid, &status, 0);
  }
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  posix_spawn_file_actions_destroy(&actions);
  return {status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1, ms};
}

}  // namespace onshi::bench
