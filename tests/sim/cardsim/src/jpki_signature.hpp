// The signature schemes of JPKI's `80 2A` P1 (cards-and-readers.md §1.5), computed with OpenSSL.
#pragma once

#include <openssl/types.h>

#include <cstdint>
#include <optional>

#include "onshi/bytes.hpp"
#include "onshi/sim/jpki.hpp"

namespace onshi::sim::jpki {

enum class SignatureOutcome : std::uint8_t { ok, bad_scheme, bad_input, failed };

struct SignatureResult {
  SignatureOutcome outcome = SignatureOutcome::failed;
  Bytes signature;
};

// P1 00: PKCS#1 v1.5 type 1 over the input as given (a DigestInfo, up to k−11 bytes);
// 01: SHA-256 of the message, bare hash padded; 02: 32-byte SHA-256 → DigestInfo → PKCS#1;
// 03: message → SHA-256 → DigestInfo → PKCS#1; 04: 32-byte hash → PSS; 05: message → PSS.
// Messages for 01/03/05 are at most 255 bytes (one short APDU). RSA keys only.
SignatureResult compute_signature(EVP_PKEY* key, std::uint8_t scheme, ByteView input);

// The ECDSA P-384 variant, invented by onshi (§1.12 gives no commands): exactly the 48-byte
// SHA-384 hash in (else bad_input), r || s out, each 48 bytes big-endian, zero-padded on the left.
SignatureResult compute_ecdsa_p384(EVP_PKEY* key, ByteView hash);

// The key type a persona key is (nullopt: neither RSA nor EC on P-384).
std::optional<KeyType> key_type_of(EVP_PKEY* key);

}  // namespace onshi::sim::jpki
