#include "hpki_signature.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "onshi/sim/ossl.hpp"

namespace onshi::sim::hpki {
namespace {

using BignumPtr = std::unique_ptr<BIGNUM, ossl::Deleter<BN_free>>;

// The modulus, big-endian, `size` bytes.
std::optional<Bytes> modulus_of(EVP_PKEY* key, std::size_t size) {
  BIGNUM* n = nullptr;
  if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) != 1) return std::nullopt;
  const BignumPtr owned(n);
  Bytes out(size);
  if (BN_bn2binpad(owned.get(), out.data(), static_cast<int>(size)) < 0) return std::nullopt;
  return out;
}

}  // namespace

RawSignature raw_rsa_private(EVP_PKEY* key, ByteView block) {
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) return {};
  const auto size = static_cast<std::size_t>(EVP_PKEY_get_size(key));
  if (block.size() != size) return {RawSignatureOutcome::wrong_length, {}};
  const auto modulus = modulus_of(key, size);
  if (!modulus) return {};
  // Equal-length big-endian byte strings compare like the numbers they encode.
  if (!std::lexicographical_compare(block.begin(), block.end(), modulus->begin(), modulus->end())) {
    return {RawSignatureOutcome::not_below_modulus, {}};
  }
  const ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new(key, nullptr));
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) <= 0 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING) <= 0) {
    return {};
  }
  Bytes signature(size);
  std::size_t written = size;
  if (EVP_PKEY_sign(ctx.get(), signature.data(), &written, block.data(), block.size()) <= 0 ||
      written != size) {
    return {};
  }
  return {RawSignatureOutcome::ok, std::move(signature)};
}

}  // namespace onshi::sim::hpki
