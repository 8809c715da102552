// Keys and self-signed certificates made at test time, and the card's half of a signature done
// in software, so the host-side crypto can be checked without a card.
#pragma once

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>

#include "onshi/bytes.hpp"

namespace onshi::pcsc::testing {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

inline Pkey make_rsa_key(int bits = 2048) { return Pkey(EVP_RSA_gen(static_cast<unsigned>(bits))); }
inline Pkey make_ec_key(const char* curve = "P-384") { return Pkey(EVP_EC_gen(curve)); }

inline Bytes self_signed_certificate(EVP_PKEY* key, const char* cn = "onshi test") {
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 0x1234);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("JP"),
                             -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509_sign(x, key, EVP_sha256());
  unsigned char* der = nullptr;
  const int n = i2d_X509(x, &der);
  Bytes out(der, der + n);
  OPENSSL_free(der);
  X509_free(x);
  return out;
}

inline Bytes spki_of(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(key, &der);
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

// What the card does with `80 2A 00 xx`: PKCS#1 v1.5 type-1 padding over the data as given.
inline Bytes rsa_sign_raw(EVP_PKEY* key, ByteView data) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key, nullptr);
  EVP_PKEY_sign_init(ctx);
  EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING);
  size_t len = 0;
  EVP_PKEY_sign(ctx, nullptr, &len, data.data(), data.size());
  Bytes out(len);
  EVP_PKEY_sign(ctx, out.data(), &len, data.data(), data.size());
  out.resize(len);
  EVP_PKEY_CTX_free(ctx);
  return out;
}

// The invented P-384 card: ECDSA over a given hash, answered as r‖s (48 bytes each).
inline Bytes ecdsa_sign_raw(EVP_PKEY* key, ByteView hash_value) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key, nullptr);
  EVP_PKEY_sign_init(ctx);
  size_t len = 0;
  EVP_PKEY_sign(ctx, nullptr, &len, hash_value.data(), hash_value.size());
  Bytes der(len);
  EVP_PKEY_sign(ctx, der.data(), &len, hash_value.data(), hash_value.size());
  EVP_PKEY_CTX_free(ctx);
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len));
  Bytes out(96);
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), out.data(), 48);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), out.data() + 48, 48);
  ECDSA_SIG_free(sig);
  return out;
}

}  // namespace onshi::pcsc::testing
