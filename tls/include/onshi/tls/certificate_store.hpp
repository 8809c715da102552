// The terminal's client certificates on disk, one slot per 医療機関コード (eligibility-system.md
// §3.1: one certificate per terminal and per code). Each import is a new, immutable generation;
// `current` and `previous` are symlinks switched with rename(2), so a reader sees the old or the
// new certificate, never a mix, and any failure leaves the current one untouched.
//
//   <root>/<code>/gen-<UTC time>-<fingerprint prefix>/chain.pem    leaf, then intermediates
//                                                    /key.pem      PKCS#8, 0600
//                                                    /binding.json fingerprint ↔ code
//   <root>/<code>/current -> gen-…   <root>/<code>/previous -> gen-…  (kept for rollback)
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "onshi/result.hpp"
#include "onshi/tls/certificate.hpp"
#include "onshi/tls/client_identity.hpp"

namespace onshi::tls {

// Who owns the store: the agent's user. Applied when the importing process runs as root.
struct StoreOwner {
  uid_t uid = 0;
  gid_t gid = 0;
};

// A stored generation's record, from binding.json and its certificates.
struct StoredCertificate {
  std::string institution;
  std::filesystem::path directory;
  Certificate leaf;
  std::vector<Certificate> chain;
  std::chrono::sys_seconds imported_at{};
  std::string source;  // the imported file's name
  bool legacy_encryption = false;
};

struct InstallOutcome {
  StoredCertificate installed;
  std::optional<StoredCertificate> replaced;  // the one that was current, now `previous`
  bool unchanged = false;                     // the same certificate was already current
};

class CertificateStore {
 public:
  explicit CertificateStore(std::filesystem::path root, std::optional<StoreOwner> owner = {});

  const std::filesystem::path& root() const { return root_; }

  // Writes a new generation and makes it current (the old current becomes previous; older
  // generations are removed). The caller has run check_client_identity first.
  Result<InstallOutcome> install(const ClientIdentity& identity, const std::string& institution,
                                 const std::string& source, std::chrono::sys_seconds now);

  // The current generation; Errc::cert_not_found when there is none, Errc::cert_store when the
  // files do not match their binding (edited or swapped by hand).
  Result<StoredCertificate> current(const std::string& institution) const;
  Result<StoredCertificate> previous(const std::string& institution) const;
  // The current generation with its private key, for the TLS client.
  Result<ClientIdentity> load_current_identity(const std::string& institution) const;
  // Makes `previous` current again (and the current one previous).
  Result<StoredCertificate> rollback(const std::string& institution);

  // Institution codes that have a current certificate, sorted.
  std::vector<std::string> institutions() const;

 private:
  Result<StoredCertificate> read_generation(const std::string& institution,
                                            const std::filesystem::path& link) const;
  std::filesystem::path root_;
  std::optional<StoreOwner> owner_;
};

}  // namespace onshi::tls
