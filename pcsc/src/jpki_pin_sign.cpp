#include "onshi/pcsc/jpki_pin_sign.hpp"

#include <fmt/format.h>

namespace onshi::pcsc::jpki {
namespace {

// Powers the card down and wipes the PIN on every way out.
struct EndOfHold {
  ExclusiveCard& card;
  SecretBytes& pin;
  ~EndOfHold() {
    pin.clear();
    (void)card.release();
  }
};

Status require_jpki_card(Card& card) {
  ONSHI_TRY_ASSIGN(const Detection d, detect(card));
  if (!d.jpki)
    return fail(Errc::card_unsupported, "not a My Number card: the JPKI AP did not answer SELECT");
  return {};
}

}  // namespace

Result<PinSignResult> sign_with_pin(ExclusiveCard& exclusive, SecretBytes& pin,
                                    const PinSignRequest& request) {
  EndOfHold end{exclusive, pin};
  Card& card = exclusive.card();
  ONSHI_TRY(require_jpki_card(card));
  PinSignResult out;
  if (request.key == Key::auth) {
    // Free to read, so a certificate the host cannot use fails before any PIN is sent.
    ONSHI_TRY_ASSIGN(out.certificate, read_certificate(card, kEfAuthCertificate));
    if (request.expected_certificate && out.certificate != *request.expected_certificate) {
      return fail(Errc::card_removed,
                  "the card on the reader is not the one read before (its authentication "
                  "certificate differs): no PIN was sent to it");
    }
    ONSHI_TRY_ASSIGN(out.key, certificate_key(out.certificate));
  }
  ONSHI_TRY_ASSIGN(out.verify,
                   request.pad ? verify_pin_on_pad(card, pin_reference(request.key), *request.pad,
                                                   request.policy)
                               : verify_pin(card, pin_reference(request.key), pin, request.policy));
  pin.clear();
  if (request.key == Key::sign) {
    // The sign certificate is readable only after its password (§1.3).
    ONSHI_TRY_ASSIGN(out.certificate, read_certificate(card, kEfSignCertificate));
    ONSHI_TRY_ASSIGN(out.key, certificate_key(out.certificate));
  }
  ONSHI_TRY_ASSIGN(const Bytes input, signature_input(out.key, request.message));
  ONSHI_TRY_ASSIGN(out.signature, compute_signature(card, request.key, out.key, input));
  ONSHI_TRY(exclusive.release());
  return out;
}

namespace {

// VERIFY alone on the JPKI AP, then the card released unpowered and the PIN wiped.
template <typename Verify>
Result<VerifyOutcome> verify_only(ExclusiveCard& exclusive, SecretBytes& pin, Verify&& verify) {
  EndOfHold end{exclusive, pin};
  ONSHI_TRY(require_jpki_card(exclusive.card()));
  ONSHI_TRY_ASSIGN(VerifyOutcome outcome, verify(exclusive.card()));
  ONSHI_TRY(exclusive.release());
  return outcome;
}

}  // namespace

Result<VerifyOutcome> verify_pin_only(ExclusiveCard& exclusive, Key key, SecretBytes& pin,
                                      const PinPolicy& policy) {
  return verify_only(exclusive, pin,
                     [&](Card& card) { return verify_pin(card, pin_reference(key), pin, policy); });
}

Result<VerifyOutcome> verify_pin_only_on_pad(ExclusiveCard& exclusive, Key key, const PinPad& pad,
                                             const PinPolicy& policy) {
  SecretBytes none;  // the PIN is on the pad
  return verify_only(exclusive, none, [&](Card& card) {
    return verify_pin_on_pad(card, pin_reference(key), pad, policy);
  });
}

}  // namespace onshi::pcsc::jpki
