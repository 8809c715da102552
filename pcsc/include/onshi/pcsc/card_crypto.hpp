// The host's share of card signatures: hashes, DigestInfo, the key type of a card certificate
// (never assume RSA: the 2026 My Number card moves to ECDSA P-384, cards-and-readers.md §1.12),
// and checking a signature against a certificate or public key. OpenSSL 3 underneath.
#pragma once

#include <cstdint>
#include <string>

#include "onshi/bytes.hpp"
#include "onshi/result.hpp"

namespace onshi::pcsc {

enum class HashAlgorithm { sha256, sha384 };

struct KeyInfo {
  enum class Kind { rsa, ec_p384 } kind = Kind::rsa;
  int bits = 0;              // RSA modulus bits, or 384
  std::string name() const;  // "RSA-2048", "ECDSA P-384"
};

Bytes hash(HashAlgorithm algorithm, ByteView data);

// DER DigestInfo = the fixed prefix of cards-and-readers.md §1.5 ‖ the hash.
Result<Bytes> digest_info(HashAlgorithm algorithm, ByteView hash_value);

// The subject public key of a DER certificate / a DER SubjectPublicKeyInfo: RSA (2048 bits or
// more) or EC P-384; anything else is Errc::not_supported, garbage Errc::card_data_invalid.
Result<KeyInfo> certificate_key(ByteView certificate_der);
Result<KeyInfo> public_key_info(ByteView spki_der);

// The SubjectPublicKeyInfo (DER) of a DER certificate.
Result<Bytes> certificate_spki(ByteView certificate_der);

// r‖s (each half the length) → DER ECDSA-Sig-Value, for verifiers that want X9.62 form.
Result<Bytes> ecdsa_raw_to_der(ByteView raw);

// Verifies `signature` over `message` with the key of a certificate / SPKI: RSA PKCS#1 v1.5 with
// `algorithm`; EC with the signature as r‖s or DER. Errc::card_data_invalid when it does not hold.
Status verify_signature(ByteView certificate_der, HashAlgorithm algorithm, ByteView message,
                        ByteView signature);
// The same when only the hash is known (HPKI signs a hash it was given).
Status verify_signature_prehashed(ByteView certificate_der, HashAlgorithm algorithm,
                                  ByteView hash_value, ByteView signature);
Status verify_signature_spki(ByteView spki_der, HashAlgorithm algorithm, ByteView message,
                             ByteView signature);

}  // namespace onshi::pcsc
