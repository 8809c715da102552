#include "x509_builder.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/rsa.h>

namespace onshi::sim::testpki {
namespace {

using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, ossl::Deleter<GENERAL_NAMES_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, ossl::Deleter<GENERAL_NAME_free>>;

constexpr int kSerialBits = 63;  // positive, 8 bytes at most (RFC 5280 §4.1.2.2)

Status ok_or(int rc, std::string_view what) {
  if (rc <= 0) return ossl::error(what);
  return {};
}

Result<GeneralNamePtr> dirname(const X509_NAME* name) {
  GeneralNamePtr gen(GENERAL_NAME_new());
  X509_NAME* copy = X509_NAME_dup(name);
  if (!gen || copy == nullptr) {
    X509_NAME_free(copy);
    return ossl::error("out of memory");
  }
  GENERAL_NAME_set0_value(gen.get(), GEN_DIRNAME, copy);
  return gen;
}

}  // namespace

Result<ossl::PkeyPtr> generate_ec_p384_key() {
  // EVP_EC_gen: OpenSSL 3's one-call EC key generation on a named curve.
  ossl::PkeyPtr key(EVP_EC_gen(SN_secp384r1));
  if (!key) return ossl::error("EC P-384 key generation");
  return key;
}

Result<ossl::PkeyPtr> generate_rsa_key(int bits) {
  const ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 ||
      EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), bits) <= 0) {
    return ossl::error("RSA key generation set-up");
  }
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &key) <= 0) return ossl::error("RSA key generation");
  return ossl::PkeyPtr(key);
}

Result<ossl::NamePtr> make_name(const NameSpec& spec) {
  ossl::NamePtr name(X509_NAME_new());
  if (!name) return ossl::error("out of memory");
  for (const auto& [field, value] : spec) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(value.data());
    if (X509_NAME_add_entry_by_txt(name.get(), field.c_str(), MBSTRING_UTF8, bytes,
                                   static_cast<int>(value.size()), -1, 0) != 1) {
      return ossl::error("name attribute " + field);
    }
  }
  return name;
}

CertificateBuilder::CertificateBuilder() : cert_(X509_new()) {
  if (cert_) X509_set_version(cert_.get(), X509_VERSION_3);
}

Status CertificateBuilder::set_subject(const NameSpec& subject) {
  ONSHI_TRY_ASSIGN(const ossl::NamePtr name, make_name(subject));
  return ok_or(X509_set_subject_name(cert_.get(), name.get()), "subject");
}

Status CertificateBuilder::set_issuer(const X509_NAME* issuer) {
  return ok_or(X509_set_issuer_name(cert_.get(), issuer), "issuer");
}

Status CertificateBuilder::set_validity(std::chrono::sys_seconds not_before,
                                        std::chrono::sys_seconds not_after) {
  // ASN1_TIME_set picks UTCTime for 1950..2049, which is what §1.2 shows.
  const auto from = static_cast<time_t>(not_before.time_since_epoch().count());
  const auto to = static_cast<time_t>(not_after.time_since_epoch().count());
  if (ASN1_TIME_set(X509_getm_notBefore(cert_.get()), from) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert_.get()), to) == nullptr) {
    return ossl::error("validity");
  }
  return {};
}

Status CertificateBuilder::set_public_key(EVP_PKEY* key) {
  return ok_or(X509_set_pubkey(cert_.get(), key), "public key");
}

Status CertificateBuilder::set_random_serial() {
  std::unique_ptr<BIGNUM, ossl::Deleter<BN_free>> bn(BN_new());
  if (!bn || BN_rand(bn.get(), kSerialBits, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) != 1) {
    return ossl::error("serial");
  }
  if (BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert_.get())) == nullptr) {
    return ossl::error("serial");
  }
  return {};
}

Status CertificateBuilder::add(int nid, void* value, bool critical) {
  return ok_or(X509_add1_ext_i2d(cert_.get(), nid, value, critical ? 1 : 0, X509V3_ADD_APPEND),
               "extension");
}

