#include "listeners.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <csignal>
#include <fstream>
#include <system_error>

#include "host_port.hpp"
#include "log_line.hpp"

namespace onshi::sim::tlsserver {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, AcceptHandler on_accept) {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket =
        co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      logf("accept on {}: {}", format_endpoint(acceptor.local_endpoint()), ec.message());
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    // Without TCP_NODELAY the answer waits behind the unacknowledged TLS 1.3 session tickets
    // for the client's delayed ACK: 40 ms per new connection on loopback.
    socket.set_option(tcp::no_delay(true), ec);
    on_accept(std::move(socket));
  }
}

}  // namespace

Result<std::vector<tcp::acceptor>> open_listeners(asio::io_context& io,
                                                  const std::vector<tcp::endpoint>& endpoints) {
  std::vector<tcp::acceptor> acceptors;
  for (const auto& endpoint : endpoints) {
    tcp::acceptor acceptor(io);
    boost::system::error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec && endpoint.address().is_v6()) acceptor.set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return fail(Errc::io,
                  fmt::format("cannot listen on {}: {}", format_endpoint(endpoint), ec.message()));
    }
    acceptors.push_back(std::move(acceptor));
  }
  return acceptors;
}

std::vector<std::uint16_t> listening_ports(const std::vector<tcp::acceptor>& acceptors) {
  std::vector<std::uint16_t> ports;
  for (const auto& acceptor : acceptors) {
    boost::system::error_code ec;
    ports.push_back(acceptor.local_endpoint(ec).port());
  }
  return ports;
}

Status write_port_file(const std::filesystem::path& path, const std::vector<std::uint16_t>& ports) {
  auto temporary = path;
  temporary += fmt::format(".{}.tmp", ::getpid());
  {
    std::ofstream out(temporary, std::ios::trunc);
    for (const auto port : ports) out << port << '\n';
    out.close();
    if (!out) return fail(Errc::io, fmt::format("cannot write {}", temporary.string()));
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::filesystem::remove(temporary, ec);
    return fail(Errc::io, fmt::format("cannot rename into {}: {}", path.string(), ec.message()));
  }
  return {};
}

void start_accepting(tcp::acceptor& acceptor, AcceptHandler on_accept) {
  asio::co_spawn(acceptor.get_executor(), accept_loop(acceptor, std::move(on_accept)),
                 [](const std::exception_ptr& error) { log_exception("accept loop", error); });
}

SignalStop::SignalStop(asio::io_context& io) : io_(io), signals_(io, SIGINT, SIGTERM) {
  // A client vanishing mid-write must be an error code, never a SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  signals_.async_wait([this](const boost::system::error_code& ec, int signal_number) {
    if (ec) return;
    logf("signal {}: stopping", signal_number);
    io_.stop();
  });
}

void SignalStop::run() {
  io_.run();
  // Asio's own threads block all signals; the main thread now does too.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
}

}  // namespace onshi::sim::tlsserver
