// sd_notify(3) for Type=notify: READY=1 once the socket listens, STATUS= lines, WATCHDOG=1 from
// the io_context (so a stuck loop is restarted by systemd), RELOADING=1 around SIGHUP,
// STOPPING=1. Without NOTIFY_SOCKET (not under systemd) every call is a no-op.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace onshi::agent {

void notify_ready(std::string_view status);
void notify_status(std::string_view status);
void notify_reloading();
void notify_stopping();
void notify_watchdog();
// Half of WatchdogSec, when the service manager asked for a watchdog for this process.
std::optional<std::chrono::microseconds> watchdog_interval();

}  // namespace onshi::agent
