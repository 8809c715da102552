#include "proxy_request.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace onshi::sim::tlsserver {
namespace {

constexpr std::size_t kMaxLoggedField = 200;

std::string base64(std::string_view text) {
  std::vector<unsigned char> out(4 * ((text.size() + 2) / 3) + 1);
  const int n = EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  return std::string(reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(n));
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// "Basic <base64 of USER:PASS>", the scheme in any case (RFC 9110 §11.1).
bool credentials_match(std::optional<std::string_view> header, const std::string& expected) {
  if (!header) return false;
  std::string_view value = *header;
  const auto space = value.find(' ');
  if (space == std::string_view::npos || !iequals(value.substr(0, space), "basic")) return false;
  value.remove_prefix(space);
  while (value.starts_with(' ')) value.remove_prefix(1);
  while (value.ends_with(' ')) value.remove_suffix(1);
  return value == base64(expected);
}

std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, kMaxLoggedField)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x21 || u > 0x7e) ? '?' : c;
  }
  if (text.size() > kMaxLoggedField) out += "...";
  return out.empty() ? std::string("-") : out;
}

}  // namespace

std::string_view outcome_word(ProxyOutcome outcome) {
  switch (outcome) {
    case ProxyOutcome::ok:
      return "ok";
    case ProxyOutcome::refused:
      return "refused";
    case ProxyOutcome::failed:
      return "failed";
    case ProxyOutcome::unauthorized:
      return "unauthorized";
    case ProxyOutcome::not_allowed:
      return "not-allowed";
    case ProxyOutcome::bad_request:
      break;
  }
  return "bad-request";
}

ProxyDecision decide(std::string_view method, std::string_view target,
                     std::optional<std::string_view> proxy_authorization,
                     const ProxyPolicy& policy) {
  if (method != "CONNECT") return {ProxyOutcome::not_allowed, {}};
  auto parsed = parse_host_port(target);
  if (!parsed || parsed->port == 0) return {ProxyOutcome::bad_request, {}};
  if (policy.required_credentials &&
      !credentials_match(proxy_authorization, *policy.required_credentials)) {
    return {ProxyOutcome::unauthorized, {}};
  }
  if (policy.refuse) return {ProxyOutcome::refused, {}};
  return {ProxyOutcome::ok, std::move(*parsed)};
}

std::string proxy_log_line(std::string_view method, std::string_view target, ProxyOutcome outcome) {
  return fmt::format("{} {} -> {}", printable(method), printable(target), outcome_word(outcome));
}

std::string refusal_response(ProxyOutcome outcome, bool keep_alive) {
  std::string_view status = "400 Bad Request";
  std::string_view extra;
  std::string_view text = "malformed request\n";
  switch (outcome) {
    case ProxyOutcome::refused:
      status = "403 Forbidden";
      text = "refused by onshi-connect-proxy --refuse\n";
      break;
    case ProxyOutcome::failed:
      status = "502 Bad Gateway";
      text = "cannot connect to the target\n";
      break;
    case ProxyOutcome::unauthorized:
      status = "407 Proxy Authentication Required";
      extra = "Proxy-Authenticate: Basic realm=\"onshi-connect-proxy\"\r\n";
      text = "proxy authentication required\n";
      break;
    case ProxyOutcome::not_allowed:
      status = "405 Method Not Allowed";
      extra = "Allow: CONNECT\r\n";
      text = "only CONNECT is supported\n";
      break;
    case ProxyOutcome::ok:
    case ProxyOutcome::bad_request:
      break;
  }
  return fmt::format(
      "HTTP/1.1 {}\r\n{}Content-Type: text/plain\r\nContent-Length: {}\r\nConnection: {}\r\n\r\n{}",
      status, extra, text.size(), keep_alive ? "keep-alive" : "close", text);
}

std::string_view established_response() { return "HTTP/1.1 200 Connection established\r\n\r\n"; }

}  // namespace onshi::sim::tlsserver
