// A PIN (key reference) with a retry counter, as cards-and-readers.md §1.4 describes the My
// Number card's: the counter lives as long as the card (resets and power cycles keep it), the
// verified state lives in the card's SecurityState (a warm reset keeps it, power-down clears it).
#pragma once

#include <cstdint>
#include <memory>

#include "onshi/bytes.hpp"
#include "onshi/sim/command_handler.hpp"

namespace onshi::sim {

// The lengths a card accepts for one PIN. A VERIFY outside them is a syntax error: 6700, and no
// try is spent (ISO 7816-4 checks Lc before the reference data). cards-and-readers.md §1.4: the
// JPKI auth PIN is exactly 4 digits, the sign password 6–16; §2.1: HPKI minLength 4, maxLength 16.
struct PinLength {
  std::uint8_t min = 1;
  std::uint8_t max = 255;
};

class PinObject {
 public:
  // `df` is the application DF that owns the reference: verified state is kept per DF.
  // `blocked_sw` answers every VERIFY with data once the counter is 0: 6984 on the My Number
  // card (§1.4); the HPKI guideline also lists 6983 (§2.1).
  PinObject(NodeId df, std::uint8_t reference, std::shared_ptr<const SecretBytes> value,
            std::uint8_t max_tries, std::uint8_t tries_left, std::uint16_t blocked_sw = 0x6984,
            PinLength length = {});

  // VERIFY without data (§1.4 "read the retry counter"): 9000 when already verified in this
  // session, else 63Cx with x tries left (63C0 when blocked). Never spends a try.
  std::uint16_t query(const SecurityState& security) const;
  // VERIFY with data (§1.4 "status words for VERIFY"): 6700 for a length outside `length`
  // (nothing spent, nothing compared); blocked_sw once blocked (nothing is
  // compared); right → counter back to max, verified, 9000; wrong → one try less (never below 0),
  // not verified, 63Cx (63C0 for the attempt that blocks it).
  std::uint16_t verify(ByteView presented, SecurityState& security);

  bool verified(const SecurityState& security) const;
  // Takes the verified state back, e.g. after the one signature it allowed (HPKI §2.1 "毎回").
  void consume(SecurityState& security) const;
  std::uint8_t reference() const noexcept { return reference_; }
  NodeId df() const noexcept { return df_; }
  std::uint8_t tries_left() const noexcept { return tries_left_; }
  std::uint8_t max_tries() const noexcept { return max_tries_; }

 private:
  NodeId df_;
  std::uint8_t reference_;
  std::shared_ptr<const SecretBytes> value_;
  std::uint8_t max_tries_;
  std::uint8_t tries_left_;
  std::uint16_t blocked_sw_;
  PinLength length_;
};

}  // namespace onshi::sim
