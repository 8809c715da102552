// The local API's requests and responses as the routes see them, independent of the transport
// (the Unix socket, the mutual-TLS TCP listener, and later the Windows named pipe).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace onshi::api {

// Who is calling. On the Unix socket the kernel tells (SO_PEERCRED, SO_PEERGROUPS); on the TCP
// listener the verified client certificate does.
struct Peer {
  enum class Transport { unix_socket, tls_tcp, in_process };
  Transport transport = Transport::in_process;
  std::optional<std::uint32_t> uid;
  std::optional<std::uint32_t> gid;
  std::optional<std::int32_t> pid;
  std::vector<std::uint32_t> groups;  // supplementary groups (SO_PEERGROUPS)
  std::string certificate_subject;    // TCP: the client certificate's subject, one line
  std::string certificate_sha256;     // TCP: its fingerprint, lowercase hex
  std::string address;                // TCP: "192.0.2.4:51234"

  // What an Idempotency-Key is scoped to: the uid on the socket, the certificate over TCP.
  std::string idempotency_scope() const;
  // For log lines: "uid 1000 pid 4242" or "192.0.2.4:51234 (CN=…)".
  std::string describe() const;
};

struct HttpRequest {
  std::string method;  // "GET", "POST", …
  std::string target;  // "/v1/verifications/vf_…?x=y" as sent
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  Peer peer;

  std::string_view path() const;                                        // target without the query
  std::string_view query() const;                                       // after '?', or empty
  std::optional<std::string> query_value(std::string_view name) const;  // no %-decoding needed
  std::optional<std::string_view> header(std::string_view lower_name) const;
};

// A response body that is written as it comes (Server-Sent Events): the server sends the head
// and `body`, then asks `next` again and again on a thread of its own (never the io_context's) and
// writes what it returns, until it returns nullopt or the client goes away. `next` returns within
// about `max_wait`: an empty string then means "nothing yet" (the server sends an SSE comment as a
// keep-alive, which also notices a client that left).
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  virtual std::optional<std::string> next(std::chrono::milliseconds max_wait) = 0;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::shared_ptr<BodyStream> stream;  // set: body is only the start; the connection then closes
};

}  // namespace onshi::api
