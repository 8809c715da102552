// Minimal leveled logging to stderr (journald picks it up under systemd). Callers never pass
// secrets: PINs and My Numbers are not loggable values anywhere in onshi.
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace onshi::log {

enum class Level { debug = 0, info = 1, warning = 2, error = 3, off = 4 };

void set_level(Level level) noexcept;
Level level() noexcept;
void write(Level level, std::string_view component, std::string_view message);

template <typename... Args>
void emit(Level lvl, std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (lvl < level()) return;
  write(lvl, component, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void debug(std::string_view c, fmt::format_string<Args...> f, Args&&... a) {
  emit(Level::debug, c, f, std::forward<Args>(a)...);
}
template <typename... Args>
void info(std::string_view c, fmt::format_string<Args...> f, Args&&... a) {
  emit(Level::info, c, f, std::forward<Args>(a)...);
}
template <typename... Args>
void warning(std::string_view c, fmt::format_string<Args...> f, Args&&... a) {
  emit(Level::warning, c, f, std::forward<Args>(a)...);
}
template <typename... Args>
void error(std::string_view c, fmt::format_string<Args...> f, Args&&... a) {
  emit(Level::error, c, f, std::forward<Args>(a)...);
}

}  // namespace onshi::log
