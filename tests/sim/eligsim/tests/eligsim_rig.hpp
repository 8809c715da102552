// onshi-eligsim as a process for the integration tests: the test PKI's server certificate, its
// CA and CRL for clients, the generated My Number personas; plus the helpers to talk to it with
// curl, openssl s_client and onshi's own client.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "onshi/bytes.hpp"
#include "onshi/result.hpp"
#include "onshi/sim/test_process.hpp"
#include "onshi/tls/https_client.hpp"

namespace onshi::sim::eligsim::testing {

std::filesystem::path pki();       // ONSHI_TEST_PKI
std::filesystem::path personas();  // ONSHI_TEST_JPKI_PERSONAS

struct Eligsim {
  TestProcess process;
  std::uint16_t api_port() const { return process.ports().at(0); }
  std::uint16_t control_port() const { return process.ports().at(1); }
  std::string url(std::string_view path) const;
};

// With the persona set in `persona_dir` (default: personas()).
Result<Eligsim> start_eligsim(std::vector<std::string> extra_args = {},
                              std::optional<std::filesystem::path> persona_dir = std::nullopt);

// "curl -s --cert clients/NAME.pem --key clients/NAME.key --cacert root-ca.pem"
std::string curl_as(std::string_view client);
// A control-listener call with curl: the body printed, or "<curl failed>".
std::string control(const Eligsim& sim, std::string_view method, std::string_view path,
                    std::string_view body = {});

// onshi's mutual-TLS client as `client` of the test PKI, pinned to the issuing CA.
Result<std::shared_ptr<tls::HttpsClient>> onshi_client(const Eligsim& sim, std::string_view client);
// POST /auth for the test PKI's institution a; the access token.
Result<std::string> login(tls::HttpsClient& client);
Result<tls::Response> post(tls::HttpsClient& client, std::string_view path, std::string body,
                           const std::string& token);

// RSA PKCS#1 v1.5 / SHA-256 (or ECDSA P-384 / SHA-384 as raw r‖s) with a PEM key file, as the
// card signs.
Result<std::string> sign_like_the_card(const std::filesystem::path& key_pem, ByteView message);

}  // namespace onshi::sim::eligsim::testing
