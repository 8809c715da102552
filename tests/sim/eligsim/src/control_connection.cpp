#include "control_connection.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "log_line.hpp"

namespace onshi::sim::eligsim {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

asio::awaitable<void> serve(asio::ip::tcp::socket socket, ControlHandler& handler) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(1024 * 1024);
    boost::system::error_code ec;
    stream.expires_after(std::chrono::seconds(60));
    co_await http::async_read(stream, buffer, parser,
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    const auto request = parser.release();
    auto reply = handler(request);
    reply.response.keep_alive(request.keep_alive());
    co_await http::async_write(stream, reply.response,
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !request.keep_alive()) co_return;
  }
}

}  // namespace

void start_control_connection(asio::ip::tcp::socket socket, ControlHandler& handler) {
  auto executor = socket.get_executor();
  asio::co_spawn(executor, serve(std::move(socket), handler), [](const std::exception_ptr& e) {
    tlsserver::log_exception("control connection", e);
  });
}

}  // namespace onshi::sim::eligsim
