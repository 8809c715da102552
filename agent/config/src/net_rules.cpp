// Rules for the upstream connection: URLs and SPKI pins.
#include <fmt/format.h>

#include "onshi/base64.hpp"
#include "rules.hpp"

namespace onshi::config::detail {
namespace {

struct SplitUrl {
  std::string_view scheme;
  std::string_view authority;
  std::string_view rest;  // path, query and fragment, from the first '/', '?' or '#'
};

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'z'); }
bool is_hex(char c) { return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f'); }

// Whole-URL character check first, so the later messages can quote the text as is. International
// host names must be given in punycode.
Reason url_characters_problem(std::string_view text) {
  if (text.empty()) return "must not be empty";
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b <= 0x20 || b >= 0x7F) {
      return fmt::format(
          "must not contain spaces, control or non-ASCII characters (byte 0x{:02X} at position {})",
          b, i + 1);
    }
  }
  return std::nullopt;
}

std::optional<SplitUrl> split(std::string_view text) {
  const std::size_t colon = text.find("://");
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  SplitUrl out;
  out.scheme = text.substr(0, colon);
  const std::string_view after = text.substr(colon + 3);
  const std::size_t end = after.find_first_of("/?#");
  out.authority = after.substr(0, end);
  out.rest = end == std::string_view::npos ? std::string_view{} : after.substr(end);
  return out;
}

Reason host_problem(std::string_view host) {
  if (host.empty()) return "has no host";
  bool label_start = true;
  for (char c : host) {
    if (c == '.') {
      if (label_start) return fmt::format("has an invalid host name {}", in_quotes(host));
      label_start = true;
    } else if (is_alnum(c) || c == '-') {
      label_start = false;
    } else {
      return fmt::format("has an invalid host name {}", in_quotes(host));
    }
  }
  return std::nullopt;
}

Reason port_problem(std::string_view port) {
  bool ok = !port.empty() && port.size() <= 5;
  unsigned value = 0;
  for (std::size_t i = 0; ok && i < port.size(); ++i) {
    if (!is_digit(port[i]))
      ok = false;
    else
      value = value * 10 + static_cast<unsigned>(port[i] - '0');
  }
  if (!ok || value < 1 || value > 65535) {
    return fmt::format("has an invalid port {} (must be 1-65535)", in_quotes(port));
  }
  return std::nullopt;
}

// host, [ipv6] or either with :port.
Reason authority_problem(std::string_view authority, bool port_required) {
  if (authority.find('@') != std::string_view::npos) {
    return "must not contain user credentials (user@host)";
  }
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos)
      return "has an unterminated IPv6 address ('[' without ']')";
    const std::string_view address = authority.substr(1, close - 1);
    bool ok = address.find(':') != std::string_view::npos;
    for (char c : address) ok = ok && (is_hex(c) || c == ':' || c == '.');
    if (!ok) return fmt::format("has an invalid IPv6 address {}", in_quotes(address));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return "has unexpected text after the IPv6 address";
      has_port = true;
      port = after.substr(1);
    }
  } else {
    const std::size_t colon = authority.find(':');
    if (auto reason = host_problem(authority.substr(0, colon))) return reason;
    if (colon != std::string_view::npos) {
      has_port = true;
      port = authority.substr(colon + 1);
    }
  }
  if (has_port) return port_problem(port);
  if (port_required) return "must include a port (http://host:port)";
  return std::nullopt;
}

constexpr std::string_view kPinPrefix = "sha256//";

}  // namespace

Reason listen_address_problem(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos)
      return "has an unterminated IPv6 address ('[' without ']')";
    host = text.substr(1, close - 1);
    bool ok = host.find(':') != std::string_view::npos;
    for (char c : host) ok = ok && (is_hex(c) || c == ':' || c == '.');
    if (!ok) return fmt::format("has an invalid IPv6 address {}", in_quotes(host));
    if (text.substr(close + 1, 1) != ":") return "must be [ipv6]:port";
    port = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return "must be ipv4:port or [ipv6]:port";
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    int parts = 0;
    bool ok = true;
    std::size_t start = 0;
    while (ok) {
      const std::size_t dot = host.find('.', start);
      const std::string_view part =
          host.substr(start, dot == std::string_view::npos ? dot : dot - start);
      unsigned value = 0;
      ok = !part.empty() && part.size() <= 3;
      for (char c : part) {
        ok = ok && is_digit(c);
        value = value * 10 + static_cast<unsigned>(c - '0');
      }
      ok = ok && value <= 255;
      ++parts;
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
    if (!ok || parts != 4) {
      return fmt::format("has {} where an IPv4 address is expected (names are not resolved)",
                         in_quotes(host));
    }
  }
  if (port == "0") return std::nullopt;
  return port_problem(port);
}

Reason https_url_problem(std::string_view text) {
  if (auto reason = url_characters_problem(text)) return reason;
  const auto url = split(text);
  if (!url) return "must start with https://";
  if (!equals_ignoring_case(url->scheme, "https")) {
    return fmt::format("must use https://, got {}", in_quotes(fmt::format("{}://", url->scheme)));
  }
  if (auto reason = authority_problem(url->authority, false)) return reason;
  if (url->rest.find('#') != std::string_view::npos) return "must not contain a fragment ('#')";
  return std::nullopt;
}

Reason proxy_url_problem(std::string_view text) {
  if (auto reason = url_characters_problem(text)) return reason;
  const auto url = split(text);
  if (!url) return "must have the form http://host:port";
  if (!equals_ignoring_case(url->scheme, "http")) {
    return fmt::format("must be an http:// proxy URL (http://host:port), got {}",
                       in_quotes(fmt::format("{}://", url->scheme)));
  }
  if (auto reason = authority_problem(url->authority, true)) return reason;
  if (!url->rest.empty() && url->rest != "/")
    return "must be just http://host:port, without a path";
  return std::nullopt;
}

Reason pin_problem(std::string_view text) {
  if (text.substr(0, kPinPrefix.size()) != kPinPrefix) {
    return "must have the form sha256//<base64 SHA-256 of the server's public key (SPKI)>";
  }
  const auto digest = from_base64(text.substr(kPinPrefix.size()));
  if (!digest) {
    return "is not valid base64 after \"sha256//\" (standard alphabet, '=' padded, as "
           "`openssl enc -base64` prints it)";
  }
  if (digest->size() != 32) {
    return fmt::format("must be a 32-byte SHA-256 digest, but decodes to {} bytes", digest->size());
  }
  return std::nullopt;
}

std::optional<std::array<std::uint8_t, 32>> decode_pin(std::string_view text) {
  if (pin_problem(text)) return std::nullopt;
  const auto digest = from_base64(text.substr(kPinPrefix.size()));
  std::array<std::uint8_t, 32> out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = (*digest)[i];
  return out;
}

}  // namespace onshi::config::detail
