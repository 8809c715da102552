// The mutual-TLS client to the eligibility system (eligibility-system.md §3.2; pinning after
// anchors-and-conventions.md §3.4): TLS 1.2/1.3 with a reviewed cipher list, host-name checks,
// SPKI pins checked on the *verified* chain, a keep-alive pool with session resumption, deadlines
// on every step, retries only for idempotent requests, an HTTP CONNECT proxy with a no-proxy
// list, and a clock-skew check against the server's Date header.
//
// Thread-safe: concurrent requests use separate connections. The identity (client certificate)
// and the pins can be replaced at any time: requests already running finish on the old ones, new
// connections use the new ones, and idle connections and cached sessions are dropped.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "onshi/result.hpp"
#include "onshi/tls/certificate.hpp"
#include "onshi/tls/certificate_store.hpp"
#include "onshi/tls/client_identity.hpp"

namespace onshi::tls {

struct ProxySettings {
  std::optional<std::string> url;     // http://host:port
  std::vector<std::string> no_proxy;  // see no_proxy.hpp; default_no_proxy() for the network
};

struct ClientOptions {
  std::string base_url;  // https://host[:port][/prefix]
  // SHA-256 of the SPKI of any certificate of the server's verified chain. Outside test mode at
  // least two are required (the current key and a backup); pin the CA or intermediate key, whose
  // rotation is rarer than the server's (the real keys are not public).
  std::vector<Sha256> pins;
  bool test_mode = false;
  std::optional<std::filesystem::path> server_ca_file;  // default: the system's trust store
  ProxySettings proxy;
  std::chrono::milliseconds connect_timeout{10000};  // name resolution + TCP (+ proxy tunnel)
  std::chrono::milliseconds handshake_timeout{10000};
  std::chrono::milliseconds request_timeout{30000};  // write the request, read the whole answer
  std::chrono::seconds max_clock_skew{300};
  int max_attempts = 3;                          // for idempotent requests
  std::chrono::milliseconds retry_backoff{200};  // doubled after each failed attempt
  std::size_t max_idle_connections = 4;
  std::chrono::seconds idle_lifetime{20};  // an idle connection older than this is not reused
  std::size_t max_response_bytes = 16 * 1024 * 1024;
  std::string user_agent = "onshi";
};

struct Request {
  std::string method = "GET";
  std::string target = "/";  // appended to the base URL's path
  std::string body;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;

  static Request get(std::string target);
  static Request post(std::string target, std::string body, std::string content_type);

  // GET, HEAD, PUT, DELETE, OPTIONS (RFC 9110 §9.2.2): the ones a retry cannot duplicate.
  bool idempotent() const;
};

struct Response {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::chrono::seconds> clock_skew;  // server Date − our clock
  bool reused_connection = false;
  bool resumed_session = false;
  std::string tls_version;
  int attempts = 1;

  std::optional<std::string> header(std::string_view name) const;  // case-insensitive
  // Errc::http_status for 4xx/5xx, with the status and the start of the body (printable ASCII).
  Status expect_success() const;
};

// One step of a connection, for `onshictl tls check`.
struct Step {
  std::string name;  // "resolve", "connect", "proxy", "handshake", "pins", "request"
  std::chrono::microseconds elapsed{};
  std::string detail;
};

// What one fresh connection found: each step, and the server's verified chain (leaf first).
struct Probe {
  std::vector<Step> steps;
  std::vector<Certificate> verified_chain;
  std::vector<std::size_t> matched_pins;  // positions in verified_chain whose key is pinned
  bool via_proxy = false;
  std::string tls_version;
  std::string cipher;
  std::optional<Response> response;  // when a request was made
  std::optional<Error> error;        // the step that failed, if any
};

struct ClientStats {
  std::uint64_t connections = 0;
  std::uint64_t full_handshakes = 0;
  std::uint64_t resumed_handshakes = 0;
  std::uint64_t requests = 0;
  std::uint64_t retries = 0;
};

class HttpsClient {
 public:
  // Errc::config_invalid for bad options (URL, too few pins outside test mode), cert_* for a
  // server CA file that does not load.
  static Result<std::shared_ptr<HttpsClient>> create(ClientOptions options,
                                                     std::optional<ClientIdentity> identity);
  ~HttpsClient();
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;

  Result<Response> request(const Request& request);

  // Rotation and SIGHUP reload.
  Status set_identity(std::optional<ClientIdentity> identity);
  void set_pins(std::vector<Sha256> pins);
  // The fingerprint of the client certificate new connections present, if any.
  std::optional<Sha256> identity_fingerprint() const;

  // A fresh connection through every step, without the connection pool. With `check_pins`
  // false the chain is still verified (CA, name, dates) but not pinned: for `tls pin`.
  Probe probe(const std::optional<Request>& request, bool check_pins = true);

  ClientStats stats() const;
  const ClientOptions& options() const;

  struct Impl;

 private:
  explicit HttpsClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// What a reload (SIGHUP, or an import's notice to the agent) does for one institution: when the
// store's current certificate differs from the one `client` presents, the client switches to it
// (requests already running finish on the old one). Returns whether it changed.
Result<bool> reload_identity(HttpsClient& client, const CertificateStore& store,
                             const std::string& institution);

}  // namespace onshi::tls
