// onshi-eligsim's control listener: plain HTTP/1.1 on loopback, for the tests that drive it
// (faults, token expiry, the record of calls, the data set). Never the eligibility API itself.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <functional>

#include "routes.hpp"

namespace onshi::sim::eligsim {

using ControlHandler = std::function<tlsserver::Reply(const tlsserver::Request&)>;

// Serves `socket` on its executor until the client closes; returns at once.
void start_control_connection(boost::asio::ip::tcp::socket socket, ControlHandler& handler);

}  // namespace onshi::sim::eligsim