Status CertificateBuilder::add_key_usage(bool critical, std::initializer_list<int> bits) {
  std::unique_ptr<ASN1_BIT_STRING, ossl::Deleter<ASN1_BIT_STRING_free>> usage(
      ASN1_BIT_STRING_new());
  if (!usage) return ossl::error("out of memory");
  for (int bit : bits) {
    if (ASN1_BIT_STRING_set_bit(usage.get(), bit, 1) != 1) return ossl::error("key usage");
  }
  return add(NID_key_usage, usage.get(), critical);
}

Status CertificateBuilder::add_basic_constraints_ca() {
  std::unique_ptr<BASIC_CONSTRAINTS, ossl::Deleter<BASIC_CONSTRAINTS_free>> bc(
      BASIC_CONSTRAINTS_new());
  if (!bc) return ossl::error("out of memory");
  bc->ca = 0xFF;  // DER TRUE; no pathLenConstraint (§1.5)
  return add(NID_basic_constraints, bc.get(), true);
}

Status CertificateBuilder::add_dirname_alt_name(int nid, const NameSpec& name) {
  ONSHI_TRY_ASSIGN(const ossl::NamePtr dn, make_name(name));
  ONSHI_TRY_ASSIGN(GeneralNamePtr gen, dirname(dn.get()));
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (!names || sk_GENERAL_NAME_push(names.get(), gen.get()) == 0) return ossl::error("alt name");
  gen.release();
  return add(nid, names.get(), false);
}

Status CertificateBuilder::add_other_name_san(const std::vector<OtherName>& entries) {
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (!names) return ossl::error("out of memory");
  for (const OtherName& entry : entries) {
    GeneralNamePtr gen(GENERAL_NAME_new());
    ASN1_OBJECT* oid = OBJ_txt2obj(entry.oid.c_str(), 1);
    ASN1_TYPE* value = ASN1_TYPE_new();
    ASN1_UTF8STRING* text = ASN1_UTF8STRING_new();
    if (!gen || oid == nullptr || value == nullptr || text == nullptr ||
        ASN1_STRING_set(text, entry.utf8_value.data(), static_cast<int>(entry.utf8_value.size())) != 1) {
      ASN1_OBJECT_free(oid);
      ASN1_TYPE_free(value);
      ASN1_UTF8STRING_free(text);
      return ossl::error("otherName");
    }
    ASN1_TYPE_set(value, V_ASN1_UTF8STRING, text);  // value owns text now
    if (GENERAL_NAME_set0_othername(gen.get(), oid, value) != 1) {
      ASN1_OBJECT_free(oid);
      ASN1_TYPE_free(value);
      return ossl::error("otherName");
    }
    if (sk_GENERAL_NAME_push(names.get(), gen.get()) == 0) return ossl::error("otherName");
    gen.release();
  }
  return add(NID_subject_alt_name, names.get(), false);
}

Status CertificateBuilder::add_policy(const char* oid, const char* cps_uri, bool critical) {
  std::unique_ptr<CERTIFICATEPOLICIES, ossl::Deleter<CERTIFICATEPOLICIES_free>> policies(
      sk_POLICYINFO_new_null());
  POLICYINFO* info = POLICYINFO_new();
  if (!policies || info == nullptr || sk_POLICYINFO_push(policies.get(), info) == 0) {
    POLICYINFO_free(info);
    return ossl::error("policy");
  }
  info->policyid = OBJ_txt2obj(oid, 1);
  info->qualifiers = sk_POLICYQUALINFO_new_null();
  POLICYQUALINFO* qualifier = POLICYQUALINFO_new();
  if (info->policyid == nullptr || info->qualifiers == nullptr || qualifier == nullptr ||
      sk_POLICYQUALINFO_push(info->qualifiers, qualifier) == 0) {
    POLICYQUALINFO_free(qualifier);
    return ossl::error("policy");
  }
  qualifier->pqualid = OBJ_nid2obj(NID_id_qt_cps);
  qualifier->d.cpsuri = ASN1_IA5STRING_new();
  if (qualifier->d.cpsuri == nullptr ||
      ASN1_STRING_set(qualifier->d.cpsuri, cps_uri, -1) != 1) {
    return ossl::error("policy CPS");
  }
  return add(NID_certificate_policies, policies.get(), critical);
}

