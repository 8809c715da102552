// Secure PIN entry on a reader's pad (PC/SC Part 10 v2.02.09, FEATURE_VERIFY_PIN_DIRECT): the
// patient types the PIN on the reader, the reader builds the VERIFY and the PIN never reaches the
// host. The retry-counter guard of pin.hpp still runs first. The PIN format comes from a table per
// application, never from a template copied from elsewhere: 8 bytes padded with FF would send a
// wrong-length PIN to a card that wants exactly 4 digits (cards-and-readers.md §1.4).
//
// Cancel: PC/SC cannot abort a pad entry in progress (libccid has no abort), so a cancel takes
// effect when the patient presses the pad's cancel key or the pad's timeout runs out.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "onshi/bytes.hpp"
#include "onshi/pcsc/card.hpp"
#include "onshi/pcsc/part10.hpp"
#include "onshi/pcsc/pin.hpp"
#include "onshi/result.hpp"

namespace onshi::pcsc {

struct PinPad {
  std::uint32_t verify_control = 0;  // FEATURE_VERIFY_PIN_DIRECT's control code
  TlvProperties properties;          // from GET_TLV_PROPERTIES, when the reader has it
  // From IFD_PIN_PROPERTIES (Part 10 §2.6.8), when the reader has it: wLcdLayout (0: no
  // display) and bEntryValidationCondition.
  std::optional<std::uint16_t> lcd_layout;
  std::optional<std::uint8_t> entry_validation;
  // How long the patient has at the pad (bTimerOut); the exclusive hold lasts at most this long
  // plus the card's answer.
  std::chrono::seconds timeout{30};
};

// The reader's pad, or nullopt when it has none (no FEATURE_VERIFY_PIN_DIRECT, or a driver that
// refuses the feature request: vpcd, plain readers). A reader that answers with garbage, or a
// failure of the call itself (reader or card gone, timeout), is an error.
Result<std::optional<PinPad>> detect_pin_pad(Card& card);

// How a pad enters one application's PIN (cards-and-readers.md §1.4, §2).
struct PadPinFormat {
  std::uint8_t min_digits = 0;
  std::uint8_t max_digits = 0;
  // true: a block of exactly max_digits ASCII bytes and Lc = max_digits (JPKI: Lc 04, no
  // padding); false: the reader sets Lc from the entered length (HPKI: 4–16).
  bool fixed_length = true;
};
// nullopt for a PIN a numeric pad cannot enter (the JPKI sign password has letters, §1.4).
std::optional<PadPinFormat> pad_pin_format(PinFormat format) noexcept;

// The PIN_VERIFY_STRUCTURE for SCardControl (Part 10 §2.5.2; pcsc-lite's reader.h), with VERIFY
// `00 20 00 <verify_p2>` and no PIN bytes.
Bytes verify_pin_direct_structure(const PinReference& pin_ref, const PadPinFormat& format,
                                  std::chrono::seconds timeout);

// Counter (select, power-down-and-reread on 9000), guard, one VERIFY_PIN_DIRECT. The answer is
// mapped like a host VERIFY's (verify_answer) plus the pad's own: 6400 timeout (Errc::timeout)
// and 6401 cancel key (Errc::cancelled), both without spending a try; 6B80 the reader refused
// the structure. The card must be connected exclusively.
Result<VerifyOutcome> verify_pin_on_pad(Card& card, const PinReference& pin_ref, const PinPad& pad,
                                        const PinPolicy& policy);
// The second half, for cards that want other commands between the counter and VERIFY (HPKI:
// MSE SET), as verify_once is for a host PIN.
Status verify_once_on_pad(Card& card, const PinReference& pin_ref, const PinPad& pad,
                          const PinStatus& before, const PinPolicy& policy);
// Errc::not_supported for a PIN a pad cannot enter.
Status check_pad_can_enter(const PinReference& pin_ref);

}  // namespace onshi::pcsc
