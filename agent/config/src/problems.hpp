// Collects validation problems while the whole document is walked, then reports the one that comes
// first in the file, so the answer does not depend on the order the checks happen to run in.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "onshi/error.hpp"

namespace onshi::config::detail {

// Where something is in the source text; line 0 means "nowhere in particular" (a missing key).
struct Position {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

class Problems {
 public:
  void add(std::string key_path, Position where, std::string reason);
  bool empty() const noexcept { return list_.empty(); }
  std::size_t size() const noexcept { return list_.size(); }

  // The earliest problem by position (positionless ones last, ties in the order added) as an
  // Errc::config_invalid error: "<source>: <key path> (line L): <reason>".
  Error first(std::string_view source_name) const;

 private:
  struct Problem {
    std::string key_path;
    Position where;
    std::string reason;
  };
  std::vector<Problem> list_;
};

}  // namespace onshi::config::detail
