// The listening side both test servers share: one acceptor per --listen address, the port file a
// test waits for, the accept loops, and running until SIGINT/SIGTERM.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string_view>
#include <vector>

#include "onshi/result.hpp"

namespace onshi::sim::tlsserver {

// Binds and listens on every endpoint, in order. IPv6 acceptors are v6-only, so [::]:P and
// 0.0.0.0:P can both be given.
Result<std::vector<boost::asio::ip::tcp::acceptor>> open_listeners(
    boost::asio::io_context& io, const std::vector<boost::asio::ip::tcp::endpoint>& endpoints);

// The chosen port of every acceptor, in order.
std::vector<std::uint16_t> listening_ports(
    const std::vector<boost::asio::ip::tcp::acceptor>& acceptors);

// Writes the ports one per line (the first --listen first) to a temporary file beside `path` and
// renames it into place, so a reader never sees a partial file.
Status write_port_file(const std::filesystem::path& path, const std::vector<std::uint16_t>& ports);

// Accepts connections until the io_context stops and hands each to `on_accept`. Accept errors
// (out of descriptors, say) are logged and retried after a pause instead of ending the loop.
using AcceptHandler = std::function<void(boost::asio::ip::tcp::socket)>;
void start_accepting(boost::asio::ip::tcp::acceptor& acceptor, AcceptHandler on_accept);

// SIGINT and SIGTERM stop the io_context. Created before the port file is written, so a test
// that signals the moment the file appears is already handled.
class SignalStop {
 public:
  explicit SignalStop(boost::asio::io_context& io);
  // Runs the io_context until a stop signal. Later stop signals are then blocked (left pending),
  // so they cannot turn the clean exit into death by signal.
  void run();

 private:
  boost::asio::io_context& io_;
  boost::asio::signal_set signals_;
};

}  // namespace onshi::sim::tlsserver
