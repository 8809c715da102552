#include "url.hpp"

#include <fmt/format.h>
#include <boost/asio/ip/address.hpp>

namespace onshi::tls::detail {
namespace {

bool iequals_prefix(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

bool is_ip_literal(const std::string& host) {
  unsigned char address[16];
  return inet_pton(AF_INET, host.c_str(), address) == 1 ||
         inet_pton(AF_INET6, host.c_str(), address) == 1;
}

}  // namespace

std::string HostPort::authority() const {
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port)
                                             : fmt::format("{}:{}", host, port);
}

Result<HostPort> parse_host_port(std::string_view text, std::uint16_t default_port) {
  HostPort out;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return fail(Errc::invalid_argument, fmt::format("\"{}\": '[' without ']'", text));
    }
    out.host = std::string(text.substr(1, close - 1));
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return fail(Errc::invalid_argument, fmt::format("\"{}\": text after ']'", text));
      }
      port_text = rest.substr(1);
    }
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon != std::string_view::npos && text.find(':') != colon) {
      out.host = std::string(text);  // a bare IPv6 address, no port
    } else {
      out.host = std::string(text.substr(0, colon));
      if (colon != std::string_view::npos) port_text = text.substr(colon + 1);
    }
  }
  if (out.host.empty()) return fail(Errc::invalid_argument, fmt::format("\"{}\": no host", text));
  for (char c : out.host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == ':';
    if (!ok) return fail(Errc::invalid_argument, fmt::format("\"{}\": invalid host name", text));
  }
  out.port = default_port;
  if (!port_text.empty() || (text.size() && text.back() == ':')) {
    unsigned value = 0;
    bool ok = !port_text.empty() && port_text.size() <= 5;
    for (char c : port_text) {
      ok = ok && c >= '0' && c <= '9';
      if (ok) value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (!ok || value == 0 || value > 65535) {
      return fail(Errc::invalid_argument, fmt::format("\"{}\": invalid port", text));
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  if (out.port == 0) return fail(Errc::invalid_argument, fmt::format("\"{}\": no port", text));
  out.is_ip = is_ip_literal(out.host);
  if (!out.is_ip && out.host.find(':') != std::string::npos) {
    return fail(Errc::invalid_argument, fmt::format("\"{}\": invalid IPv6 address", text));
  }
  return out;
}

Result<HttpsUrl> parse_https_url(std::string_view url) {
  if (!iequals_prefix(url, "https://")) {
    return fail(Errc::config_invalid, fmt::format("\"{}\" must start with https://", url));
  }
  const std::string_view rest = url.substr(8);
  const std::size_t slash = rest.find('/');
  auto server = parse_host_port(rest.substr(0, slash), 443);
  if (!server)
    return fail(Errc::config_invalid, fmt::format("upstream URL {}", server.error().message));
  HttpsUrl out{std::move(*server), {}};
  if (slash != std::string_view::npos) {
    out.path_prefix = std::string(rest.substr(slash));
    while (!out.path_prefix.empty() && out.path_prefix.back() == '/') out.path_prefix.pop_back();
  }
  return out;
}

Result<HostPort> parse_proxy_url(std::string_view url) {
  if (!iequals_prefix(url, "http://")) {
    return fail(Errc::config_invalid, fmt::format("proxy \"{}\" must be http://host:port", url));
  }
  std::string_view rest = url.substr(7);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  auto hp = parse_host_port(rest, 0);
  if (!hp) return fail(Errc::config_invalid, fmt::format("proxy {}", hp.error().message));
  return hp;
}

}  // namespace onshi::tls::detail
