// onshictl tls …: the mutual-TLS path to the eligibility system, for technicians — the pins of a
// server's verified chain (`tls pin`), and the whole path step by step with its times (`tls check`:
// name resolution, TCP, proxy, handshake, pins, one request).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "onshi/config/config.hpp"
#include "onshi/result.hpp"
#include "onshi/tls/https_client.hpp"

namespace onshi::ctl {

struct TlsCommandOptions {
  std::string config_path = "/etc/onshi/onshi.toml";
  bool config_given = false;               // --config named the file (then it must load)
  std::optional<std::string> institution;  // whose client certificate (default: the first)
  std::string path = "/";                  // tls check: the request target
  bool json = false;
};

// onshictl tls pin HOST:PORT [--ca-file PEM]
int tls_pin(const TlsCommandOptions& o, const std::string& server,
            const std::optional<std::string>& ca_file);
// onshictl tls check
int tls_check(const TlsCommandOptions& o);

// --- The parts with no I/O, for the unit tests ---

// "host:port", "[v6]:port", "host" (port 443) or an https:// URL → the base URL of a client.
// Errc::invalid_argument for anything else (an unbracketed IPv6 address, a bad port, …).
Result<std::string> server_base_url(std::string_view server);

// The client options of the configuration's [upstream] (URL, pins, server CA, proxy and no-proxy
// list, deadlines, clock-skew limit, test mode).
tls::ClientOptions upstream_client_options(const config::Config& config);

// The name of the step a probe failed at ("resolve", "connect", "proxy", "handshake", "pins",
// "request", "clock"), or "" when it did not fail.
std::string failing_step(const tls::Probe& probe, bool check_pins, bool with_request);

}  // namespace onshi::ctl
