#include "onshi/pcsc/card_present_proof.hpp"

#include <fmt/format.h>

#include "onshi/pcsc/card_crypto.hpp"
#include "onshi/pcsc/kenmen_ap.hpp"

namespace onshi::pcsc {

Result<Bytes> card_present_message(ByteView challenge, ByteView auth_certificate_der) {
  if (challenge.size() < kMinChallengeSize || challenge.size() > kMaxChallengeSize) {
    return fail(Errc::invalid_argument,
                fmt::format("a challenge of {} bytes (allowed: {}..{})", challenge.size(),
                            kMinChallengeSize, kMaxChallengeSize));
  }
  if (auth_certificate_der.empty())
    return fail(Errc::invalid_argument, "no authentication certificate");
  Bytes message(challenge.begin(), challenge.end());
  const Bytes cert_hash = hash(HashAlgorithm::sha256, auth_certificate_der);
  message.insert(message.end(), cert_hash.begin(), cert_hash.end());
  return message;
}

Result<Bytes> card_present_digest_info(ByteView challenge, ByteView auth_certificate_der) {
  ONSHI_TRY_ASSIGN(const Bytes message, card_present_message(challenge, auth_certificate_der));
  return digest_info(HashAlgorithm::sha256, hash(HashAlgorithm::sha256, message));
}

Result<Bytes> prove_card_present(Card& card, ByteView challenge, ByteView auth_certificate_der) {
  ONSHI_TRY_ASSIGN(const Bytes input, card_present_digest_info(challenge, auth_certificate_der));
  return kenmen::sign_pin_less(card, input);
}

Status verify_card_present_proof(ByteView card_present_spki_der, ByteView challenge,
                                 ByteView auth_certificate_der, ByteView signature) {
  ONSHI_TRY_ASSIGN(const Bytes message, card_present_message(challenge, auth_certificate_der));
  ONSHI_TRY_ASSIGN(const KeyInfo key, public_key_info(card_present_spki_der));
  if (key.kind != KeyInfo::Kind::rsa) {
    return fail(Errc::not_supported,
                fmt::format("card-present key is {}, the proof is defined for RSA", key.name()));
  }
  auto ok = verify_signature_spki(card_present_spki_der, HashAlgorithm::sha256, message, signature);
  if (!ok)
    return fail(Errc::card_data_invalid,
                "the card-present proof does not verify: another card, "
                "another certificate or another challenge");
  return {};
}

}  // namespace onshi::pcsc
