// The parts of the upstream and proxy URLs the client needs. The configuration has already
// checked their shape (agent/config net_rules); this parse is strict again, because the library
// is also used without that configuration (onshictl tls pin HOST:PORT).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "onshi/result.hpp"

namespace onshi::tls::detail {

struct HostPort {
  std::string host;  // without brackets
  std::uint16_t port = 0;
  bool is_ip = false;  // IPv4 or IPv6 literal: checked with set1_ip_asc, and sent without SNI

  std::string authority() const;  // "host:port", "[::1]:port"
};

struct HttpsUrl {
  HostPort server;
  std::string path_prefix;  // "" or "/api" (no trailing slash)
};

Result<HttpsUrl> parse_https_url(std::string_view url);
Result<HostPort> parse_proxy_url(std::string_view url);  // http://host:port
Result<HostPort> parse_host_port(std::string_view text, std::uint16_t default_port);

}  // namespace onshi::tls::detail
