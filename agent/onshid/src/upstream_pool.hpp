// One eligibility client per configured institution (each with its own client certificate,
// eligibility-system.md §3.1), built from [upstream] and the certificate store, and rebuilt on
// SIGHUP or an import's reload request.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "onshi/config/config.hpp"
#include "onshi/eligibility/client.hpp"
#include "onshi/result.hpp"
#include "onshi/tls/certificate_store.hpp"

namespace onshi::agent {

tls::ClientOptions client_options(const config::Config& config);

class UpstreamPool {
 public:
  explicit UpstreamPool(const config::Config& config);

  // Re-reads the store's certificates and the pins; clients keep their tokens when their
  // certificate is unchanged. Returns one line per change for the log.
  std::vector<std::string> reload(const config::Config& config);

  // The institution's client, or why there is none: upstream_not_configured, cert_not_found or
  // another cert_* error of the store (the message says which and what to do).
  Result<std::shared_ptr<eligibility::EligibilityClient>> client(
      const std::string& institution) const;

  // {"configured": bool, "url": …, "institutions": {code: {"health", "last_error", …}}}
  nlohmann::json health() const;

 private:
  struct Slot {
    std::shared_ptr<eligibility::EligibilityClient> client;
    std::optional<Error> problem;  // no client: why
    std::optional<tls::Sha256> fingerprint;
  };
  Slot make_slot(const config::Config& config, const std::string& code) const;

  mutable std::mutex mutex_;
  bool configured_ = false;
  std::string url_;
  std::map<std::string, Slot> slots_;
};

}  // namespace onshi::agent
