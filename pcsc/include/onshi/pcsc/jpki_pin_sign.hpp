// A JPKI signature with a PIN typed on the host, all on one exclusive connection that ends with
// the card powered down (cards-and-readers.md §1.4, §1.5): counter, guard, one VERIFY, the
// certificate (the key type comes from it, §1.12), `80 2A 00 80`, SCARD_UNPOWER_CARD.
// Secure PIN entry on a reader's pad (the PIN never reaches the host) plugs in beside this later.
#pragma once

#include "onshi/pcsc/exclusive_card.hpp"
#include "onshi/pcsc/jpki_ap.hpp"

namespace onshi::pcsc::jpki {

struct PinSignRequest {
  Key key = Key::auth;
  Bytes message;  // hashed on the host (SHA-256, or SHA-384 for the invented P-384 card)
  PinPolicy policy;
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

}  // namespace onshi::pcsc::jpki
