// The small text parsers on the way to the eligibility system: HTTP dates (the clock-skew check
// reads the server's Date header), URLs and HOST:PORT (configuration and `onshictl tls pin`), and
// the no-proxy patterns. Each must answer or refuse, never crash; accepted values keep their
// guarantees.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "onshi/tls/http_date.hpp"
#include "onshi/tls/no_proxy.hpp"
#include "url.hpp"

using namespace onshi::tls;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto t = parse_http_date(text)) {
    // Every accepted date prints as an IMF-fixdate that parses back to itself.
    if (parse_http_date(format_http_date(*t)) != *t) std::abort();
  }
  if (auto u = detail::parse_https_url(text)) {
    if (u->server.host.empty() || u->server.port == 0) std::abort();
    if (!u->path_prefix.empty() && u->path_prefix.back() == '/') std::abort();
  }
  if (auto p = detail::parse_proxy_url(text)) {
    if (p->port == 0) std::abort();
  }
  if (auto hp = detail::parse_host_port(text, 443)) {
    // The authority form parses back to the same host and port.
    auto again = detail::parse_host_port(hp->authority(), 443);
    if (!again || again->host != hp->host || again->port != hp->port) std::abort();
  }
  // First line: a host; the rest: patterns.
  const std::size_t nl = text.find('\n');
  std::vector<std::string> patterns;
  if (nl != std::string_view::npos) {
    std::string_view rest = text.substr(nl + 1);
    while (!rest.empty()) {
      const std::size_t end = rest.find('\n');
      patterns.emplace_back(rest.substr(0, end));
      rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    }
  }
  const std::string host(text.substr(0, nl));
  const bool direct = bypasses_proxy(host, patterns);
  if (direct && host.empty()) std::abort();
  // "*" sends every host that names something directly ("[]" or "." name nothing).
  patterns.push_back("*");
  const bool names_something = host.find_first_not_of("[].") != std::string::npos;
  if (names_something && !bypasses_proxy(host, patterns)) std::abort();
  return 0;
}
