#include "proxy_connection.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include <optional>
#include <string>

#include "host_port.hpp"
#include "log_line.hpp"
#include "tunnel.hpp"

namespace onshi::sim::tlsserver {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

constexpr std::uint32_t kHeaderLimit = 8 * 1024;

auto use_ec(boost::system::error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

// Nothing was sent, or the client went away: no response, no log line.
bool silent_end(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
         ec == beast::error::timeout;
}

class ProxyConnection {
 public:
  ProxyConnection(tcp::socket socket, const ProxySettings& settings)
      : settings_(settings), client_(std::move(socket)) {}

  asio::awaitable<void> run() {
    for (;;) {
      http::request_parser<http::empty_body> parser;
      parser.header_limit(kHeaderLimit);
      boost::system::error_code ec;
      client_.expires_after(settings_.head_timeout);
      co_await http::async_read_header(client_, buffer_, parser, use_ec(ec));
      if (silent_end(ec)) co_return;
      if (ec) {
        settings_.log.append(proxy_log_line("-", "-", ProxyOutcome::bad_request));
        co_await respond(refusal_response(ProxyOutcome::bad_request, false));
        co_return;
      }
      const auto& head = parser.get();
      const std::string method(head.method_string());
      const std::string target(head.target());
      std::optional<std::string_view> authorization;
      if (auto it = head.find(http::field::proxy_authorization); it != head.end()) {
        authorization = it->value();
      }
      const ProxyDecision decision = decide(method, target, authorization, settings_.policy);
      if (decision.outcome == ProxyOutcome::ok) {
        co_await tunnel(method, target, decision.target);
        co_return;
      }
      settings_.log.append(proxy_log_line(method, target, decision.outcome));
      // Only a 407 keeps the connection, for the client's retry with credentials.
      const bool keep_alive =
          decision.outcome == ProxyOutcome::unauthorized && head.keep_alive() && parser.is_done();
      co_await respond(refusal_response(decision.outcome, keep_alive));
      if (!keep_alive) co_return;
    }
  }

 private:
  asio::awaitable<bool> respond(std::string_view text) {
    boost::system::error_code ec;
    client_.expires_after(settings_.head_timeout);
    co_await asio::async_write(client_, asio::buffer(text), use_ec(ec));
    co_return !ec;
  }

  asio::awaitable<void> tunnel(const std::string& method, const std::string& target_text,
                               const HostPort& target) {
    auto executor = co_await asio::this_coro::executor;
    boost::system::error_code ec;
    tcp::resolver resolver(executor);
    const auto endpoints =
        co_await resolver.async_resolve(target.host, std::to_string(target.port), use_ec(ec));
    beast::tcp_stream upstream(executor);
    if (!ec) {
      upstream.expires_after(settings_.connect_timeout);
      co_await upstream.async_connect(endpoints, use_ec(ec));
    }
    if (ec) {
      logf("{} {}: {}", method, target_text, ec.message());
      settings_.log.append(proxy_log_line(method, target_text, ProxyOutcome::failed));
      co_await respond(refusal_response(ProxyOutcome::failed, false));
      co_return;
    }
    settings_.log.append(proxy_log_line(method, target_text, ProxyOutcome::ok));
    boost::system::error_code ignored;
    upstream.socket().set_option(asio::ip::tcp::no_delay(true), ignored);  // relay at once
    if (!co_await respond(established_response())) co_return;
    // Bytes the client sent right behind its head (a pipelined ClientHello) go first.
    if (buffer_.size() > 0) {
      upstream.expires_after(settings_.connect_timeout);
      co_await asio::async_write(upstream, buffer_.data(), use_ec(ec));
      if (ec) co_return;
      buffer_.consume(buffer_.size());
    }
    client_.expires_never();
    upstream.expires_never();
    co_await relay(client_.release_socket(), upstream.release_socket());
  }

  const ProxySettings& settings_;
  beast::tcp_stream client_;
  beast::flat_buffer buffer_;
};

asio::awaitable<void> serve(tcp::socket socket, const ProxySettings& settings) {
  ProxyConnection connection(std::move(socket), settings);
  co_await connection.run();
}

}  // namespace

void start_proxy_connection(tcp::socket socket, const ProxySettings& settings) {
  auto executor = socket.get_executor();
  asio::co_spawn(executor, serve(std::move(socket), settings),
                 [](const std::exception_ptr& error) { log_exception("proxy connection", error); });
}

}  // namespace onshi::sim::tlsserver
