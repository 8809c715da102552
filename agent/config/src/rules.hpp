// Checks on single configuration values. Each returns the reason a value is unacceptable (worded
// to follow "<key path>: "), or nullopt when it is fine. No TOML here: these are plain text rules.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace onshi::config::detail {

using Reason = std::optional<std::string>;

// Non-empty, valid UTF-8, no control characters (C0, DEL, C1).
Reason text_problem(std::string_view text);
// 端末名称: text of 1-64 characters (eligibility-system.md §3.1).
Reason terminal_name_problem(std::string_view text);
// 医療機関コード, via onshi::institution_code_problem (eligibility-system.md §2).
Reason institution_code_check(std::string_view text);
Reason absolute_path_problem(std::string_view text);
// An absolute path that also fits a Unix socket address.
Reason socket_path_problem(std::string_view text);
// POSIX-ish user or group name: [a-z_][a-z0-9_-]*[$]?, at most 32 characters. Shape only.
Reason account_name_problem(std::string_view text);
// https://host[:port][/path][?query], no credentials, no fragment.
Reason https_url_problem(std::string_view text);
// http://host:port (an optional trailing '/'), no credentials, no path.
Reason proxy_url_problem(std::string_view text);
// "sha256//<base64 of 32 bytes>" (anchors-and-conventions.md §3.4).
Reason pin_problem(std::string_view text);
// The digest of a pin that pin_problem accepted.
std::optional<std::array<std::uint8_t, 32>> decode_pin(std::string_view text);
Reason log_level_problem(std::string_view text);
// A no-proxy pattern (tls/no_proxy.hpp): "*", "*.domain", ".domain", a host, an IP, "<local>".
// A listening address: an IPv4 literal or a bracketed IPv6 literal, then ":port" (0-65535, 0 =
// any free port). Names are refused: a listener must not depend on name resolution at start.
Reason listen_address_problem(std::string_view text);
Reason no_proxy_pattern_problem(std::string_view text);

// `text` in double quotes for a message, with control characters escaped and long text cut.
std::string in_quotes(std::string_view text);

}  // namespace onshi::config::detail
