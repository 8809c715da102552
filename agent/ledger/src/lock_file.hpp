// A record's lock file (ledger_directory.cpp): who holds it and since when, in a few "key=value"
// lines a person can read on the share. Another machine may have written anything there, so the
// parser keeps only what it understands, within limits.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "onshi/ledger/record.hpp"

namespace onshi::ledger::detail {

struct LockInfo {
  std::string nonce;  // tells this holder's lock from the next one's
  std::string host;   // for messages: at most kMaxLockField bytes
  std::string pid;
  std::optional<std::chrono::sys_seconds> created;  // the holder's clock; 1970..9999 only
};

inline constexpr std::size_t kMaxLockField = 64;

std::string lock_text(const TerminalId& self, const std::string& nonce, long pid,
                      std::chrono::sys_seconds now);
LockInfo parse_lock(std::string_view text);

}  // namespace onshi::ledger::detail
