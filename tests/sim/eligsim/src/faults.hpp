// The faults a test switches on in onshi-eligsim through its control listener (PUT /faults), each
// for some routes and a number of uses: added latency, an HTTP 5xx, a connection reset, a refused
// TLS handshake, a slow (trickled) body, a malformed XmlMsg.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "onshi/result.hpp"

namespace onshi::sim::eligsim {

enum class FaultKind { latency, status, reset, handshake, slow_body, malformed };

// The routes faults can name; "handshake" faults apply to connections, not routes.
inline constexpr std::string_view kRouteNames[] = {"auth",   "search",      "challenge",
                                                   "verify", "bulk_submit", "bulk_fetch"};

struct Fault {
  FaultKind kind = FaultKind::latency;
  std::set<std::string, std::less<>> routes;  // empty: every route
  std::uint64_t remaining = 0;                // 0: until cleared
  std::chrono::milliseconds ms{0};            // latency; slow_body: the pause between pieces
  int status = 503;                           // status
  std::size_t bytes = 16;                     // slow_body: piece size
  std::string variant = "truncated";          // malformed: see README "Faults"
};

std::string_view fault_kind_name(FaultKind kind);

// {"faults": [{"kind": "latency", "ms": 200, "routes": ["search"], "count": 3}, ...]}; every
// error names the field (Errc::invalid_argument).
Result<std::vector<Fault>> parse_faults(std::string_view json_text);

class FaultSet {
 public:
  void replace(std::vector<Fault> faults) { faults_ = std::move(faults); }
  void clear() { faults_.clear(); }
  // Uses up one application of every fault of that kind that applies to `route` (or to the
  // connection, for handshake) and returns the first; nullopt when none applies.
  std::optional<Fault> take(FaultKind kind, std::string_view route = {});
  std::string to_json() const;

 private:
  std::vector<Fault> faults_;
};

}  // namespace onshi::sim::eligsim
