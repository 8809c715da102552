// The certificate authority the terminal's client certificates must chain to (the 共通認証局;
// eligibility-system.md §3.1) and, when configured, its CRLs.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "onshi/result.hpp"
#include "onshi/tls/certificate.hpp"
#include "onshi/tls/client_identity.hpp"
#include "onshi/tls/subject_matcher.hpp"

namespace onshi::tls {

class TrustAnchors {
 public:
  // `ca_file`: PEM with the root and any intermediates; `crl_file`: PEM CRLs, one per CA of the
  // chain (every level is checked). Errors name the file.
  static Result<TrustAnchors> load(const std::filesystem::path& ca_file,
                                   const std::optional<std::filesystem::path>& crl_file);
  // Trust in these certificates, without CRLs.
  static TrustAnchors from_certificates(std::vector<Certificate> cas);

  const std::vector<Certificate>& certificates() const { return cas_; }
  bool checks_crl() const { return !crls_.empty(); }
  // The earliest nextUpdate of the configured CRLs (a stale CRL makes every check fail).
  std::optional<std::chrono::sys_seconds> crl_next_update() const;

  // Verifies `leaf` with `untrusted` intermediates at time `at` for TLS client use. Errors:
  // cert_expired, cert_not_yet_valid, cert_revoked, cert_untrusted (with OpenSSL's reason).
  Status verify(const Certificate& leaf, const std::vector<Certificate>& untrusted,
                std::chrono::sys_seconds at) const;

 private:
  std::vector<Certificate> cas_;
  std::vector<std::shared_ptr<X509_CRL>> crls_;
};

struct ImportChecks {
  const TrustAnchors* trust = nullptr;      // required
  const SubjectMatcher* matcher = nullptr;  // required
  std::string institution_code;
  std::string terminal_name;
  std::chrono::sys_seconds now{};
};

// Every check a certificate must pass before the store accepts it, in the order a technician
// fixes them: key belongs to the certificate, chain to the configured CA, dates, CRL, and that it
// is this institution's.
Status check_client_identity(const ClientIdentity& identity, const ImportChecks& checks);

}  // namespace onshi::tls
