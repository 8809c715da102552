#include "onshi/log.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace onshi::log {
namespace {

Level initial_level() {
  const char* env = std::getenv("ONSHI_LOG_LEVEL");
  if (env == nullptr) return Level::warning;
  const std::string_view v(env);
  if (v == "debug") return Level::debug;
  if (v == "info") return Level::info;
  if (v == "error") return Level::error;
  if (v == "off") return Level::off;
  return Level::warning;
}

std::atomic<Level>& current() {
  static std::atomic<Level> level{initial_level()};
  return level;
}

// sd-daemon(3) priority prefixes, so journald keeps the level of each line.
constexpr const char* kPrefix[] = {"<7>", "<6>", "<4>", "<3>"};

}  // namespace

void set_level(Level level) noexcept { current().store(level); }
Level level() noexcept { return current().load(); }

void write(Level lvl, std::string_view component, std::string_view message) {
  if (lvl >= Level::off) return;
  static std::mutex mutex;
  const std::lock_guard lock(mutex);
  std::fprintf(stderr, "%s%.*s: %.*s\n", kPrefix[static_cast<int>(lvl)],
               static_cast<int>(component.size()), component.data(),
               static_cast<int>(message.size()), message.data());
}

}  // namespace onshi::log
