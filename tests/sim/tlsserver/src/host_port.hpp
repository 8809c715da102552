// "host:port" as both test servers take it: --listen addresses and CONNECT targets.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "onshi/result.hpp"

namespace onshi::sim::tlsserver {

struct HostPort {
  std::string host;  // without the brackets of an IPv6 literal
  std::uint16_t port = 0;
};

// "name:443", "127.0.0.1:0", "[::1]:8443". The host is not resolved here; an IPv6 literal must be
// bracketed (otherwise its last group would read as the port).
Result<HostPort> parse_host_port(std::string_view text);

// A --listen address: a numeric IPv4 or bracketed IPv6 address and a port, 0 for an ephemeral one.
Result<boost::asio::ip::tcp::endpoint> parse_listen_address(std::string_view text);

// Every --listen value in order; none given means 127.0.0.1:0.
Result<std::vector<boost::asio::ip::tcp::endpoint>> parse_listen_addresses(
    const std::vector<std::string>& texts);

// "127.0.0.1:443", "[::1]:443".
std::string format_endpoint(const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace onshi::sim::tlsserver
