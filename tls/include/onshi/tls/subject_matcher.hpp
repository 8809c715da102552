// Decides whether a client certificate belongs to a medical institution. The real subject layout
// of the 共通認証局's certificates is not public (eligibility-system.md §3.1, "Not found"), so the
// rule is configuration: one or more "ATTR=REGEX" rules that must all match, where ATTR is a
// subject attribute's short name (CN, O, OU, serialNumber, …) or "*" for any attribute, and the
// ECMAScript REGEX may use {code} for the 医療機関コード and {terminal} for the 端末名称.
#pragma once

#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "onshi/result.hpp"
#include "onshi/tls/certificate.hpp"

namespace onshi::tls {

class SubjectMatcher {
 public:
  // The default: the code appears as a whole number in some subject attribute.
  static constexpr std::string_view kDefaultRule = "*=(^|[^0-9]){code}([^0-9]|$)";

  // Errc::config_invalid naming the bad rule and why.
  static Result<SubjectMatcher> parse(const std::vector<std::string>& rules);
  static SubjectMatcher default_matcher();

  // nullopt when the certificate matches; otherwise which rule failed, for the error message.
  std::optional<std::string> mismatch(const Certificate& cert, std::string_view institution_code,
                                      std::string_view terminal_name = {}) const;

  const std::vector<std::string>& rules() const { return texts_; }

 private:
  struct Rule {
    std::string attribute;  // "*" for any
    std::string pattern;    // with placeholders
  };
  std::vector<Rule> rules_;
  std::vector<std::string> texts_;
};

}  // namespace onshi::tls
