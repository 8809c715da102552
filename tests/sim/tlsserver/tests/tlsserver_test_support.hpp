// Shared by the test servers' self-tests: a throwaway PKI made with openssl(1), the servers as
// TestProcesses, and curl.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "onshi/result.hpp"
#include "onshi/sim/test_process.hpp"
#include "onshi/sim/tool_run.hpp"

namespace onshi::sim::tlsserver_test {

namespace fs = std::filesystem;

// Generated once per test process into a private directory (removed at exit). EC P-256
// throughout: key generation is instant.
struct ThrowawayPki {
  fs::path dir;
  fs::path server_cert, server_key;    // self-signed, CN=localhost, SAN 127.0.0.1, ::1, localhost
  fs::path ca_cert, ca_key;            // "onshi throwaway CA"
  fs::path client_cert, client_key;    // CN=onshi test client, O=onshi, issued by the CA
  fs::path revoked_cert, revoked_key;  // CN=onshi revoked client, issued by the CA and revoked
  fs::path crl;                        // the CA's CRL listing revoked_cert
  fs::path unrelated_cert;             // another self-signed certificate, for --chain
  std::string client_fingerprint;      // lowercase hex SHA-256 of client_cert's DER
};
const ThrowawayPki& pki();

// A fresh path in the PKI directory, e.g. for a port file or a proxy log.
fs::path scratch_path(std::string_view stem);

std::string quote(std::string_view text);  // for /bin/sh

// onshi-tls-testserver with the PKI's server certificate plus `args`, once it listens.
Result<TestProcess> start_tls_server(const std::vector<std::string>& args = {});
// onshi-connect-proxy with `args`, once it listens.
Result<TestProcess> start_proxy(const std::vector<std::string>& args = {});

std::string url(std::uint16_t port, std::string_view path);  // https://127.0.0.1:P/path

// curl -sS with a 10 s limit, trusting the server certificate, then `args`.
ToolRun curl(const std::string& args);

// Every line of `text` that is a JSON object (curl -w '\n' puts one body on each line).
std::vector<nlohmann::json> json_lines(const std::string& text);

// The value of a response header in curl -D output (the last one when there are several).
std::string header_value(const std::string& headers, std::string_view name);

bool ipv6_loopback_available();

// Declares `TestProcess& var` from a Result<TestProcess>, or fails the test with the error.
#define START_OR_FAIL(var, expr)                                   \
  auto var##_started = (expr);                                     \
  ASSERT_TRUE(var##_started) << var##_started.error().to_string(); \
  ::onshi::sim::TestProcess& var = *var##_started

}  // namespace onshi::sim::tlsserver_test
