// A record's lock file lives on a share other machines write: whatever it holds, parse_lock keeps
// its fields within their limits and a time it can compute an age from; what lock_text writes
// reads back the same.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "lock_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace onshi::ledger::detail;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const LockInfo info = parse_lock(text);
  if (info.nonce.size() > kMaxLockField || info.host.size() > kMaxLockField ||
      info.pid.size() > kMaxLockField) {
    std::abort();
  }
  if (info.created && info.created->time_since_epoch().count() < 0) std::abort();
  // The parsed host and nonce, written by lock_text (minus newlines), read back unchanged.
  std::string host = info.host, nonce = info.nonce;
  for (std::string* s : {&host, &nonce}) {
    for (char& c : *s) {
      if (c == '\n') c = ' ';
    }
  }
  const auto now = std::chrono::sys_seconds(std::chrono::seconds(1800000000));
  const LockInfo again = parse_lock(lock_text({"machine", host}, nonce, 4242, now));
  if (again.host != host || again.nonce != nonce || again.pid != "4242" || again.created != now) {
    std::abort();
  }
  return 0;
}
