// Rules for free text, paths and account names.
#include <fmt/format.h>

#include <filesystem>

#include "onshi/check_digit.hpp"
#include "onshi/text_scan.hpp"
#include "rules.hpp"

namespace onshi::config::detail {
namespace {

Reason scan_problem(const TextScan& s) {
  if (!s.valid_utf8) return "is not valid UTF-8";
  if (s.characters == 0) return "must not be empty";
  if (s.control) {
    return fmt::format("must not contain control characters (U+{:04X} at character {})",
                       static_cast<std::uint32_t>(*s.control), s.control_at);
  }
  return std::nullopt;
}

bool is_account_start(char c) { return (c >= 'a' && c <= 'z') || c == '_'; }
bool is_account_char(char c) { return is_account_start(c) || (c >= '0' && c <= '9') || c == '-'; }

std::string describe_byte(char c) {
  const auto b = static_cast<unsigned char>(c);
  if (b > 0x20 && b < 0x7F) return fmt::format("'{}'", c);
  return fmt::format("byte 0x{:02X}", b);
}

}  // namespace

Reason text_problem(std::string_view text) { return scan_problem(scan_text(text)); }

Reason terminal_name_problem(std::string_view text) {
  const TextScan s = scan_text(text);
  if (auto reason = scan_problem(s)) return reason;
  // 64 is onshi's own limit: the docs give no length for 端末名称 (eligibility-system.md §3.1).
  if (s.characters > 64) return fmt::format("must be at most 64 characters, got {}", s.characters);
  return std::nullopt;
}

Reason institution_code_check(std::string_view text) {
  if (auto reason = institution_code_problem(text)) {
    return fmt::format("is not a valid 医療機関コード: {}", *reason);
  }
  return std::nullopt;
}

Reason absolute_path_problem(std::string_view text) {
  if (auto reason = text_problem(text)) return reason;
  if (!std::filesystem::path(text).is_absolute()) {
    return fmt::format("must be an absolute path, got {}", in_quotes(text));
  }
  return std::nullopt;
}

Reason socket_path_problem(std::string_view text) {
  if (auto reason = absolute_path_problem(text)) return reason;
  // sockaddr_un.sun_path is 108 bytes on Linux, including the terminating NUL (unix(7)).
  constexpr std::size_t kMaxSocketPath = 107;
  if (text.size() > kMaxSocketPath) {
    return fmt::format("is {} bytes long, but a Unix socket path holds at most {}", text.size(),
                       kMaxSocketPath);
  }
  return std::nullopt;
}

Reason account_name_problem(std::string_view text) {
  if (text.empty()) return "must not be empty";
  if (text.size() > 32) return fmt::format("must be at most 32 characters, got {}", text.size());
  if (!is_account_start(text[0])) {
    return fmt::format("must start with a lower-case letter or '_', not {}",
                       describe_byte(text[0]));
  }
  for (std::size_t i = 1; i < text.size(); ++i) {
    const bool last = i + 1 == text.size();
    if (is_account_char(text[i]) || (last && text[i] == '$')) continue;
    return fmt::format(
        "has {} at position {}; user and group names use a-z, 0-9, '_', '-' (and '$' at the end)",
        describe_byte(text[i]), i + 1);
  }
  return std::nullopt;
}

Reason log_level_problem(std::string_view text) {
  if (text == "debug" || text == "info" || text == "warning" || text == "error")
    return std::nullopt;
  return fmt::format("must be \"debug\", \"info\", \"warning\" or \"error\", got {}",
                     in_quotes(text));
}

Reason no_proxy_pattern_problem(std::string_view text) {
  if (text == "*" || text == "<local>") return std::nullopt;
  std::string_view host = text;
  if (host.starts_with("*."))
    host.remove_prefix(2);
  else if (host.starts_with("."))
    host.remove_prefix(1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) return fmt::format("{} names no host", in_quotes(text));
  for (char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == ':';
    if (!ok) {
      return fmt::format(
          "{} is not a no-proxy pattern: use \"*\", \"*.domain\", \".domain\", a "
          "host name, an IP address or \"<local>\"",
          in_quotes(text));
    }
  }
  return std::nullopt;
}

std::string in_quotes(std::string_view text) {
  constexpr std::size_t kMaxShown = 80;
  std::size_t end = text.size() < kMaxShown ? text.size() : kMaxShown;
  // Cut before a UTF-8 continuation byte so the message stays valid UTF-8.
  while (end < text.size() && end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0u) == 0x80u) {
    --end;
  }
  std::string out = "\"";
  for (std::size_t i = 0; i < end; ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b == '"' || b == '\\') {
      out += '\\';
      out += text[i];
    } else if (b < 0x20 || b == 0x7F) {
      out += fmt::format("\\x{:02X}", b);
    } else {
      out += text[i];
    }
  }
  if (end < text.size()) out += "...";
  out += '"';
  return out;
}

}  // namespace onshi::config::detail
