#include "lock_file.hpp"

#include <fmt/format.h>

#include <charconv>

namespace onshi::ledger::detail {

std::string lock_text(const TerminalId& self, const std::string& nonce, long pid,
                      std::chrono::sys_seconds now) {
  return fmt::format("onshi-ledger-lock 1\nnonce={}\nhost={}\nmachine_id={}\npid={}\ncreated={}\n",
                     nonce, self.host, self.machine_id, pid, now.time_since_epoch().count());
}

LockInfo parse_lock(std::string_view text) {
  LockInfo info;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = line.substr(0, eq);
    const std::string_view value = line.substr(eq + 1).substr(0, kMaxLockField);
    if (key == "nonce") info.nonce = value;
    if (key == "host") info.host = value;
    if (key == "pid") info.pid = value;
    if (key == "created") {
      // A time outside 1970-9999, or not a whole number, is no time: the lock then ages by its
      // file time, and computing its age cannot overflow.
      constexpr long long kYear9999 = 253402300799;
      long long t = -1;
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), t);
      if (ec == std::errc{} && ptr == value.data() + value.size() && t >= 0 && t <= kYear9999) {
        info.created = std::chrono::sys_seconds(std::chrono::seconds(t));
      }
    }
  }
  return info;
}

}  // namespace onshi::ledger::detail
