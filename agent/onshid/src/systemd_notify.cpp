#include "systemd_notify.hpp"

#include <fmt/format.h>
#include <systemd/sd-daemon.h>

#include <string>

namespace onshi::agent {
namespace {

void send(const std::string& text) { (void)sd_notify(0, text.c_str()); }

// STATUS= is one line: a newline would start another assignment.
std::string one_line(std::string_view s) {
  std::string out(s.substr(0, 200));
  for (auto& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

}  // namespace

void notify_ready(std::string_view status) { send("READY=1\nSTATUS=" + one_line(status)); }
void notify_status(std::string_view status) { send("STATUS=" + one_line(status)); }
void notify_reloading() { send("RELOADING=1\nSTATUS=reloading the configuration"); }
void notify_stopping() { send("STOPPING=1\nSTATUS=stopping"); }
void notify_watchdog() { send("WATCHDOG=1"); }

std::optional<std::chrono::microseconds> watchdog_interval() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(usec / 2);
}

}  // namespace onshi::agent
