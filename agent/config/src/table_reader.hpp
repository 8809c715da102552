// Typed, path-aware access to one TOML table: every accessor names a key of the schema, reports
// wrong types and failed checks with the key's path and line, and whatever no accessor asked for
// is reported as an unknown key at the end.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "problems.hpp"
#include "rules.hpp"
#include "toml.hpp"

namespace onshi::config::detail {

using Check = Reason (*)(std::string_view);

enum class Need { optional, required };

// A value with where it came from, for checks that involve more than one value.
template <typename T>
struct Located {
  T value;
  std::string path;
  Position where;
};

Position position_of(const toml::node& node);
// "api.socket", "institutions[1]", api."odd key".
std::string key_path(std::string_view parent, std::string_view key);
std::string index_path(std::string_view parent, std::size_t index);

class TableReader {
 public:
  // `where` is the table's own position, used for its missing keys (none for the root table).
  TableReader(const toml::table& table, std::string path, Position where, Problems& problems);

  // A missing key gives nullopt (and a problem if required); so do a wrong type and a failed check,
  // each with its problem recorded.
  std::optional<Located<std::string>> string(std::string_view key, Check check,
                                             Need need = Need::optional);
  std::optional<Located<bool>> boolean(std::string_view key);
  std::optional<Located<std::int64_t>> integer(std::string_view key, std::int64_t min,
                                               std::int64_t max);
  // An array of strings; nullopt when missing or when any element is wrong (each one reported).
  std::optional<std::vector<Located<std::string>>> strings(std::string_view key, Check check);
  // A sub-table; nullptr when missing or not a table.
  const toml::table* table(std::string_view key);
  // An array of tables ([[key]]); nullptr when missing or not an array. Elements that are not
  // tables are reported here and come back as nullptr from as_table().
  const toml::array* tables(std::string_view key, Need need);
  // A section that may be given once ([key]) or several times ([[key]], or an inline array of
  // tables): each table with its path ("key" for the single table, "key[i]" for an array's) and
  // position, in document order. Empty when missing or of another type; elements that are not
  // tables are reported and left out (the others keep their index).
  std::vector<Located<const toml::table*>> table_or_tables(std::string_view key);

  // Whether the key is present at all, whatever its type; also declares it part of the schema.
  bool contains(std::string_view key);
  std::string path_of(std::string_view key) const { return key_path(path_, key); }
  // The key's value position if present, else the table's own.
  Position where_is(std::string_view key) const;
  Position where() const noexcept { return where_; }
  Problems& problems() noexcept { return problems_; }

  // Reports every key that no accessor asked for, suggesting a close known key.
  void reject_unknown_keys();

 private:
  const toml::node* find(std::string_view key, Need need);
  void wrong_type(std::string_view key, const toml::node& node, std::string_view expected);

  const toml::table& table_;
  std::string path_;
  Position where_;
  Problems& problems_;
  std::vector<std::string> known_;
};

}  // namespace onshi::config::detail
