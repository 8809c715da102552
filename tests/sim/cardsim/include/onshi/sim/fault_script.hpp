// Misbehaviour the vpcd transport can be told to show, so the host's error paths get exercised.
// APDUs are numbered from 1 after each insert(); control frames are not counted. Each numbered
// fault fires once and is then disarmed, so a re-inserted card behaves again.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace onshi::sim {

enum class GarbageKind : std::uint8_t {
  one_byte,      // a 1-byte reply: shorter than any R-APDU (which needs SW1 SW2)
  random_bytes,  // 1..300 random bytes
};

struct FaultScript {
  // Close the connection (= card removed) instead of answering APDU n.
  std::optional<std::uint64_t> remove_at_apdu;
  // Answer APDU n with garbage instead of the card's R-APDU.
  std::optional<std::uint64_t> garbage_at_apdu;
  GarbageKind garbage = GarbageKind::one_byte;
  // Warm-reset the card core just before APDU n, so the host finds its selection lost.
  std::optional<std::uint64_t> reset_at_apdu;
  // Never answer APDU n; the connection stays open until remove().
  std::optional<std::uint64_t> mute_at_apdu;
  // Wait this long before every answer (not one-shot).
  std::chrono::milliseconds answer_delay{0};
};

}  // namespace onshi::sim
