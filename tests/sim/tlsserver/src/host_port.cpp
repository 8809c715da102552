#include "host_port.hpp"

#include <fmt/format.h>

#include <charconv>

namespace onshi::sim::tlsserver {
namespace {

Result<std::uint16_t> parse_port(std::string_view digits, std::string_view whole) {
  unsigned value = 0;
  const auto* end = digits.data() + digits.size();
  const auto [ptr, ec] = std::from_chars(digits.data(), end, value);
  if (digits.empty() || digits.size() > 5 || ec != std::errc{} || ptr != end || value > 65535) {
    return fail(Errc::invalid_argument, fmt::format("\"{}\": the port must be 0-65535", whole));
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

Result<HostPort> parse_host_port(std::string_view text) {
  std::string_view host;
  std::string_view rest;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) {
      return fail(Errc::invalid_argument,
                  fmt::format("\"{}\": no ']' after the IPv6 address", text));
    }
    host = text.substr(1, close - 1);
    rest = text.substr(close + 1);
  } else {
    const auto colon = text.rfind(':');
    host = text.substr(0, colon);  // the whole text when there is no colon
    if (colon != std::string_view::npos) rest = text.substr(colon);
    if (host.find(':') != std::string_view::npos) {
      return fail(Errc::invalid_argument,
                  fmt::format("\"{}\": an IPv6 address must be written in brackets", text));
    }
  }
  if (host.empty()) return fail(Errc::invalid_argument, fmt::format("\"{}\": no host", text));
  if (!rest.starts_with(':')) {
    return fail(Errc::invalid_argument, fmt::format("\"{}\": expected host:port", text));
  }
  HostPort result{std::string(host), 0};
  ONSHI_TRY_ASSIGN(result.port, parse_port(rest.substr(1), text));
  return result;
}

Result<boost::asio::ip::tcp::endpoint> parse_listen_address(std::string_view text) {
  ONSHI_TRY_ASSIGN(const HostPort hp, parse_host_port(text));
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(hp.host, ec);
  if (ec) {
    return fail(Errc::invalid_argument,
                fmt::format("\"{}\": the address must be a numeric IPv4 or IPv6 address", text));
  }
  return boost::asio::ip::tcp::endpoint(address, hp.port);
}

Result<std::vector<boost::asio::ip::tcp::endpoint>> parse_listen_addresses(
    const std::vector<std::string>& texts) {
  if (texts.empty()) return parse_listen_addresses({"127.0.0.1:0"});
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;
  for (const auto& text : texts) {
    ONSHI_TRY_ASSIGN(auto endpoint, parse_listen_address(text));
    endpoints.push_back(endpoint);
  }
  return endpoints;
}

std::string format_endpoint(const boost::asio::ip::tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  if (address.is_v6()) return fmt::format("[{}]:{}", address.to_string(), endpoint.port());
  return fmt::format("{}:{}", address.to_string(), endpoint.port());
}

}  // namespace onshi::sim::tlsserver
