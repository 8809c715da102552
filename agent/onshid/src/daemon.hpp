// onshid: one io_context for the API's connections, signals and timers; PC/SC, libusb and the
// upstream queries on their own threads. Starts without readers, pcscd, network or certificate
// and reports each as a state (GET /v1/health) instead of exiting.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <filesystem>
#include <memory>
#include <mutex>

#include "card_sessions.hpp"
#include "certificate_watch.hpp"
#include "devices.hpp"
#include "onshi/api/server.hpp"
#include "onshi/config/config.hpp"
#include "onshi/journal/journal.hpp"
#include "upstream_pool.hpp"
#include "verifications.hpp"

namespace onshi::agent {

struct DaemonOptions {
  std::filesystem::path config_path = "/etc/onshi/onshi.toml";
};

class Daemon {
 public:
  // Reads the configuration and opens the journal (marking requests a crash interrupted as
  // failed). Errc::config_* for the configuration, journal_failed for the state directory.
  static Result<std::unique_ptr<Daemon>> create(DaemonOptions options);
  ~Daemon();

  // Listens, tells systemd it is ready, serves until SIGTERM/SIGINT. The exit status.
  int run();

  // For the routes.
  nlohmann::json health() const;
  nlohmann::json readers() const { return devices_->readers_json(); }
  nlohmann::ordered_json certificates();
  // SIGHUP and POST /v1/certificates/reload: configuration, certificates and pins.
  Result<std::vector<std::string>> reload();
  Verifications& verifications() { return *verifications_; }

 private:
  Daemon(DaemonOptions options, std::shared_ptr<const config::Config> config,
         std::unique_ptr<journal::Journal> journal, std::size_t recovered);
  std::shared_ptr<const config::Config> config() const;
  void apply_policy(const config::Config& config);
  void watch_signals();
  void arm_watchdog(std::chrono::microseconds interval);
  void arm_periodic();
  void shutdown();

  DaemonOptions options_;
  mutable std::mutex config_mutex_;
  std::shared_ptr<const config::Config> config_;
  boost::asio::io_context io_;
  std::unique_ptr<journal::Journal> journal_;
  std::size_t recovered_ = 0;
  std::unique_ptr<Devices> devices_;
  std::unique_ptr<UpstreamPool> upstream_;
  CertificateWatch certificates_;
  ProgressBoard progress_;
  std::unique_ptr<Verifications> verifications_;
  std::unique_ptr<CardSessions> card_sessions_;
  std::unique_ptr<api::ApiServer> server_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer watchdog_timer_;
  boost::asio::steady_timer periodic_timer_;
  std::chrono::system_clock::time_point started_;
  std::mutex reload_mutex_;
};

}  // namespace onshi::agent
