// The card-present proof: evidence, without a PIN, that the card whose user-authentication
// certificate was read is in the reader now. One definition for the card emulator, the reference
// eligibility service and the agent.
//
// MODELLED BY ONSHI: the real eligibility system's proof is not public. This one: the
// 券面事項入力補助AP's PIN-less key signs, with `80 2A 00 00` (cards-and-readers.md §1.5), the
// SHA-256 DigestInfo of
//
//     server challenge ‖ SHA-256(DER of the JPKI user-authentication certificate)
//
// so a proof is bound to this card (its key), this certificate and this (single-use) challenge.
// It is what makes a face-mode verification more than a copied certificate. The verifier checks
// it with the card-present public key it knows for that certificate (the persona manifest, in
// the simulators). The key is RSA PKCS#1 v1.5; the signature is what the card returns.
#pragma once

#include <cstddef>

#include "onshi/bytes.hpp"
#include "onshi/pcsc/card.hpp"
#include "onshi/result.hpp"

namespace onshi::pcsc {

inline constexpr std::size_t kMinChallengeSize = 16;
inline constexpr std::size_t kMaxChallengeSize = 256;

// challenge ‖ SHA-256(certificate): what the proof signs (through SHA-256 and a DigestInfo).
Result<Bytes> card_present_message(ByteView challenge, ByteView auth_certificate_der);
// The DigestInfo the card is given.
Result<Bytes> card_present_digest_info(ByteView challenge, ByteView auth_certificate_der);

// Asks the card (any state; selects the 券面事項入力補助AP) for the proof. No PIN.
Result<Bytes> prove_card_present(Card& card, ByteView challenge, ByteView auth_certificate_der);

// Errc::card_data_invalid unless `signature` is this proof under `card_present_spki_der`.
Status verify_card_present_proof(ByteView card_present_spki_der, ByteView challenge,
                                 ByteView auth_certificate_der, ByteView signature);

}  // namespace onshi::pcsc
