// The Date header of the TLS test server (RFC 9110 §5.6.7), shiftable to test clock-skew checks.
#pragma once

#include <chrono>
#include <string>

namespace onshi::sim::tlsserver {

// IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT"; independent of the locale and time zone.
std::string imf_fixdate(std::chrono::system_clock::time_point time);

}  // namespace onshi::sim::tlsserver
