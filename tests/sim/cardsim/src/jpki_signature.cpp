#include "jpki_signature.hpp"

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

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

}  // namespace

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
