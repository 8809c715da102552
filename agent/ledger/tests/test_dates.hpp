// Dates and times for the ledger's tests, written as a person in Japan reads them.
#pragma once

#include <chrono>

namespace onshi::ledger::test {

inline std::chrono::sys_days d(int y, unsigned m, unsigned dd) {
  return std::chrono::sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{dd}};
}

// A Japanese wall-clock time (JST = UTC+9, no DST) as the instant it is.
inline std::chrono::sys_seconds jst(int y, unsigned m, unsigned dd, int h = 12, int mi = 0,
                                    int s = 0) {
  using namespace std::chrono;
  return sys_seconds{d(y, m, dd)} + hours{h} + minutes{mi} + seconds{s} - hours{9};
}

}  // namespace onshi::ledger::test
