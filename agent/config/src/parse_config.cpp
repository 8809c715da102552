#include <fmt/format.h>

#include "onshi/config/config.hpp"
#include "problems.hpp"
#include "schema.hpp"
#include "toml.hpp"

namespace onshi::config {
namespace {

Error syntax_error(const toml::parse_error& error, std::string_view source_name) {
  const auto& begin = error.source().begin;
  if (begin.line == 0) {
    return Error{Errc::config_syntax, fmt::format("{}: {}", source_name, error.description())};
  }
  return Error{Errc::config_syntax, fmt::format("{}:{}:{}: {}", source_name, begin.line,
                                                begin.column, error.description())};
}

}  // namespace

Result<Config> parse_config(std::string_view text, std::string_view source_name) {
  const std::string_view name = source_name.empty() ? std::string_view("<config>") : source_name;
  toml::parse_result parsed = toml::parse(text, name);
  if (!parsed) return fail(syntax_error(parsed.error(), name));

  detail::Problems problems;
  Config config = detail::read_config(parsed.table(), problems);
  if (!problems.empty()) return fail(problems.first(name));
  return config;
}

const Institution* Config::institution(std::string_view code) const {
  for (const auto& i : institutions) {
    if (i.code == code) return &i;
  }
  return nullptr;
}

}  // namespace onshi::config
