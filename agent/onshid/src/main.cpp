// onshid, the resident agent of the eligibility terminal. See agent/onshid/README.md.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <csignal>

#include "daemon.hpp"
#include "onshi/log.hpp"

int main(int argc, char** argv) {
  CLI::App app{"onshid: the onshi agent (local API, verifications, journal)"};
  onshi::agent::DaemonOptions options;
  std::string config_path = options.config_path.string();
  app.add_option("-c,--config", config_path, "configuration file")->capture_default_str();
  app.set_version_flag("--version", "onshid 0.1.0");
  CLI11_PARSE(app, argc, argv);
  options.config_path = config_path;
  // Signals are taken by the io_context's signal_set; block SIGPIPE so a client that hangs up
  // mid-answer is an error code, not the end of the agent.
  std::signal(SIGPIPE, SIG_IGN);
  auto daemon = onshi::agent::Daemon::create(options);
  if (!daemon) {
    fmt::print(stderr, "onshid: {}\n", daemon.error().to_string());
    const auto code = daemon.error().code;
    return code == onshi::Errc::config_not_found || code == onshi::Errc::config_syntax ||
                   code == onshi::Errc::config_invalid
               ? 2
               : 1;
  }
  return (*daemon)->run();
}
