// The HPKI card's signature primitive: the raw RSA private-key operation on a block the host
// has already padded (cards-and-readers.md §2.1 C.6.1 "パディングはカード外で行う"). Internal
// header.
#pragma once

#include <openssl/types.h>

#include <cstdint>

#include "onshi/bytes.hpp"

namespace onshi::sim::hpki {

enum class RawSignatureOutcome : std::uint8_t { ok, wrong_length, not_below_modulus, failed };

struct RawSignature {
  RawSignatureOutcome outcome = RawSignatureOutcome::failed;
  Bytes signature;  // exactly the modulus size
};

// block^d mod n for an RSA key. The block must be exactly as long as the modulus and, read as a
// big-endian number, below it. Its padding is not checked: the card does not look (a block
// that is not EMSA-PKCS1-v1_5 is signed all the same).
RawSignature raw_rsa_private(EVP_PKEY* key, ByteView block);

}  // namespace onshi::sim::hpki
