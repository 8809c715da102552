#include "onshi/tls/trust.hpp"

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "onshi/japan_time.hpp"
#include "ossl.hpp"

namespace onshi::tls {
namespace {

Result<std::vector<std::shared_ptr<X509_CRL>>> load_crls(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::cert_not_found, fmt::format("{}: cannot be opened", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  const std::string pem = text.str();
  ossl::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::vector<std::shared_ptr<X509_CRL>> out;
  while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr)) {
    out.emplace_back(crl, X509_CRL_free);
  }
  const unsigned long last = ERR_peek_last_error();
  const bool clean_end =
      ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
  const std::string reason = ossl::take_error_text();
  if ((!clean_end && last != 0) || out.empty()) {
    return fail(Errc::cert_malformed,
                fmt::format("{}: {}", path.string(),
                            out.empty() ? "contains no PEM CRL (-----BEGIN X509 CRL-----)"
                                        : "a CRL does not parse: " + reason));
  }
  return out;
}

std::chrono::sys_seconds asn1_to_sys(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return {};
  return std::chrono::sys_seconds{std::chrono::seconds{timegm(&tm)}};
}

}  // namespace

Result<TrustAnchors> TrustAnchors::load(const std::filesystem::path& ca_file,
                                        const std::optional<std::filesystem::path>& crl_file) {
  TrustAnchors t;
  auto cas = Certificate::load_pem_file(ca_file);
  if (!cas) return std::move(cas).error();
  t.cas_ = std::move(*cas);
  if (crl_file) {
    auto crls = load_crls(*crl_file);
    if (!crls) return std::move(crls).error();
    t.crls_ = std::move(*crls);
  }
  return t;
}

TrustAnchors TrustAnchors::from_certificates(std::vector<Certificate> cas) {
  TrustAnchors t;
  t.cas_ = std::move(cas);
  return t;
}

std::optional<std::chrono::sys_seconds> TrustAnchors::crl_next_update() const {
  std::optional<std::chrono::sys_seconds> earliest;
  for (const auto& crl : crls_) {
    const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl.get());
    if (!next) continue;
    const auto t = asn1_to_sys(next);
    if (!earliest || t < *earliest) earliest = t;
  }
  return earliest;
}

Status TrustAnchors::verify(const Certificate& leaf, const std::vector<Certificate>& untrusted,
                            std::chrono::sys_seconds at) const {
  ossl::Store store(X509_STORE_new());
  ossl::X509Stack chain(sk_X509_new_null());
  ossl::StoreCtx ctx(X509_STORE_CTX_new());
  if (!store || !chain || !ctx) return fail(Errc::internal, "out of memory");
  for (const auto& ca : cas_) X509_STORE_add_cert(store.get(), ca.get());
  for (const auto& crl : crls_) X509_STORE_add_crl(store.get(), crl.get());
  for (const auto& c : untrusted) {
    X509_up_ref(c.get());
    sk_X509_push(chain.get(), c.get());
  }
  if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), chain.get()) != 1) {
    return fail(Errc::internal, "X509_STORE_CTX_init: " + ossl::take_error_text());
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, at.time_since_epoch().count());
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_CLIENT);
  if (!crls_.empty()) {
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  }
  if (X509_verify_cert(ctx.get()) == 1) return {};
  ossl::take_error_text();
  const int err = X509_STORE_CTX_get_error(ctx.get());
  const std::string reason = X509_verify_cert_error_string(err);
  switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return fail(Errc::cert_expired,
                  fmt::format("the certificate expired on {}: apply for a new one on the portal",
                              format_japan_time(leaf.not_after())));
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return fail(Errc::cert_not_yet_valid,
                  fmt::format("the certificate is valid only from {}: check this terminal's clock, "
                              "or import it then",
                              format_japan_time(leaf.not_before())));
    case X509_V_ERR_CERT_REVOKED:
      return fail(Errc::cert_revoked,
                  "the certificate is listed in the certificate authority's CRL as revoked: "
                  "apply for a new one on the portal");
    case X509_V_ERR_UNABLE_TO_GET_CRL:
      return fail(Errc::cert_untrusted,
                  "the configured CRL file has no CRL from an issuer of this certificate: "
                  "download the current CRLs, or remove crl_file");
    case X509_V_ERR_CRL_HAS_EXPIRED:
      return fail(Errc::cert_untrusted,
                  "the configured CRL is out of date (past its nextUpdate): download the current "
                  "CRL");
    case X509_V_ERR_CRL_NOT_YET_VALID:
      return fail(Errc::cert_untrusted,
                  "the configured CRL is not valid yet: check this terminal's clock");
    case X509_V_ERR_INVALID_PURPOSE:
      return fail(Errc::cert_untrusted,
                  "the certificate is not for TLS client authentication (extendedKeyUsage "
                  "lacks clientAuth)");
    default:
      return Error(Errc::cert_untrusted,
                   fmt::format("the certificate does not chain to the configured certificate "
                               "authority: {} (issuer \"{}\")",
                               reason, leaf.issuer()),
                   err);
  }
}

Status check_client_identity(const ClientIdentity& identity, const ImportChecks& checks) {
  if (auto s = check_key_matches(identity); !s) return s;
  if (auto s = checks.trust->verify(identity.leaf, identity.chain, checks.now); !s) return s;
  if (auto rule =
          checks.matcher->mismatch(identity.leaf, checks.institution_code, checks.terminal_name)) {
    return fail(Errc::cert_wrong_institution,
                fmt::format("the certificate \"{}\" is not for 医療機関コード {} (subject rule "
                            "\"{}\" does not match): import the certificate issued for this code",
                            identity.leaf.subject(), checks.institution_code, *rule));
  }
  return {};
}

}  // namespace onshi::tls
