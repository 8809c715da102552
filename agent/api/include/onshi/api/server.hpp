// The local API's HTTP/1.1 server (Boost.Beast): a Unix socket (mode 0660, the configured
// group, each client's credentials checked) and an opt-in TCP listener with mutual TLS. Both
// serve the same Router. Handlers may block (they call the eligibility system): they run on a
// thread pool, never on the io_context that reads and writes.
#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "onshi/api/peer_policy.hpp"
#include "onshi/api/router.hpp"
#include "onshi/result.hpp"

namespace onshi::api {

struct UnixListenerOptions {
  std::filesystem::path path;
  std::optional<std::uint32_t> group;  // chown the socket to it; mode 0660 either way
};

struct TcpListenerOptions {
  std::string listen;  // "127.0.0.1:0", "[::]:8443"
  std::filesystem::path certificate, key, client_ca;
  std::optional<std::filesystem::path> client_crl;
};

struct ServerLimits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 8 * 1024 * 1024;   // a 一括照会 of 2000 patients fits
  std::chrono::milliseconds read_timeout{10000};  // one request, headers and body
  std::chrono::milliseconds idle_timeout{60000};  // keep-alive between requests
  std::size_t max_connections = 256;
  std::size_t handler_threads = 16;
  // Event streams (HttpResponse::stream) open at once, each holding a thread of their own pool;
  // more are answered 503.
  std::size_t max_streams = 16;
  std::chrono::milliseconds stream_keepalive{15000};
};

struct ServerStats {
  std::uint64_t connections = 0, requests = 0, refused_peers = 0, bad_requests = 0;
};

class ApiServer {
 public:
  using Logger = std::function<void(std::string_view)>;
  ApiServer(boost::asio::io_context& io, std::shared_ptr<const Router> router, ServerLimits limits,
            Logger log);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Errc::io with the path and reason: another onshid already listens there, the directory is
  // missing, the group cannot be set. A stale socket file (nobody listening) is replaced.
  Status listen_unix(const UnixListenerOptions& options);
  // Errc::config_invalid / cert_* for unusable certificate files, Errc::io when it cannot bind.
  Status listen_tcp(const TcpListenerOptions& options);
  void set_policy(PeerPolicy policy);
  // "127.0.0.1:40123" once listening.
  std::optional<std::string> tcp_address() const;
  ServerStats stats() const;
  // Closes the listeners and every connection; waits for running handlers.
  void stop();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace onshi::api
