// JSON field helpers shared by the persona loader's parts (persona.cpp, jpki_persona.cpp,
// kenmen_persona.cpp) and the manifest reader: every failure is Errc::config_invalid with the
// field's JSON path, e.g. `jpki.auth_pin.value: ...`.
#pragma once

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>

#include "onshi/bytes.hpp"
#include "onshi/result.hpp"

namespace onshi::sim::persona_json {

using nlohmann::json;

inline Unexpected invalid(const std::string& path, std::string_view why) {
  return fail(Errc::config_invalid, fmt::format("{}: {}", path, why));
}

inline std::string_view type_name(const json& j) { return j.type_name(); }

// Reads a manifest file of at most 1 MiB and parses its text with `parse`; the file's name
// prefixes every error. config_not_found when it cannot be opened.
template <typename Parse>
auto load_manifest_file(const std::filesystem::path& file, Parse parse)
    -> decltype(parse(std::string_view{})) {
  constexpr std::size_t kMaxManifestBytes = 1024 * 1024;
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return fail(Errc::config_not_found, fmt::format("cannot open manifest {}", file.string()));
  std::ostringstream text;
  text << in.rdbuf();
  const std::string content = text.str();
  if (content.size() > kMaxManifestBytes) {
    return fail(Errc::config_invalid,
                fmt::format("{}: larger than {} bytes", file.string(), kMaxManifestBytes));
  }
  auto manifest = parse(content);
  if (!manifest) {
    return fail(manifest.error().code,
                fmt::format("{}: {}", file.string(), manifest.error().message));
  }
  return manifest;
}

// "files[0]" + "fid" -> "files[0].fid"; top-level fields have an empty parent path.
inline std::string join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}

// Every key of `object` must be one of `allowed`: a misspelt key is a mistake, not a no-op.
inline Status check_keys(const json& object, const std::string& path,
                         std::initializer_list<std::string_view> allowed) {
  for (const auto& item : object.items()) {
    bool known = false;
    for (std::string_view a : allowed) known = known || item.key() == a;
    if (!known) return invalid(path, fmt::format("unknown field \"{}\"", item.key()));
  }
  return {};
}

inline Result<std::string> get_string(const json& object, const char* key,
                                      const std::string& path) {
  const json& v = object.at(key);
  if (!v.is_string()) {
    return invalid(join(path, key), fmt::format("expected a string, got {}", type_name(v)));
  }
  return v.get<std::string>();
}

inline bool all_digits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// `text` is one of `allowed` (compared as views: GCC 12 -O2 misreads short std::string ==).
inline bool one_of(std::string_view text, std::initializer_list<std::string_view> allowed) {
  for (std::string_view a : allowed) {
    if (text == a) return true;
  }
  return false;
}

// "YYYYMMDD" naming a real Gregorian date.
inline bool is_yyyymmdd(std::string_view text) {
  if (text.size() != 8 || !all_digits(text)) return false;
  auto number = [&](std::size_t from, std::size_t count) {
    unsigned n = 0;
    for (std::size_t i = from; i < from + count; ++i)
      n = n * 10 + static_cast<unsigned>(text[i] - '0');
    return n;
  };
  const std::chrono::year_month_day date{std::chrono::year{static_cast<int>(number(0, 4))},
                                         std::chrono::month{number(4, 2)},
                                         std::chrono::day{number(6, 2)}};
  return date.ok();
}

inline Result<bool> get_bool(const json& object, const char* key, const std::string& path) {
  const json& v = object.at(key);
  if (!v.is_boolean()) {
    return invalid(join(path, key), fmt::format("expected true or false, got {}", type_name(v)));
  }
  return v.get<bool>();
}

inline Result<std::int64_t> get_integer(const json& object, const char* key,
                                        const std::string& path, std::int64_t min,
                                        std::int64_t max) {
  const json& v = object.at(key);
  const std::string where = join(path, key);
  if (!v.is_number_integer()) {
    return invalid(where, fmt::format("expected an integer, got {}", type_name(v)));
  }
  const bool too_big =
      v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(max);
  if (too_big || v.get<std::int64_t>() < min || v.get<std::int64_t>() > max) {
    return invalid(where, fmt::format("{} is outside {}..{}", v.dump(), min, max));
  }
  return v.get<std::int64_t>();
}

inline Result<Bytes> get_hex(const json& object, const char* key, const std::string& path,
                             std::size_t min_size, std::size_t max_size) {
  ONSHI_TRY_ASSIGN(const std::string text, get_string(object, key, path));
  const std::string where = join(path, key);
  auto bytes = from_hex(text);
  if (!bytes) return invalid(where, "expected hex bytes such as \"3B 8A 80 01\"");
  if (bytes->size() < min_size || bytes->size() > max_size) {
    if (min_size == max_size) {
      return invalid(where,
                     fmt::format("expected {} bytes of hex, got {}", min_size, bytes->size()));
    }
    return invalid(where, fmt::format("expected {}..{} bytes of hex, got {}", min_size, max_size,
                                      bytes->size()));
  }
  return std::move(*bytes);
}

}  // namespace onshi::sim::persona_json
