#include "log_line.hpp"

#include <cstdio>
#include <string>

namespace onshi::sim::tlsserver {
namespace {

std::string& program() {
  static std::string name = "onshi-test-server";
  return name;
}

}  // namespace

void set_log_program(std::string_view name) { program() = std::string(name); }

void log_line(std::string_view line) {
  // One fwrite per line, so lines of concurrent processes sharing a log file stay whole.
  const std::string text = fmt::format("{}: {}\n", program(), line);
  std::fwrite(text.data(), 1, text.size(), stderr);
}

void log_exception(std::string_view what, const std::exception_ptr& error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    logf("{} ended by an exception: {}", what, e.what());
  } catch (...) {
    logf("{} ended by an unknown exception", what);
  }
}

}  // namespace onshi::sim::tlsserver
