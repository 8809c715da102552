// A small builder over OpenSSL's X509 API for the test PKI: names, validity, the extensions the
// JPKI and HPKI profiles use (certificate-profiles.md §1, §2), signing. Test material only.
#pragma once

#include <openssl/x509v3.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "onshi/bytes.hpp"
#include "onshi/result.hpp"
#include "onshi/sim/ossl.hpp"

namespace onshi::sim::testpki {

// Attributes in order, e.g. {{"C", "JP"}, {"O", "JPKI-TEST"}}. Values are UTF-8; OpenSSL's table
// makes C a PrintableString, the default mask makes the others UTF8String (as §1.2 describes).
using NameSpec = std::vector<std::pair<std::string, std::string>>;

Result<ossl::PkeyPtr> generate_rsa_key(int bits);
Result<ossl::PkeyPtr> generate_ec_p384_key();
Result<ossl::NamePtr> make_name(const NameSpec& spec);

struct OtherName {
  std::string oid;
  std::string utf8_value;  // encoded [0] EXPLICIT UTF8String (§1.4)
};

class CertificateBuilder {
 public:
  CertificateBuilder();

  Status set_subject(const NameSpec& subject);
  Status set_issuer(const X509_NAME* issuer);
  Status set_validity(std::chrono::sys_seconds not_before, std::chrono::sys_seconds not_after);
  Status set_public_key(EVP_PKEY* key);
  Status set_random_serial();

  // Extensions are appended in call order (the profiles fix an order, SKI last).
  Status add_key_usage(bool critical, std::initializer_list<int> bits);
  Status add_basic_constraints_ca();
  Status add_dirname_alt_name(int nid, const NameSpec& name);  // SAN or IAN with one dirName
  Status add_other_name_san(const std::vector<OtherName>& names);
  Status add_policy(const char* oid, const char* cps_uri, bool critical);
  Status add_crl_dirname(const X509_NAME* name);
  Status add_crl_uri(const std::string& uri);
  // An extension whose value the caller encoded (e.g. HPKI's subjectDirectoryAttributes).
  Status add_der_extension(int nid, ByteView value, bool critical);
  // "hash" for SKI, "keyid:always" for AKI; `issuer` nullptr = self-issued.
  Status add_key_identifier(int nid, const char* value, X509* issuer);

  // Signs with sha256WithRSAEncryption and hands over the certificate.
  Result<ossl::X509Ptr> sign(EVP_PKEY* issuer_key);

  X509* get() const noexcept { return cert_.get(); }

 private:
  Status add(int nid, void* value, bool critical);
  ossl::X509Ptr cert_;
};

}  // namespace onshi::sim::testpki
