#include "daemon.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include "onshi/api/peer_policy.hpp"
#include "onshi/japan_time.hpp"
#include "onshi/log.hpp"
#include "routes.hpp"
#include "systemd_notify.hpp"

namespace onshi::agent {
namespace {

using Clock = std::chrono::system_clock;

constexpr auto kPeriodic = std::chrono::minutes(10);  // certificates, journal retention, STATUS=

std::chrono::sys_seconds now_seconds() {
  return std::chrono::floor<std::chrono::seconds>(Clock::now());
}

std::vector<std::string> codes_of(const config::Config& c) {
  std::vector<std::string> out;
  for (const auto& i : c.institutions) out.push_back(i.code);
  return out;
}

CardSessionSettings card_session_settings(const config::Config& c) {
  CardSessionSettings s;
  s.face_readers = c.face_readers;
  s.institutions = codes_of(c);
  return s;
}

}  // namespace

Result<std::unique_ptr<Daemon>> Daemon::create(DaemonOptions options) {
  auto config = config::load_config_file(options.config_path);
  if (!config) return config.error();
  log::set_level(config->log.level);
  journal::Options jo;
  jo.file = config->journal_file();
  jo.retention = config->journal.retention;
  auto journal = journal::Journal::open(jo);
  if (!journal) return journal.error();
  // Requests a crash or kill -9 left unfinished were never answered: they fail now, under their
  // Idempotency-Key too, so a retry with the same key is told, not run twice.
  auto recovered = (*journal)->recover_unfinished(
      "onshid stopped (crash, kill or power loss) before this request finished; it was not "
      "answered and may be sent again with a new Idempotency-Key",
      Clock::now());
  if (!recovered) return recovered.error();
  auto shared = std::make_shared<const config::Config>(std::move(config).value());
  return std::unique_ptr<Daemon>(
      new Daemon(std::move(options), std::move(shared), std::move(journal).value(), *recovered));
}

Daemon::Daemon(DaemonOptions options, std::shared_ptr<const config::Config> config,
               std::unique_ptr<journal::Journal> journal, std::size_t recovered)
    : options_(std::move(options)),
      config_(std::move(config)),
      journal_(std::move(journal)),
      recovered_(recovered),
      signals_(io_, SIGTERM, SIGINT, SIGHUP),
      watchdog_timer_(io_),
      periodic_timer_(io_),
      started_(Clock::now()) {
  devices_ = std::make_unique<Devices>(io_, *config_);
  upstream_ = std::make_unique<UpstreamPool>(*config_);
  certificates_.refresh(*config_, now_seconds());
  verifications_ =
      std::make_unique<Verifications>(*journal_, *upstream_, progress_, codes_of(*config_),
                                      [this](const Error& e, const std::string& institution) {
                                        return certificates_.details_for(e, institution);
                                      });
  CardSessionHooks hooks;
  hooks.upstream = [this](const std::string& institution) {
    return upstream_->client(institution);
  };
  hooks.succeed = [this](const std::string& id, const nlohmann::json& result) {
    verifications_->record_success(id, result);
  };
  hooks.fail = [this](const std::string& id, const Error& e, const std::string& institution) {
    verifications_->record_failure(id, e, institution);
  };
  hooks.admit_reader_session = [this](const std::string& institution,
                                      const nlohmann::json& request) {
    return verifications_->admit_reader_session(institution, request);
  };
  card_sessions_ = std::make_unique<CardSessions>(*devices_, progress_, std::move(hooks),
                                                  card_session_settings(*config_));
  verifications_->set_card_sessions(card_sessions_.get());
  devices_->set_listeners(
      [this](const pcsc::MonitorEvent& e) { card_sessions_->on_card_event(e); },
      [this](const driver::ReaderEvent& e) { card_sessions_->on_face_event(e); });
}

Daemon::~Daemon() { shutdown(); }

std::shared_ptr<const config::Config> Daemon::config() const {
  std::lock_guard lock(config_mutex_);
  return config_;
}

void Daemon::apply_policy(const config::Config& config) {
  // Unknown names are left out with a warning: the allow-list can only get shorter by it.
  api::PeerPolicy policy;
  policy.self_uid = static_cast<std::uint32_t>(geteuid());
  for (const auto& user : config.api.allowed_users) {
    auto one = api::PeerPolicy::resolve({user}, {});
    if (one) {
      policy.uids.insert(one->uids.begin(), one->uids.end());
    } else {
      log::warning("onshid", "{}", one.error().message);
    }
  }
  for (const auto& group : config.api.allowed_groups) {
    auto one = api::PeerPolicy::resolve({}, {group});
    if (one) {
      policy.gids.insert(one->gids.begin(), one->gids.end());
    } else {
      log::warning("onshid", "{}", one.error().message);
    }
  }
  server_->set_policy(std::move(policy));
}

int Daemon::run() {
  const auto c = config();
  devices_->start();
  api::ServerLimits limits;
  server_ = std::make_unique<api::ApiServer>(
      io_, make_router(*this), limits,
      [](std::string_view line) { log::warning("onshid", "{}", line); });
  apply_policy(*c);
  api::UnixListenerOptions unix_options;
  unix_options.path = c->api.socket;
  if (auto gid = api::group_id(c->api.socket_group)) {
    unix_options.group = *gid;
  } else {
    log::error("onshid", "api.socket_group: {}", gid.error().message);
    return 1;
  }
  if (auto s = server_->listen_unix(unix_options); !s) {
    log::error("onshid", "{}", s.error().to_string());
    return 1;
  }
  if (c->api.tcp) {
    api::TcpListenerOptions t{c->api.tcp->listen, c->api.tcp->certificate, c->api.tcp->key,
                              c->api.tcp->client_ca, c->api.tcp->client_crl};
    if (auto s = server_->listen_tcp(t); !s) {
      log::error("onshid", "api.tcp: {}", s.error().to_string());
      return 1;
    }
  }
  watch_signals();
  if (auto interval = watchdog_interval()) arm_watchdog(*interval);
  arm_periodic();
  const std::string cert_line = certificates_.status_line();
  log::info("onshid", "ready: API on {}{}{}; {} unfinished request(s) marked failed",
            c->api.socket.string(),
            server_->tcp_address() ? ", mutual TLS on " + *server_->tcp_address() : std::string(),
            c->test_mode ? " (TEST MODE)" : "", recovered_);
  notify_ready(cert_line.empty() ? "ready; " + devices_->summary() : cert_line);
  io_.run();
  shutdown();
  return 0;
}

void Daemon::shutdown() {
  if (verifications_) verifications_->begin_stop();
  if (card_sessions_) {
    // The sessions end on their workers, but their last words to the face reader (CANCEL)
    // complete on the io_context: keep it turning until they are done.
    card_sessions_->begin_stop();
    io_.restart();
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!card_sessions_->idle() && std::chrono::steady_clock::now() < until) {
      io_.run_for(std::chrono::milliseconds(20));
    }
    card_sessions_->stop();
  }
  if (server_) server_->stop();
  if (verifications_) verifications_->stop();
  if (devices_) devices_->stop();
}

