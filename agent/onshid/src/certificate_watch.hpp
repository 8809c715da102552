// The client certificates' state as `onshictl cert status --json` reports it (the store and the
// ledger's next action, agent/ledger), cached: recomputed at start, on reload and every few
// minutes, because the ledger may sit on a slow share. Logs the next action once per Japanese day
// while a certificate is in a warning window.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "onshi/config/config.hpp"
#include "onshi/error.hpp"

namespace onshi::agent {

class CertificateWatch {
 public:
  void refresh(const config::Config& config, std::chrono::sys_seconds now);
  nlohmann::ordered_json report() const;
  // {"state","days_left","warning_stage","next_action","ledger_stage","ledger_next_action"}
  nlohmann::json summary(const std::string& institution) const;
  // For an error of the upstream path: the certificate's next action, when the error is about it.
  nlohmann::json details_for(const Error& error, const std::string& institution) const;
  // "certificate 2714206386 expires in 12 days" or "" when every one is fine.
  std::string status_line() const;

 private:
  mutable std::mutex mutex_;
  nlohmann::ordered_json report_;
  std::map<std::string, std::chrono::sys_days> logged_;
};

}  // namespace onshi::agent
