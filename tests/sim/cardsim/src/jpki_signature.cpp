#include "jpki_signature.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include <memory>
#include <string>

#include "onshi/sim/ossl.hpp"

namespace onshi::sim::jpki {
namespace {

constexpr std::size_t kPkcs1Overhead = 11;  // RFC 8017 §9.2: k − 11 bytes of DigestInfo at most
constexpr std::size_t kMaxMessage = 255;    // §1.5: messages fit one short APDU
constexpr std::size_t kSha256Size = 32;

enum class Padding : std::uint8_t { pkcs1_raw, pkcs1_digest_info, pss };

Bytes sha256(ByteView message) {
  Bytes digest(kSha256Size);
  SHA256(message.data(), message.size(), digest.data());
  return digest;
}

std::optional<Bytes> sign_with(EVP_PKEY* key, Padding padding, ByteView input) {
  const ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new(key, nullptr));
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) <= 0) return std::nullopt;
  const int rsa_padding = padding == Padding::pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING;
  if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), rsa_padding) <= 0) return std::nullopt;
  // With a digest set, OpenSSL builds the DigestInfo (or the PSS encoding) around the hash;
  // without one it pads the input verbatim, which is P1 00 and 01.
  if (padding != Padding::pkcs1_raw) {
    if (EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) <= 0) return std::nullopt;
  }
  if (padding == Padding::pss &&
      EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), RSA_PSS_SALTLEN_DIGEST) <= 0) {
    return std::nullopt;
  }
  std::size_t size = 0;
  if (EVP_PKEY_sign(ctx.get(), nullptr, &size, input.data(), input.size()) <= 0) {
    return std::nullopt;
  }
  Bytes signature(size);
  if (EVP_PKEY_sign(ctx.get(), signature.data(), &size, input.data(), input.size()) <= 0) {
    return std::nullopt;
  }
  signature.resize(size);
  return signature;
}

struct EcdsaSigDeleter {
  void operator()(ECDSA_SIG* sig) const noexcept { ECDSA_SIG_free(sig); }
};

// DER ECDSA-Sig-Value → r || s, each `size` bytes.
std::optional<Bytes> raw_from_der(ByteView der, std::size_t size) {
  const unsigned char* p = der.data();
  const std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter> sig(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return std::nullopt;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  Bytes out(2 * size);
  if (BN_bn2binpad(r, out.data(), static_cast<int>(size)) < 0 ||
      BN_bn2binpad(s, out.data() + size, static_cast<int>(size)) < 0) {
    return std::nullopt;
  }
  return out;
}

}  // namespace

std::optional<KeyType> key_type_of(EVP_PKEY* key) {
  if (key == nullptr) return std::nullopt;
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) return KeyType::rsa;
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return std::nullopt;
  char curve[64] = {};
  std::size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof curve,
                                     &length) != 1) {
    return std::nullopt;
  }
  if (std::string(curve, length) != SN_secp384r1) return std::nullopt;
  return KeyType::ec_p384;
}

SignatureResult compute_ecdsa_p384(EVP_PKEY* key, ByteView hash) {
  if (key_type_of(key) != KeyType::ec_p384) return {};
  if (hash.size() != kP384HashSize) return {SignatureOutcome::bad_input, {}};
  const ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new(key, nullptr));
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) <= 0) return {};
  // No digest set: the input is taken as the hash, which is what the card is given.
  std::size_t size = 0;
  if (EVP_PKEY_sign(ctx.get(), nullptr, &size, hash.data(), hash.size()) <= 0) return {};
  Bytes der(size);
  if (EVP_PKEY_sign(ctx.get(), der.data(), &size, hash.data(), hash.size()) <= 0) return {};
  der.resize(size);
  auto raw = raw_from_der(der, kP384CoordinateSize);
  if (!raw) return {};
  return {SignatureOutcome::ok, std::move(*raw)};
}

SignatureResult compute_signature(EVP_PKEY* key, std::uint8_t scheme, ByteView input) {
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) return {};
  const auto modulus_bytes = static_cast<std::size_t>(EVP_PKEY_get_size(key));
  const bool is_hash = input.size() == kSha256Size;
  const bool is_message = !input.empty() && input.size() <= kMaxMessage;

  std::optional<Bytes> signature;
  switch (scheme) {
    case 0x00:
      if (input.empty() || input.size() + kPkcs1Overhead > modulus_bytes) {
        return {SignatureOutcome::bad_input, {}};
      }
      signature = sign_with(key, Padding::pkcs1_raw, input);
      break;
    case 0x01:
      if (!is_message) return {SignatureOutcome::bad_input, {}};
      signature = sign_with(key, Padding::pkcs1_raw, sha256(input));
      break;
    case 0x02:
      if (!is_hash) return {SignatureOutcome::bad_input, {}};
      signature = sign_with(key, Padding::pkcs1_digest_info, input);
      break;
    case 0x03:
      if (!is_message) return {SignatureOutcome::bad_input, {}};
      signature = sign_with(key, Padding::pkcs1_digest_info, sha256(input));
      break;
    case 0x04:
      if (!is_hash) return {SignatureOutcome::bad_input, {}};
      signature = sign_with(key, Padding::pss, input);
      break;
    case 0x05:
      if (!is_message) return {SignatureOutcome::bad_input, {}};
      signature = sign_with(key, Padding::pss, sha256(input));
      break;
    default:
      return {SignatureOutcome::bad_scheme, {}};
  }
  if (!signature) return {SignatureOutcome::failed, {}};
  return {SignatureOutcome::ok, std::move(*signature)};
}

}  // namespace onshi::sim::jpki
