// The TLS test server's counters, served at /stats so a test can see what its client did on the
// wire (how many handshakes, how many of them resumed).
#pragma once

#include <cstdint>

namespace onshi::sim::tlsserver {

struct ServerStats {
  std::uint64_t connections = 0;  // accepted TCP connections
  std::uint64_t handshakes = 0;   // completed TLS handshakes
  std::uint64_t resumed_handshakes = 0;
  std::uint64_t failed_handshakes = 0;
  std::uint64_t requests = 0;
};

}  // namespace onshi::sim::tlsserver
