// A JPKI signature with a PIN typed on the host, all on one exclusive connection that ends with
// the card powered down (cards-and-readers.md §1.4, §1.5): counter, guard, one VERIFY, the
// certificate (the key type comes from it, §1.12), `80 2A 00 80`, SCARD_UNPOWER_CARD.
// With a PinPad the PIN is entered on the reader's pad instead (pin_pad.hpp).
#pragma once

#include "onshi/pcsc/exclusive_card.hpp"
#include "onshi/pcsc/jpki_ap.hpp"
#include "onshi/pcsc/pin_pad.hpp"

namespace onshi::pcsc::jpki {

struct PinSignRequest {
  Key key = Key::auth;
  Bytes message;  // hashed on the host (SHA-256, or SHA-384 for the invented P-384 card)
  PinPolicy policy;
  // Set: the PIN is entered on this pad (secure PIN entry; the auth PIN only, the sign
  // password has letters) and the host PIN stays unused.
  std::optional<PinPad> pad;
  // Set (auth key only): the authentication certificate the caller read earlier. Another one on
  // the card (a card swapped since) is Errc::card_removed before any PIN reaches it.
  std::optional<Bytes> expected_certificate;
};

struct PinSignResult {
  Bytes certificate;  // DER, of the key that signed
  KeyInfo key;
  Bytes signature;  // as the card returned it (RSA: PKCS#1 v1.5; EC: r‖s)
  VerifyOutcome verify;
};

// Signs and then releases `card` (unpowered) whatever happens. The PIN is wiped on return.
Result<PinSignResult> sign_with_pin(ExclusiveCard& card, SecretBytes& pin,
                                    const PinSignRequest& request);

// VERIFY only (a technician's PIN check), then release unpowered. Returns the counter before.
Result<VerifyOutcome> verify_pin_only(ExclusiveCard& card, Key key, SecretBytes& pin,
                                      const PinPolicy& policy);
// The same with the PIN entered on the reader's pad.
Result<VerifyOutcome> verify_pin_only_on_pad(ExclusiveCard& card, Key key, const PinPad& pad,
                                             const PinPolicy& policy);

}  // namespace onshi::pcsc::jpki
