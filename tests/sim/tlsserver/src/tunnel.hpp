// The CONNECT proxy's relay: bytes both ways until both directions have ended.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace onshi::sim::tlsserver {

// An end of stream from one side becomes a half-close (shutdown of sending) towards the other, and
// the other direction keeps flowing; an error on either side closes both.
boost::asio::awaitable<void> relay(boost::asio::ip::tcp::socket client,
                                   boost::asio::ip::tcp::socket target);

}  // namespace onshi::sim::tlsserver