void Daemon::watch_signals() {
  signals_.async_wait([this](boost::system::error_code ec, int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      notify_reloading();
      auto changes = reload();
      if (changes) {
        log::info("onshid", "reloaded {}: {}", options_.config_path.string(),
                  changes->empty() ? "no certificate changes"
                                   : fmt::format("{}", fmt::join(*changes, "; ")));
      } else {
        log::error("onshid", "reload refused, the old configuration stays in use: {}",
                   changes.error().to_string());
      }
      const std::string line = certificates_.status_line();
      notify_ready(line.empty() ? "ready; " + devices_->summary() : line);
      watch_signals();
      return;
    }
    log::info("onshid", "stopping (signal {})", signal);
    notify_stopping();
    if (verifications_) verifications_->begin_stop();  // waiting callers answer now
    if (card_sessions_) card_sessions_->begin_stop();
    if (server_) server_->stop();
    boost::system::error_code ignored;
    watchdog_timer_.cancel();
    periodic_timer_.cancel();
    io_.stop();
  });
}

void Daemon::arm_watchdog(std::chrono::microseconds interval) {
  notify_watchdog();
  watchdog_timer_.expires_after(interval);
  watchdog_timer_.async_wait([this, interval](boost::system::error_code ec) {
    if (!ec) arm_watchdog(interval);
  });
}

