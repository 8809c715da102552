#include "tunnel.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <memory>

namespace onshi::sim::tlsserver {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr std::size_t kChunk = 16 * 1024;

// Both sockets, owned by whichever direction finishes last.
struct Tunnel {
  tcp::socket client;
  tcp::socket target;

  void abort() {
    boost::system::error_code ignored;
    client.close(ignored);
    target.close(ignored);
  }
};

asio::awaitable<void> pump(std::shared_ptr<Tunnel> tunnel, tcp::socket& from, tcp::socket& to) {
  std::array<char, kChunk> data{};
  for (;;) {
    boost::system::error_code ec;
    const std::size_t n = co_await from.async_read_some(
        asio::buffer(data), asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::eof) {
      to.shutdown(tcp::socket::shutdown_send, ec);
      co_return;
    }
    if (ec) {
      tunnel->abort();
      co_return;
    }
    co_await asio::async_write(to, asio::buffer(data.data(), n),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      tunnel->abort();
      co_return;
    }
  }
}

}  // namespace

asio::awaitable<void> relay(tcp::socket client, tcp::socket target) {
  auto tunnel = std::make_shared<Tunnel>(Tunnel{std::move(client), std::move(target)});
  auto executor = co_await asio::this_coro::executor;
  asio::co_spawn(executor, pump(tunnel, tunnel->target, tunnel->client), asio::detached);
  co_await pump(tunnel, tunnel->client, tunnel->target);
}

}  // namespace onshi::sim::tlsserver
