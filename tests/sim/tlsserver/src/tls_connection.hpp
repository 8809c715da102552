// One connection of the TLS test server: TLS handshake (client certificate verified when
// configured), then HTTP/1.1 requests with keep-alive until the client closes, --close-after, or
// the idle timeout. Every failure ends that connection only, with one log line.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

#include "routes.hpp"
#include "server_stats.hpp"

namespace onshi::sim::tlsserver {

struct ServerSettings {
  std::chrono::seconds idle_timeout{30};
  std::optional<std::uint64_t> close_after;  // requests per connection
  std::chrono::seconds date_offset{0};       // the Date header is now + this
  bool send_date = true;
};

// What a server built on these connections answers: the routes of onshi-tls-testserver, or
// onshi-eligsim's service.
using RequestHandler = std::function<Reply(const Request&, const ConnectionInfo&)>;
// Asked before each handshake: true fails it with a handshake_failure alert (a fault test's
// "the server refused the handshake").
using HandshakeGate = std::function<bool()>;

// Shared by every connection of the (single-threaded) server; outlives them all.
struct ServerState {
  boost::asio::ssl::context& tls;
  ServerSettings settings;
  ServerStats stats;
  std::uint64_t last_connection_id = 0;
  RequestHandler handler;
  HandshakeGate refuse_handshake;  // may be empty
};

// Serves `socket` on its executor; returns at once.
void start_tls_connection(boost::asio::ip::tcp::socket socket, ServerState& state);

}  // namespace onshi::sim::tlsserver
