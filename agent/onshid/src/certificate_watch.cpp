#include "certificate_watch.hpp"

#include <fmt/format.h>

#include "cert_commands.hpp"
#include "ledger_commands.hpp"
#include "onshi/japan_time.hpp"
#include "onshi/log.hpp"
#include "onshi/tls/certificate_store.hpp"

namespace onshi::agent {

void CertificateWatch::refresh(const config::Config& config, std::chrono::sys_seconds now) {
  const tls::CertificateStore store(config.certificate_store());
  const Result<ledger::Listing> listing = ctl::open_ledger(config).list();
  nlohmann::ordered_json report = ctl::status_report(config, store, now, &listing);
  std::lock_guard lock(mutex_);
  const auto today = japan_day(now);
  for (const auto& e : report["institutions"]) {
    const std::string code = e.value("code", std::string());
    const std::string state = e.value("state", std::string());
    if (state == "ok") continue;
    auto it = logged_.find(code);
    if (it != logged_.end() && it->second == today) continue;
    logged_[code] = today;
    log::warning("onshid", "client certificate of {}: {}; {}", code, state,
                 e.value("next_action", std::string()));
  }
  report_ = std::move(report);
}

nlohmann::ordered_json CertificateWatch::report() const {
  std::lock_guard lock(mutex_);
  return report_;
}

nlohmann::json CertificateWatch::summary(const std::string& institution) const {
  std::lock_guard lock(mutex_);
  if (!report_.contains("institutions")) return nullptr;
  for (const auto& e : report_["institutions"]) {
    if (e.value("code", std::string()) != institution) continue;
    nlohmann::json s{{"state", e["state"]},
                     {"days_left", e["days_left"]},
                     {"warning_stage", e["warning_stage"]},
                     {"next_action", e["next_action"]}};
    if (e.contains("ledger") && e["ledger"].is_object()) {
      s["ledger"] = {{"stage", e["ledger"].value("stage", nlohmann::json())},
                     {"next_action", e["ledger"].value("next_action", nlohmann::json())}};
    }
    return s;
  }
  return nullptr;
}

nlohmann::json CertificateWatch::details_for(const Error& error,
                                             const std::string& institution) const {
  const auto name = errc_name(error.code);
  if (!name.starts_with("cert_") && error.code != Errc::tls_client_cert_rejected) return nullptr;
  nlohmann::json s = summary(institution);
  if (!s.is_object()) return nullptr;
  nlohmann::json out{{"certificate", s}};
  // One next action for the receptionist's vendor: the ledger's when it knows more (an
  // application in progress), else the store's.
  std::string action = s.value("next_action", std::string());
  if (s.contains("ledger") && s["ledger"]["next_action"].is_string()) {
    action = s["ledger"]["next_action"].get<std::string>();
  }
  out["next_action"] = action;
  return out;
}

std::string CertificateWatch::status_line() const {
  std::lock_guard lock(mutex_);
  std::string out;
  if (!report_.contains("institutions")) return out;
  for (const auto& e : report_["institutions"]) {
    const std::string state = e.value("state", std::string());
    if (state == "ok") continue;
    if (!out.empty()) out += "; ";
    if (e["days_left"].is_number()) {
      out += fmt::format("certificate {} {} ({} days left)", e.value("code", std::string()), state,
                         e["days_left"].get<long long>());
    } else {
      out += fmt::format("certificate {} {}", e.value("code", std::string()), state);
    }
  }
  return out;
}

}  // namespace onshi::agent
