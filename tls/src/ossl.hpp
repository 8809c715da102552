// unique_ptr types for the OpenSSL objects onshi::tls holds, and the error-queue reader.
#pragma once

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <memory>
#include <string>

#include "onshi/c_deleter.hpp"

namespace onshi::tls::ossl {

using Bio = std::unique_ptr<BIO, CDeleter<BIO_free>>;
using X509Ptr = std::unique_ptr<X509, CDeleter<X509_free>>;
using Pkey = std::unique_ptr<EVP_PKEY, CDeleter<EVP_PKEY_free>>;
using Pkcs12 = std::unique_ptr<PKCS12, CDeleter<PKCS12_free>>;
using Store = std::unique_ptr<X509_STORE, CDeleter<X509_STORE_free>>;
using StoreCtx = std::unique_ptr<X509_STORE_CTX, CDeleter<X509_STORE_CTX_free>>;
using Crl = std::unique_ptr<X509_CRL, CDeleter<X509_CRL_free>>;
using SslCtx = std::unique_ptr<SSL_CTX, CDeleter<SSL_CTX_free>>;
using Session = std::unique_ptr<SSL_SESSION, CDeleter<SSL_SESSION_free>>;

inline void free_x509_stack(STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }
using X509Stack = std::unique_ptr<STACK_OF(X509), CDeleter<free_x509_stack>>;

// The oldest queued OpenSSL error as text ("" when none); clears the queue so it cannot leak into
// a later, unrelated message.
inline std::string take_error_text() {
  const unsigned long first = ERR_peek_error();
  std::string text;
  if (first != 0) {
    char buffer[256];
    ERR_error_string_n(first, buffer, sizeof buffer);
    text = buffer;
  }
  ERR_clear_error();
  return text;
}

}  // namespace onshi::tls::ossl
