// The TLS test server's routes, as a pure function of the request and the connection, so they
// are unit-tested without sockets. The connection adds Date and Connection and does the waiting.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstdint>
#include <string>

#include "peer_identity.hpp"
#include "server_stats.hpp"

namespace onshi::sim::tlsserver {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

struct ConnectionInfo {
  std::uint64_t connection_id = 0;
  std::uint64_t request_on_connection = 0;  // from 1
  std::string tls_version;                  // "TLSv1.3"
  bool resumed = false;
  PeerIdentity peer;
};

struct Reply {
  Response response;
  std::chrono::milliseconds delay{0};  // /slow: answer only after this long
  // Instead of answering, reset the TCP connection (RST): a fault test's "connection reset".
  bool reset_connection = false;
  // Send the serialized response in pieces of this many bytes with this pause before each one
  // after the first (a fault test's "slow body"); 0 bytes sends it at once.
  std::size_t trickle_bytes = 0;
  std::chrono::milliseconds trickle_pause{0};
};

// The longest /slow?ms= the server accepts.
inline constexpr std::chrono::milliseconds kMaxSlow{120'000};

// GET|POST /echo, GET /status/NNN (200-599), GET /slow?ms=N, GET /stats; everything else 404.
// Every reply has a JSON body, Content-Type and Content-Length.
Reply route(const Request& request, const ConnectionInfo& connection, const ServerStats& stats);

}  // namespace onshi::sim::tlsserver