Status CertificateBuilder::add_crl_dirname(const X509_NAME* name) {
  std::unique_ptr<CRL_DIST_POINTS, ossl::Deleter<CRL_DIST_POINTS_free>> points(
      sk_DIST_POINT_new_null());
  DIST_POINT* point = DIST_POINT_new();
  if (!points || point == nullptr || sk_DIST_POINT_push(points.get(), point) == 0) {
    DIST_POINT_free(point);
    return ossl::error("CRL distribution point");
  }
  point->distpoint = DIST_POINT_NAME_new();
  if (point->distpoint == nullptr) return ossl::error("out of memory");
  point->distpoint->type = 0;  // fullName
  GeneralNamesPtr full(sk_GENERAL_NAME_new_null());
  ONSHI_TRY_ASSIGN(GeneralNamePtr gen, dirname(name));
  if (!full || sk_GENERAL_NAME_push(full.get(), gen.get()) == 0) return ossl::error("CRLDP");
  gen.release();
  point->distpoint->name.fullname = full.release();
  return add(NID_crl_distribution_points, points.get(), false);
}

Status CertificateBuilder::add_crl_uri(const std::string& uri) {
  std::unique_ptr<CRL_DIST_POINTS, ossl::Deleter<CRL_DIST_POINTS_free>> points(
      sk_DIST_POINT_new_null());
  DIST_POINT* point = DIST_POINT_new();
  if (!points || point == nullptr || sk_DIST_POINT_push(points.get(), point) == 0) {
    DIST_POINT_free(point);
    return ossl::error("CRL distribution point");
  }
  point->distpoint = DIST_POINT_NAME_new();
  if (point->distpoint == nullptr) return ossl::error("out of memory");
  point->distpoint->type = 0;  // fullName
  GeneralNamesPtr full(sk_GENERAL_NAME_new_null());
  GeneralNamePtr gen(GENERAL_NAME_new());
  ASN1_IA5STRING* text = ASN1_IA5STRING_new();
  if (!full || !gen || text == nullptr ||
      ASN1_STRING_set(text, uri.data(), static_cast<int>(uri.size())) != 1) {
    ASN1_IA5STRING_free(text);
    return ossl::error("CRLDP URI");
  }
  GENERAL_NAME_set0_value(gen.get(), GEN_URI, text);  // gen owns text now
  if (sk_GENERAL_NAME_push(full.get(), gen.get()) == 0) return ossl::error("CRLDP");
  gen.release();
  point->distpoint->name.fullname = full.release();
  return add(NID_crl_distribution_points, points.get(), false);
}

Status CertificateBuilder::add_der_extension(int nid, ByteView value, bool critical) {
  std::unique_ptr<ASN1_OCTET_STRING, ossl::Deleter<ASN1_OCTET_STRING_free>> octets(
      ASN1_OCTET_STRING_new());
  if (!octets ||
      ASN1_OCTET_STRING_set(octets.get(), value.data(), static_cast<int>(value.size())) != 1) {
    return ossl::error("extension value");
  }
  X509_EXTENSION* ext = X509_EXTENSION_create_by_NID(nullptr, nid, critical ? 1 : 0, octets.get());
  if (ext == nullptr) return ossl::error("extension");
  const int rc = X509_add_ext(cert_.get(), ext, -1);
  X509_EXTENSION_free(ext);
  return ok_or(rc, "extension");
}

Status CertificateBuilder::add_key_identifier(int nid, const char* value, X509* issuer) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert_.get(), cert_.get(), nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return ossl::error("key identifier");
  const int rc = X509_add_ext(cert_.get(), ext, -1);
  X509_EXTENSION_free(ext);
  return ok_or(rc, "key identifier");
}

Result<ossl::X509Ptr> CertificateBuilder::sign(EVP_PKEY* issuer_key) {
  if (X509_sign(cert_.get(), issuer_key, EVP_sha256()) <= 0) return ossl::error("signing");
  return std::move(cert_);
}

}  // namespace onshi::sim::testpki
