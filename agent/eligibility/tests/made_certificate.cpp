#include "made_certificate.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <stdexcept>

namespace onshi::eligibility::testing {

tls::ClientIdentity made_identity(std::chrono::seconds from, std::chrono::seconds until) {
  std::shared_ptr<EVP_PKEY> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  X509* x = X509_new();
  if (!key || !x) throw std::runtime_error("OpenSSL cannot make a key");
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), static_cast<long>(from.count()));
  X509_gmtime_adj(X509_getm_notAfter(x), static_cast<long>(until.count()));
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("2714206386"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509_set_pubkey(x, key.get());
  if (X509_sign(x, key.get(), EVP_sha256()) == 0) {
    X509_free(x);
    throw std::runtime_error("OpenSSL cannot sign the certificate");
  }
  return tls::ClientIdentity{tls::Certificate(x), {}, std::move(key), false};
}

}  // namespace onshi::eligibility::testing
