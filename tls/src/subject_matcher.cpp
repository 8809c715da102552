#include "onshi/tls/subject_matcher.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace onshi::tls {
namespace {

// Regex metacharacters in a substituted value are matched literally.
std::string escape_regex(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string substitute(std::string pattern, std::string_view placeholder, std::string_view value) {
  const std::string escaped = escape_regex(value);
  for (std::size_t at = pattern.find(placeholder); at != std::string::npos;
       at = pattern.find(placeholder, at + escaped.size())) {
    pattern.replace(at, placeholder.size(), escaped);
  }
  return pattern;
}

// std::regex reports bad patterns by throwing; the matcher's interface never throws.
std::optional<std::regex> compile(const std::string& pattern, std::string* why) {
  try {
    return std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    if (why) *why = e.what();
    return std::nullopt;
  }
}

// A pathological pattern can make std::regex throw (error_complexity, error_stack): no match.
bool search(const std::string& value, const std::regex& re) {
  try {
    return std::regex_search(value, re);
  } catch (const std::regex_error&) {
    return false;
  }
}

}  // namespace

Result<SubjectMatcher> SubjectMatcher::parse(const std::vector<std::string>& rules) {
  if (rules.empty()) return fail(Errc::config_invalid, "at least one subject rule is needed");
  SubjectMatcher m;
  for (const auto& text : rules) {
    const std::size_t eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
      return fail(Errc::config_invalid,
                  fmt::format("subject rule \"{}\" must have the form ATTR=REGEX, e.g. "
                              "\"CN=^{{code}}$\"",
                              text));
    }
    Rule rule{text.substr(0, eq), text.substr(eq + 1)};
    for (char c : rule.attribute) {
      const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      if (!(ok || (rule.attribute == "*"))) {
        return fail(Errc::config_invalid,
                    fmt::format("subject rule \"{}\": \"{}\" is not an attribute short name (CN, "
                                "O, OU, serialNumber, …) or \"*\"",
                                text, rule.attribute));
      }
    }
    std::string why;
    if (!compile(substitute(substitute(rule.pattern, "{code}", "0"), "{terminal}", "t"), &why)) {
      return fail(
          Errc::config_invalid,
          fmt::format("subject rule \"{}\": not a valid regular expression ({})", text, why));
    }
    m.rules_.push_back(std::move(rule));
    m.texts_.push_back(text);
  }
  const bool uses_code = std::any_of(m.rules_.begin(), m.rules_.end(), [](const Rule& r) {
    return r.pattern.find("{code}") != std::string::npos;
  });
  if (!uses_code) {
    return fail(Errc::config_invalid,
                "a subject rule must use {code}, or every institution's certificate would match");
  }
  return m;
}

SubjectMatcher SubjectMatcher::default_matcher() {
  return std::move(*parse({std::string(kDefaultRule)}));
}

std::optional<std::string> SubjectMatcher::mismatch(const Certificate& cert,
                                                    std::string_view institution_code,
                                                    std::string_view terminal_name) const {
  const auto attributes = cert.subject_attributes();
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const auto& rule = rules_[i];
    const std::string pattern = substitute(substitute(rule.pattern, "{code}", institution_code),
                                           "{terminal}", terminal_name);
    const auto re = compile(pattern, nullptr);
    bool matched = false;
    for (const auto& [name, value] : attributes) {
      if (re && (rule.attribute == "*" || rule.attribute == name) && search(value, *re)) {
        matched = true;
        break;
      }
    }
    if (!matched) return texts_[i];
  }
  return std::nullopt;
}

}  // namespace onshi::tls
