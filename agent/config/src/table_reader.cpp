#include "table_reader.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace onshi::config::detail {
namespace {

std::string_view type_name(toml::node_type type) {
  switch (type) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

bool is_bare_key(std::string_view key) {
  if (key.empty()) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Levenshtein distance, ignoring ASCII case (so "Terminal_Name" suggests "terminal_name").
std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const std::size_t cost = ascii_lower(a[i - 1]) == ascii_lower(b[j - 1]) ? 0 : 1;
      row[j] = std::min({above + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::optional<std::string> closest(std::string_view key, const std::vector<std::string>& known) {
  constexpr std::size_t kMaxDistance = 2;
  if (key.size() > 64) return std::nullopt;  // nothing in the schema is that long
  std::optional<std::string> best;
  std::size_t best_distance = kMaxDistance + 1;
  for (const std::string& candidate : known) {
    const std::size_t d = distance(key, candidate);
    if (d < best_distance && d < candidate.size()) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace

Position position_of(const toml::node& node) {
  const auto& begin = node.source().begin;
  return Position{begin.line, begin.column};
}

std::string key_path(std::string_view parent, std::string_view key) {
  std::string part = is_bare_key(key) ? std::string(key) : in_quotes(key);
  if (parent.empty()) return part;
  return fmt::format("{}.{}", parent, part);
}

std::string index_path(std::string_view parent, std::size_t index) {
  return fmt::format("{}[{}]", parent, index);
}

TableReader::TableReader(const toml::table& table, std::string path, Position where,
                         Problems& problems)
    : table_(table), path_(std::move(path)), where_(where), problems_(problems) {}

const toml::node* TableReader::find(std::string_view key, Need need) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.emplace_back(key);
  const toml::node* node = table_.get(key);
  if (node == nullptr && need == Need::required) {
    problems_.add(path_of(key), where_, "required key is missing");
  }
  return node;
}

Position TableReader::where_is(std::string_view key) const {
  const toml::node* node = table_.get(key);
  return node != nullptr ? position_of(*node) : where_;
}

bool TableReader::contains(std::string_view key) { return find(key, Need::optional) != nullptr; }

void TableReader::wrong_type(std::string_view key, const toml::node& node,
                             std::string_view expected) {
  problems_.add(path_of(key), position_of(node),
                fmt::format("expected {}, got {}", expected, type_name(node.type())));
}

std::optional<Located<std::string>> TableReader::string(std::string_view key, Check check,
                                                        Need need) {
  const toml::node* node = find(key, need);
  if (node == nullptr) return std::nullopt;
  const auto* value = node->as_string();
  if (value == nullptr) {
    wrong_type(key, *node, "a string");
    return std::nullopt;
  }
  if (auto reason = check(value->get())) {
    problems_.add(path_of(key), position_of(*node), std::move(*reason));
    return std::nullopt;
  }
  return Located<std::string>{value->get(), path_of(key), position_of(*node)};
}

std::optional<Located<bool>> TableReader::boolean(std::string_view key) {
  const toml::node* node = find(key, Need::optional);
  if (node == nullptr) return std::nullopt;
  const auto* value = node->as_boolean();
  if (value == nullptr) {
    wrong_type(key, *node, "a boolean (true or false)");
    return std::nullopt;
  }
  return Located<bool>{value->get(), path_of(key), position_of(*node)};
}

std::optional<Located<std::int64_t>> TableReader::integer(std::string_view key, std::int64_t min,
                                                          std::int64_t max) {
  const toml::node* node = find(key, Need::optional);
  if (node == nullptr) return std::nullopt;
  const auto* value = node->as_integer();
  if (value == nullptr) {
    wrong_type(key, *node, "an integer");
    return std::nullopt;
  }
  const std::int64_t v = value->get();
  if (v < min || v > max) {
    problems_.add(path_of(key), position_of(*node),
                  fmt::format("must be between {} and {}, got {}", min, max, v));
    return std::nullopt;
  }
  return Located<std::int64_t>{v, path_of(key), position_of(*node)};
}

std::optional<std::vector<Located<std::string>>> TableReader::strings(std::string_view key,
                                                                      Check check) {
  const toml::node* node = find(key, Need::optional);
  if (node == nullptr) return std::nullopt;
  const auto* array = node->as_array();
  if (array == nullptr) {
    wrong_type(key, *node, "an array of strings");
    return std::nullopt;
  }
  std::vector<Located<std::string>> out;
  bool all_good = true;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = (*array)[i];
    const std::string path = index_path(path_of(key), i);
    const auto* value = element.as_string();
    if (value == nullptr) {
      problems_.add(path, position_of(element),
                    fmt::format("expected a string, got {}", type_name(element.type())));
      all_good = false;
    } else if (auto reason = check(value->get())) {
      problems_.add(path, position_of(element), std::move(*reason));
      all_good = false;
    } else {
      out.push_back(Located<std::string>{value->get(), path, position_of(element)});
    }
  }
  if (!all_good) return std::nullopt;
  return out;
}

const toml::table* TableReader::table(std::string_view key) {
  const toml::node* node = find(key, Need::optional);
  if (node == nullptr) return nullptr;
  const auto* table = node->as_table();
  if (table == nullptr) wrong_type(key, *node, fmt::format("a table ([{}])", path_of(key)));
  return table;
}

const toml::array* TableReader::tables(std::string_view key, Need need) {
  const toml::node* node = find(key, need);
  if (node == nullptr) return nullptr;
  const auto* array = node->as_array();
  if (array == nullptr) {
    wrong_type(key, *node, fmt::format("an array of tables ([[{}]])", path_of(key)));
    return nullptr;
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = (*array)[i];
    if (!element.is_table()) {
      problems_.add(index_path(path_of(key), i), position_of(element),
                    fmt::format("expected a table, got {}", type_name(element.type())));
    }
  }
  return array;
}

std::vector<Located<const toml::table*>> TableReader::table_or_tables(std::string_view key) {
  std::vector<Located<const toml::table*>> out;
  const toml::node* node = find(key, Need::optional);
  if (node == nullptr) return out;
  if (const auto* table = node->as_table()) {
    out.push_back(Located<const toml::table*>{table, path_of(key), position_of(*table)});
    return out;
  }
  const auto* array = node->as_array();
  if (array == nullptr) {
    wrong_type(key, *node,
               fmt::format("a table ([{0}]) or an array of tables ([[{0}]])", path_of(key)));
    return out;
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = (*array)[i];
    const std::string path = index_path(path_of(key), i);
    if (const auto* table = element.as_table()) {
      out.push_back(Located<const toml::table*>{table, path, position_of(*table)});
    } else {
      problems_.add(path, position_of(element),
                    fmt::format("expected a table, got {}", type_name(element.type())));
    }
  }
  return out;
}

void TableReader::reject_unknown_keys() {
  for (const auto& [key, node] : table_) {
    const std::string_view name = key.str();
    if (std::find(known_.begin(), known_.end(), name) != known_.end()) continue;
    // Keys carry their own position; fall back to the value's if a key has none.
    Position where{key.source().begin.line, key.source().begin.column};
    if (where.line == 0) where = position_of(node);
    std::string reason = "unknown key";
    if (auto suggestion = closest(name, known_)) {
      reason += fmt::format(" (did you mean {}?)", path_of(*suggestion));
    }
    problems_.add(path_of(name), where, std::move(reason));
  }
}

}  // namespace onshi::config::detail
