// Owning pointers for the OpenSSL 3 objects the emulator and its test PKI use, and the one way
// they turn OpenSSL's error queue into an onshi::Error.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "onshi/bytes.hpp"
#include "onshi/result.hpp"

namespace onshi::sim::ossl {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using NamePtr = std::unique_ptr<X509_NAME, Deleter<X509_NAME_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;

// Drains OpenSSL's error queue into one message: "<what>: <first OpenSSL reason>".
Error error(std::string_view what, Errc code = Errc::internal);

// DER X.509 → X509, refusing trailing bytes (a persona must hold exactly one certificate).
Result<X509Ptr> parse_der_certificate(ByteView der);
// PEM ("-----BEGIN CERTIFICATE-----") or DER → DER bytes of one certificate.
Result<Bytes> certificate_to_der(ByteView pem_or_der);
Result<Bytes> to_der(X509* cert);
// An unencrypted PEM private key (PKCS#8 or traditional).
Result<PkeyPtr> parse_pem_private_key(ByteView pem);

// The DER SubjectPublicKeyInfo of a key's public half, and back (refusing trailing bytes).
Result<Bytes> public_key_der(EVP_PKEY* key);
Result<PkeyPtr> parse_public_key_der(ByteView der);

// Standard base64 (RFC 4648 §4) with padding, no line breaks. Decoding accepts exactly that
// canonical form and nothing else.
std::string base64_encode(ByteView bytes);
std::optional<Bytes> base64_decode(std::string_view text);

}  // namespace onshi::sim::ossl
