// One client of the CONNECT proxy: read a request head (8 KiB at most), decide, then either
// answer a refusal or connect to the target, answer 200 and relay until both sides are done.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <chrono>

#include "proxy_log.hpp"
#include "proxy_request.hpp"

namespace onshi::sim::tlsserver {

struct ProxySettings {
  ProxyPolicy policy;
  ProxyLog log;
  std::chrono::seconds head_timeout{30};     // for the client to send its request head
  std::chrono::seconds connect_timeout{10};  // for the target to accept
};

// Serves `socket` on its executor; returns at once. `settings` outlives every connection.
void start_proxy_connection(boost::asio::ip::tcp::socket socket, const ProxySettings& settings);

}  // namespace onshi::sim::tlsserver
