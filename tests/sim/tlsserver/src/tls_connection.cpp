#include "tls_connection.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <algorithm>
#include <array>
#include <sstream>
#include <string>

#include "host_port.hpp"
#include "log_line.hpp"
#include "onshi/tls/http_date.hpp"
#include "peer_identity.hpp"
#include "routes.hpp"

namespace onshi::sim::tlsserver {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using Stream = beast::ssl_stream<beast::tcp_stream>;

constexpr std::uint64_t kHeaderLimit = 16 * 1024;
constexpr std::uint64_t kBodyLimit = 1024 * 1024;
constexpr std::chrono::seconds kShutdownTimeout{1};

auto use_ec(boost::system::error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

// The ways a client may simply go away between requests: not worth a log line each.
bool quiet_end(const boost::system::error_code& ec) {
  return ec == beast::http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::ssl::error::stream_truncated || ec == asio::error::connection_reset ||
         ec == asio::error::operation_aborted;
}

// The handshake's failure with the verifier's reason when it rejected the client certificate.
std::string handshake_failure(const boost::system::error_code& ec,
                              const std::optional<VerifyFailure>& rejected) {
  std::string text = ec == beast::error::timeout ? "timed out" : ec.message();
  if (rejected) text += "; client certificate rejected: " + rejected->describe();
  return text;
}

http::status read_error_status(const boost::system::error_code& ec) {
  if (ec == http::error::body_limit) return http::status::payload_too_large;
  if (ec == http::error::header_limit) return http::status::request_header_fields_too_large;
  return http::status::bad_request;
}

std::string handshake_summary(const ConnectionInfo& info) {
  return fmt::format("{} {}, {}", info.tls_version, info.resumed ? "resumed" : "new session",
                     info.peer.subject ? "client \"" + *info.peer.subject + "\""
                                       : std::string("no client certificate"));
}

void finish_headers(Response& response, const ServerSettings& settings, bool keep_alive) {
  if (settings.send_date) {
    response.set(http::field::date,
                 onshi::tls::format_http_date(std::chrono::floor<std::chrono::seconds>(
                     std::chrono::system_clock::now() + settings.date_offset)));
  }
  response.set(http::field::server, "onshi-tls-testserver");
  response.keep_alive(keep_alive);
}

class Connection {
 public:
  Connection(tcp::socket socket, ServerState& state)
      : state_(state),
        id_(++state.last_connection_id),
        peer_(remote(socket)),
        stream_(beast::tcp_stream(std::move(socket)), state.tls) {}

  asio::awaitable<void> run() {
    if (state_.refuse_handshake && state_.refuse_handshake()) {
      co_await refuse_handshake();
      co_return;
    }
    if (!co_await handshake()) co_return;
    const bool graceful = co_await serve_requests();
    if (graceful) co_await shutdown();
  }

 private:
  static std::string remote(const tcp::socket& socket) {
    boost::system::error_code ec;
    const auto endpoint = socket.remote_endpoint(ec);
    return ec ? std::string("?") : format_endpoint(endpoint);
  }

  beast::tcp_stream& transport() { return beast::get_lowest_layer(stream_); }

  asio::awaitable<bool> handshake() {
    stream_.set_verify_callback([this](bool preverified, asio::ssl::verify_context& context) {
      if (!preverified && !rejected_) rejected_ = verify_failure(context.native_handle());
      return preverified;
    });
    boost::system::error_code ec;
    transport().expires_after(state_.settings.idle_timeout);
    co_await stream_.async_handshake(asio::ssl::stream_base::server, use_ec(ec));
    if (ec) {
      ++state_.stats.failed_handshakes;
      logf("conn {} from {}: handshake failed: {}", id_, peer_, handshake_failure(ec, rejected_));
      co_return false;
    }
    SSL* ssl = stream_.native_handle();
    info_.connection_id = id_;
    info_.tls_version = SSL_get_version(ssl);
    info_.resumed = SSL_session_reused(ssl) == 1;
    info_.peer = peer_identity(ssl);
    ++state_.stats.handshakes;
    if (info_.resumed) ++state_.stats.resumed_handshakes;
    logf("conn {} from {}: handshake {}", id_, peer_, handshake_summary(info_));
    co_return true;
  }

  // Reads the ClientHello's first record and answers with a fatal handshake_failure alert
  // (RFC 8446 §6.2), as a TLS front end refusing a client does.
  asio::awaitable<void> refuse_handshake() {
    ++state_.stats.failed_handshakes;
    std::array<unsigned char, 512> hello{};
    boost::system::error_code ec;
    transport().expires_after(state_.settings.idle_timeout);
    co_await transport().async_read_some(asio::buffer(hello), use_ec(ec));
    static constexpr std::array<unsigned char, 7> kAlert{0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
    co_await asio::async_write(transport(), asio::buffer(kAlert), use_ec(ec));
    transport().socket().shutdown(tcp::socket::shutdown_both, ec);
    logf("conn {} from {}: handshake refused (fault: handshake_failure alert)", id_, peer_);
  }

  // Ends the connection with a TCP RST: SO_LINGER 0, then close.
  void reset() {
    boost::system::error_code ec;
    transport().socket().set_option(asio::socket_base::linger(true, 0), ec);
    transport().socket().close(ec);
  }

  // The response in pieces with a pause before each but the first.
  asio::awaitable<boost::system::error_code> write_trickled(const Reply& reply) {
    std::ostringstream serialized;
    serialized << reply.response;
    const std::string bytes = serialized.str();
    boost::system::error_code ec;
    for (std::size_t at = 0; at < bytes.size() && !ec; at += reply.trickle_bytes) {
      if (at > 0) {
        asio::steady_timer timer(stream_.get_executor(), reply.trickle_pause);
        co_await timer.async_wait(use_ec(ec));
      }
      const auto piece = std::min(reply.trickle_bytes, bytes.size() - at);
      transport().expires_after(state_.settings.idle_timeout);
      co_await asio::async_write(stream_, asio::buffer(bytes.data() + at, piece), use_ec(ec));
    }
    co_return ec;
  }

  // True when the connection should end with a TLS close_notify.
  asio::awaitable<bool> serve_requests() {
    beast::flat_buffer buffer;
    for (std::uint64_t n = 1;; ++n) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(kHeaderLimit);
      parser.body_limit(kBodyLimit);
      boost::system::error_code ec;
      transport().expires_after(state_.settings.idle_timeout);
      co_await http::async_read(stream_, buffer, parser, use_ec(ec));
      if (ec == beast::error::timeout) {
        // The timeout already closed the socket: no close_notify is possible.
        logf("conn {}: idle for {} s, closed", id_, state_.settings.idle_timeout.count());
        co_return false;
      }
      if (quiet_end(ec)) co_return false;
      if (ec) {
        logf("conn {} #{}: bad request: {}", id_, n, ec.message());
        co_await write_error(read_error_status(ec));
        co_return true;
      }
      ++state_.stats.requests;
      info_.request_on_connection = n;
      const Request request = parser.release();
      Reply reply = state_.handler(request, info_);
      if (reply.delay.count() > 0) {
        asio::steady_timer timer(stream_.get_executor(), reply.delay);
        co_await timer.async_wait(use_ec(ec));
      }
      if (reply.reset_connection) {
        logf("conn {} #{}: {} {} -> reset (fault)", id_, n,
             std::string_view(request.method_string()), std::string_view(request.target()));
        reset();
        co_return false;
      }
      const bool last = state_.settings.close_after && n >= *state_.settings.close_after;
      const bool keep_alive = request.keep_alive() && !last;
      finish_headers(reply.response, state_.settings, keep_alive);
      if (reply.trickle_bytes > 0) {
        ec = co_await write_trickled(reply);
      } else {
        transport().expires_after(state_.settings.idle_timeout);
        co_await http::async_write(stream_, reply.response, use_ec(ec));
      }
      logf("conn {} #{}: {} {} -> {}", id_, n, std::string_view(request.method_string()),
           std::string_view(request.target()), reply.response.result_int());
      if (ec) {
        if (!quiet_end(ec)) logf("conn {}: write failed: {}", id_, ec.message());
        co_return false;
      }
      if (!keep_alive) co_return true;
    }
  }

  // For a request that could not be read: answered, then the connection ends.
  asio::awaitable<void> write_error(http::status status) {
    Response response(status, 11);
    response.set(http::field::content_type, "application/json");
    response.body() = fmt::format(R"({{"error":"{}"}})", http::obsolete_reason(status));
    response.prepare_payload();
    finish_headers(response, state_.settings, false);
    boost::system::error_code ec;
    transport().expires_after(state_.settings.idle_timeout);
    co_await http::async_write(stream_, response, use_ec(ec));
  }

  // Sends close_notify; waits briefly for the client's, which many clients never send.
  asio::awaitable<void> shutdown() {
    boost::system::error_code ec;
    transport().expires_after(kShutdownTimeout);
    co_await stream_.async_shutdown(use_ec(ec));
  }

  ServerState& state_;
  const std::uint64_t id_;
  const std::string peer_;
  Stream stream_;
  ConnectionInfo info_;
  std::optional<VerifyFailure> rejected_;  // the first certificate the verifier refused
};

asio::awaitable<void> serve(tcp::socket socket, ServerState& state) {
  Connection connection(std::move(socket), state);
  co_await connection.run();
}

}  // namespace

void start_tls_connection(tcp::socket socket, ServerState& state) {
  ++state.stats.connections;
  auto executor = socket.get_executor();
  asio::co_spawn(executor, serve(std::move(socket), state),
                 [](const std::exception_ptr& error) { log_exception("connection", error); });
}

}  // namespace onshi::sim::tlsserver
