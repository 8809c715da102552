// One line per event on stderr, prefixed with the program's name: the test servers' only log, which
// tests read back through TestProcess::output().
#pragma once

#include <fmt/format.h>

#include <exception>
#include <string_view>
#include <utility>

namespace onshi::sim::tlsserver {

void set_log_program(std::string_view name);
void log_line(std::string_view line);

// For co_spawn's completion: "<what> ended by an exception: <what()>", nothing when there is none.
void log_exception(std::string_view what, const std::exception_ptr& error);

template <typename... Args>
void logf(fmt::format_string<Args...> f, Args&&... args) {
  log_line(fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace onshi::sim::tlsserver
