// What the CONNECT proxy does with a request head, as a pure function (unit-tested without
// sockets): tunnel, or which refusal, and the line that goes into --log.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "host_port.hpp"

namespace onshi::sim::tlsserver {

struct ProxyPolicy {
  bool refuse = false;                              // --refuse: 403 to every CONNECT
  std::optional<std::string> required_credentials;  // --require-auth USER:PASS
};

// The word after "->" in the proxy log.
enum class ProxyOutcome {
  ok,            // 200, tunnel established
  refused,       // 403 (--refuse)
  failed,        // 502, the target could not be resolved or connected
  unauthorized,  // 407, missing or wrong Proxy-Authorization
  not_allowed,   // 405, a method other than CONNECT
  bad_request,   // 400, an unparsable or oversized head, or a bad CONNECT target
};

std::string_view outcome_word(ProxyOutcome outcome);

struct ProxyDecision {
  ProxyOutcome outcome = ProxyOutcome::bad_request;
  HostPort target;  // for ok: where to connect
};

// Checks in the order a real proxy does: method, target, credentials, policy.
ProxyDecision decide(std::string_view method, std::string_view target,
                     std::optional<std::string_view> proxy_authorization,
                     const ProxyPolicy& policy);

// "CONNECT host:port -> ok"; the method and target are shortened and stripped of control bytes.
std::string proxy_log_line(std::string_view method, std::string_view target, ProxyOutcome outcome);

// The complete response head (and short text body) for a refusal.
std::string refusal_response(ProxyOutcome outcome, bool keep_alive);

// "HTTP/1.1 200 Connection established\r\n\r\n".
std::string_view established_response();

}  // namespace onshi::sim::tlsserver
