// One TCP (+ proxy tunnel) + TLS connection with its own io_context, driven by the calling thread
// with a deadline on every step. Errors are mapped to the Errc a technician can act on.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "onshi/result.hpp"
#include "onshi/tls/https_client.hpp"
#include "tls_context.hpp"
#include "url.hpp"

namespace onshi::tls::detail {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;

struct ConnectLimits {
  std::chrono::milliseconds connect{};
  std::chrono::milliseconds handshake{};
};

class Connection {
 public:
  explicit Connection(std::shared_ptr<TlsContext> context);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Resolves, connects (through `proxy` when given), handshakes, and checks pins when
  // `check_pins`. `resume` is a session that passed the pin check on this generation. Each step
  // is appended to `steps` when given.
  Status open(const HostPort& server, const std::optional<HostPort>& proxy,
              const ConnectLimits& limits, SSL_SESSION* resume, bool check_pins,
              std::vector<Step>* steps);

  // Sends one request and reads the whole response within `timeout`.
  Result<Response> exchange(HttpRequest& request, std::chrono::milliseconds timeout,
                            std::size_t max_body);

  // The server's verified chain (empty on a resumed session without one), leaf first.
  std::vector<Certificate> verified_chain() const;
  std::vector<std::size_t> pinned_positions() const;  // positions whose SPKI is pinned
  // A resumable session to cache (only after the pins passed); nullptr when there is none.
  SSL_SESSION* take_session() const;

  bool resumed() const;
  std::string tls_version() const;
  std::string cipher() const;
  // Still usable for another request: the server allowed keep-alive and has not closed or sent
  // anything unexpected since.
  bool reusable() const;

  const std::shared_ptr<TlsContext>& context() const { return context_; }
  std::chrono::steady_clock::time_point last_used() const { return last_used_; }
  std::uint64_t requests() const { return requests_; }

 private:
  std::shared_ptr<TlsContext> context_;
  boost::asio::io_context ioc_;
  boost::beast::ssl_stream<boost::beast::tcp_stream> stream_;
  boost::beast::flat_buffer buffer_;
  HostPort server_;
  bool keep_alive_ = false;
  bool handshake_done_ = false;
  bool server_asked_for_certificate_ = false;
  std::chrono::steady_clock::time_point last_used_{};
  std::uint64_t requests_ = 0;
};

}  // namespace onshi::tls::detail
