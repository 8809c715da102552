#include "upstream_pool.hpp"

#include <fmt/format.h>

#include "onshi/japan_time.hpp"
#include "tls_commands.hpp"

namespace onshi::agent {

tls::ClientOptions client_options(const config::Config& config) {
  // The same mapping of [upstream] as `onshictl tls check`, so the technician tests what onshid
  // uses.
  tls::ClientOptions o = ctl::upstream_client_options(config);
  o.max_idle_connections = 32;  // the receipt software's concurrent queries
  o.user_agent = "onshid/0.1";
  return o;
}

UpstreamPool::UpstreamPool(const config::Config& config) { reload(config); }

UpstreamPool::Slot UpstreamPool::make_slot(const config::Config& config,
                                           const std::string& code) const {
  Slot slot;
  const tls::CertificateStore store(config.certificate_store());
  auto identity = store.load_current_identity(code);
  std::optional<tls::ClientIdentity> id;
  if (identity) {
    slot.fingerprint = identity->leaf.fingerprint();
    id = std::move(identity).value();
  } else {
    slot.problem = identity.error();
  }
  eligibility::ClientSettings settings;
  settings.institution = code;
  settings.tls = client_options(config);
  auto client = eligibility::EligibilityClient::create(std::move(settings), std::move(id));
  if (!client) {
    slot.problem = client.error();
  } else {
    slot.client = std::shared_ptr<eligibility::EligibilityClient>(std::move(client).value());
  }
  return slot;
}

std::vector<std::string> UpstreamPool::reload(const config::Config& config) {
  std::vector<std::string> changes;
  std::map<std::string, Slot> next;
  const bool configured = config.upstream.configured();
  if (configured) {
    const tls::CertificateStore store(config.certificate_store());
    std::lock_guard lock(mutex_);
    for (const auto& institution : config.institutions) {
      const std::string& code = institution.code;
      auto old = slots_.find(code);
      std::optional<tls::Sha256> now_fp;
      if (auto current = store.current(code)) now_fp = current->leaf.fingerprint();
      const bool same_url = url_ == *config.upstream.url;
      if (old != slots_.end() && old->second.client && same_url &&
          old->second.fingerprint == now_fp) {
        // Same certificate: keep the client (and its token); pins may have changed.
        std::vector<tls::Sha256> pins;
        for (const auto& p : config.upstream.pins) pins.push_back(p.spki_sha256);
        old->second.client->set_pins(std::move(pins));
        next.emplace(code, old->second);
        continue;
      }
      Slot slot = make_slot(config, code);
      changes.push_back(slot.problem ? fmt::format("{}: {}", code, slot.problem->to_string())
                                     : fmt::format("{}: client certificate {} in use", code,
                                                   tls::hex(*slot.fingerprint).substr(0, 16)));
      next.emplace(code, std::move(slot));
    }
  }
  std::lock_guard lock(mutex_);
  configured_ = configured;
  url_ = config.upstream.url.value_or("");
  slots_ = std::move(next);
  return changes;
}

Result<std::shared_ptr<eligibility::EligibilityClient>> UpstreamPool::client(
    const std::string& institution) const {
  std::lock_guard lock(mutex_);
  if (!configured_) {
    return Error(Errc::upstream_not_configured,
                 "no eligibility system is configured: set [upstream] url and pins");
  }
  const auto it = slots_.find(institution);
  if (it == slots_.end()) {
    return Error(Errc::invalid_argument,
                 fmt::format("institution {} is not configured on this terminal", institution));
  }
  if (it->second.problem && !it->second.client) return *it->second.problem;
  if (it->second.problem) return *it->second.problem;  // no certificate: refused before connecting
  return it->second.client;
}

nlohmann::json UpstreamPool::health() const {
  std::lock_guard lock(mutex_);
  nlohmann::json out{{"configured", configured_}};
  if (!configured_) {
    out["state"] = "not_configured";
    return out;
  }
  out["url"] = url_;
  nlohmann::json institutions = nlohmann::json::object();
  bool all_ok = true;
  bool any_failing = false;
  for (const auto& [code, slot] : slots_) {
    nlohmann::json e;
    if (slot.problem) {
      e["state"] = "no_certificate";
      e["error"] = {{"code", errc_name(slot.problem->code)}, {"message", slot.problem->message}};
      all_ok = false;
    }
    if (slot.client) {
      const auto s = slot.client->state();
      if (!slot.problem) {
        e["state"] = s.health == eligibility::UpstreamHealth::ok        ? "ok"
                     : s.health == eligibility::UpstreamHealth::failing ? "failing"
                                                                        : "unknown";
      }
      if (s.health == eligibility::UpstreamHealth::failing) any_failing = true;
      if (s.health != eligibility::UpstreamHealth::ok) all_ok = false;
      if (s.last_error) {
        e["last_error"] = {{"code", errc_name(s.last_error->code)},
                           {"message", s.last_error->message}};
      }
      const auto jst = [](std::chrono::system_clock::time_point t) {
        return format_japan_time(std::chrono::floor<std::chrono::seconds>(t));
      };
      if (s.last_success) e["last_success"] = jst(*s.last_success);
      if (s.last_failure) e["last_failure"] = jst(*s.last_failure);
      e["has_token"] = s.has_token;
    }
    institutions[code] = std::move(e);
  }
  out["institutions"] = std::move(institutions);
  out["state"] = all_ok ? "ok" : any_failing ? "failing" : "unknown";
  return out;
}

}  // namespace onshi::agent
