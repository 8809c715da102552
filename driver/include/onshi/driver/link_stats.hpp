// A face reader link's counters (onshictl, the benchmark, the tests). Plain data.
#pragma once

#include <cstdint>

namespace onshi::driver {

// What the link went through, for onshictl and the benchmark. Counts since the driver started.
struct LinkStats {
  std::uint64_t commands = 0;
  std::uint64_t retransmissions = 0;  // a command sent again after a reply timeout (§4.2)
  std::uint64_t timeouts = 0;         // replies not seen in time
  std::uint64_t stale_replies = 0;    // replies to an earlier command, dropped (§4.2)
  std::uint64_t naks = 0;
  std::uint64_t stalls_cleared = 0;  // LIBUSB_ERROR_PIPE, then clear halt
  std::uint64_t link_resets = 0;     // RESET after two timeouts
  std::uint64_t device_resets = 0;   // libusb_reset_device
  std::uint64_t events = 0;
  std::uint64_t events_lost = 0;  // gaps in the event numbering (§6.1)
  std::uint64_t undecodable_events = 0;
  std::uint64_t connects = 0;
  std::uint64_t disconnects = 0;
  // PROTOCOL.md §2.2 reports, by FrameFault, on both IN endpoints.
  std::uint64_t frame_faults[5] = {0, 0, 0, 0, 0};
  std::uint64_t unexpected_frames = 0;  // good frames of a type not allowed where they came
};

}  // namespace onshi::driver
