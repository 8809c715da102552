#include "problems.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace onshi::config::detail {

void Problems::add(std::string key_path, Position where, std::string reason) {
  list_.push_back(Problem{std::move(key_path), where, std::move(reason)});
}

Error Problems::first(std::string_view source_name) const {
  if (list_.empty()) return Error{Errc::internal, "no configuration problem to report"};
  // min_element keeps the first of equals, so ties go to the order the checks ran in.
  const auto earlier = [](const Problem& a, const Problem& b) {
    const bool a_placed = a.where.line != 0;
    const bool b_placed = b.where.line != 0;
    if (a_placed != b_placed) return a_placed;
    if (a.where.line != b.where.line) return a.where.line < b.where.line;
    return a.where.column < b.where.column;
  };
  const Problem& p = *std::min_element(list_.begin(), list_.end(), earlier);
  if (p.where.line == 0) {
    return Error{Errc::config_invalid,
                 fmt::format("{}: {}: {}", source_name, p.key_path, p.reason)};
  }
  return Error{Errc::config_invalid, fmt::format("{}: {} (line {}): {}", source_name, p.key_path,
                                                 p.where.line, p.reason)};
}

}  // namespace onshi::config::detail