void Daemon::arm_periodic() {
  periodic_timer_.expires_after(kPeriodic);
  periodic_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    const auto c = config();
    certificates_.refresh(*c, now_seconds());
    if (auto purged = journal_->purge_expired(Clock::now()); purged && *purged > 0) {
      log::info("onshid", "journal: {} finished request(s) past the retention removed", *purged);
    }
    const std::string line = certificates_.status_line();
    notify_status(line.empty() ? "ready; " + devices_->summary() : line);
    arm_periodic();
  });
}

Result<std::vector<std::string>> Daemon::reload() {
  std::lock_guard serial(reload_mutex_);
  auto next = config::load_config_file(options_.config_path);
  if (!next) return next.error();
  auto shared = std::make_shared<const config::Config>(std::move(next).value());
  const auto old = config();
  std::vector<std::string> changes;
  if (shared->api.socket != old->api.socket || shared->state_dir != old->state_dir ||
      (shared->api.tcp.has_value() != old->api.tcp.has_value()) ||
      (shared->api.tcp && old->api.tcp && shared->api.tcp->listen != old->api.tcp->listen)) {
    changes.push_back("the socket, state_dir and [api.tcp] take effect at the next restart");
  }
  log::set_level(shared->log.level);
  {
    std::lock_guard lock(config_mutex_);
    config_ = shared;
  }
  if (server_) apply_policy(*shared);
  for (auto& line : upstream_->reload(*shared)) changes.push_back(std::move(line));
  verifications_->set_institutions(codes_of(*shared));
  card_sessions_->set_settings(card_session_settings(*shared));
  certificates_.refresh(*shared, now_seconds());
  return changes;
}

nlohmann::ordered_json Daemon::certificates() {
  certificates_.refresh(*config(), now_seconds());
  return certificates_.report();
}

nlohmann::json Daemon::health() const {
  const auto c = config();
  nlohmann::json institutions = nlohmann::json::array();
  bool certificates_ok = true;
  for (const auto& i : c->institutions) {
    nlohmann::json cert = certificates_.summary(i.code);
    if (!cert.is_object() || (cert.value("state", std::string()) != "ok" &&
                              cert.value("state", std::string()) != "warning")) {
      certificates_ok = false;
    }
    institutions.push_back({{"code", i.code}, {"name", i.name}, {"certificate", cert}});
  }
  nlohmann::json upstream = upstream_->health();
  nlohmann::json pcscd = devices_->pcscd_json();
  nlohmann::json journal{{"file", c->journal_file().string()}};
  if (auto stats = journal_->stats()) {
    journal["entries"] = stats->entries;
    journal["unfinished"] = stats->unfinished;
  } else {
    journal["error"] = {{"code", errc_name(stats.error().code)},
                        {"message", stats.error().message}};
  }
  journal["recovered_at_start"] = recovered_;
  const bool ok = certificates_ok && upstream.value("state", std::string()) == "ok" &&
                  pcscd.value("state", std::string()) == "running";
  nlohmann::json api{{"socket", c->api.socket.string()}};
  if (server_) {
    if (auto addr = server_->tcp_address()) api["tcp"] = *addr;
    const auto s = server_->stats();
    api["connections"] = s.connections;
    api["requests"] = s.requests;
    api["refused_peers"] = s.refused_peers;
  }
  return {{"status", ok ? "ok" : "degraded"},
          {"version", "0.1.0"},
          {"started", format_japan_time(std::chrono::floor<std::chrono::seconds>(started_))},
          {"test_mode", c->test_mode},
          {"terminal_name", c->terminal_name},
          {"institutions", institutions},
          {"pcscd", pcscd},
          {"readers", devices_->readers_json()["readers"].size()},
          {"face_readers", devices_->face_readers_json()},
          {"card_sessions", card_sessions_->sessions_json()},
          {"upstream", upstream},
          {"journal", journal},
          {"api", api}};
}

}  // namespace onshi::agent
