// onshi-eligsim: the reference eligibility service (a model, not the real system: README.md).
// HTTPS with client certificates on its API listener, plain HTTP on a loopback control listener.
// A test tool: never run it in front of real traffic.

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>

#include <CLI/CLI.hpp>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "card_verifier.hpp"
#include "control_connection.hpp"
#include "dataset.hpp"
#include "host_port.hpp"
#include "listeners.hpp"
#include "log_line.hpp"
#include "onshi/sim/persona_manifest.hpp"
#include "service.hpp"
#include "tls_connection.hpp"
#include "tls_context.hpp"

namespace {

namespace asio = boost::asio;
namespace ts = onshi::sim::tlsserver;
namespace es = onshi::sim::eligsim;

constexpr int kExitUsage = 2;
constexpr int kExitStartup = 1;

struct Options {
  std::vector<std::string> listen;
  std::string control = "127.0.0.1:0";
  std::string port_file;
  std::string cert, key, chain, client_ca, crl;
  std::string tls_min = "1.2";
  std::string personas;
  std::size_t persons = 1200;
  std::uint64_t seed = 1;
  int token_lifetime = 600;
  int challenge_lifetime = 60;
  int bulk_delay_ms = 1000;
  std::string write_dataset;
};

void add_options(CLI::App& app, Options& o) {
  app.add_option("--listen", o.listen, "ADDR:PORT of the mutual-TLS API, repeatable")
      ->default_str("127.0.0.1:0");
  app.add_option("--control", o.control, "ADDR:PORT of the plain-HTTP control listener (loopback)")
      ->capture_default_str();
  app.add_option("--port-file", o.port_file,
                 "write the ports here: each --listen in order, then --control");
  app.add_option("--cert", o.cert, "PEM: the server certificate")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--key", o.key, "PEM: its key")->required()->check(CLI::ExistingFile);
  app.add_option("--chain", o.chain, "PEM: certificates sent after the leaf")
      ->check(CLI::ExistingFile);
  app.add_option("--client-ca", o.client_ca, "PEM: the CA client certificates must chain to")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--crl", o.crl, "PEM: CRLs checked for every client certificate")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-min", o.tls_min, "lowest TLS version: 1.2 or 1.3")
      ->capture_default_str()
      ->check(CLI::IsMember({"1.2", "1.3"}));
  app.add_option("--personas", o.personas,
                 "directory of onshi-jpki-personas output: manifest.json and jpki-auth-ca.pem")
      ->check(CLI::ExistingDirectory);
  app.add_option("--persons", o.persons, "generated insured persons")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}));
  app.add_option("--seed", o.seed, "data set seed")->capture_default_str();
  app.add_option("--token-lifetime", o.token_lifetime, "seconds an access token lives")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  app.add_option("--challenge-lifetime", o.challenge_lifetime, "seconds a challenge lives")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  app.add_option("--bulk-delay-ms", o.bulk_delay_ms, "ms a 一括 job stays 処理中")
      ->capture_default_str()
      ->check(CLI::Range(0, 600000));
  app.add_option("--write-dataset", o.write_dataset, "write the data set as JSON here, then serve");
}

}  // namespace

int main(int argc, char** argv) {
  ts::set_log_program("onshi-eligsim");
  CLI::App app{"onshi-eligsim: the reference eligibility service (modelled, not official)"};
  Options o;
  add_options(app, o);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    (void)app.exit(e);
    return kExitUsage;
  }

  std::optional<onshi::sim::PersonaManifest> manifest;
  std::optional<es::CardVerifier> verifier;
  if (!o.personas.empty()) {
    auto loaded = onshi::sim::load_persona_manifest(o.personas + "/manifest.json");
    if (!loaded) {
      ts::log_line("--personas: " + loaded.error().message);
      return kExitUsage;
    }
    manifest = std::move(*loaded);
    auto v = es::CardVerifier::load(o.personas + "/jpki-auth-ca.pem", *manifest);
    if (!v) {
      ts::log_line(v.error().message);
      return kExitUsage;
    }
    verifier = std::move(*v);
  }
  auto dataset = es::Dataset::generate({o.persons, o.seed, manifest ? &*manifest : nullptr});
  if (!dataset) {
    ts::log_line(dataset.error().message);
    return kExitUsage;
  }
  if (!o.write_dataset.empty()) {
    std::ofstream out(o.write_dataset, std::ios::binary | std::ios::trunc);
    out << dataset->to_json();
    if (!out.flush()) {
      ts::logf("--write-dataset {}: cannot write", o.write_dataset);
      return kExitStartup;
    }
  }

  ts::TlsOptions tls;
  tls.cert = o.cert;
  tls.key = o.key;
  if (!o.chain.empty()) tls.chain = o.chain;
  tls.client_ca = o.client_ca;
  if (!o.crl.empty()) tls.crl = o.crl;
  tls.min = o.tls_min == "1.3" ? ts::TlsVersion::tls1_3 : ts::TlsVersion::tls1_2;
  auto context = ts::make_server_context(tls);
  if (!context) {
    ts::log_line(context.error().message);
    return kExitUsage;
  }
  auto api = ts::parse_listen_addresses(o.listen);
  auto control = ts::parse_listen_address(o.control);
  if (!api || !control) {
    ts::log_line(!api ? api.error().message : control.error().message);
    return kExitUsage;
  }
  if (!control->address().is_loopback()) {
    ts::log_line("--control must be a loopback address: it has no authentication");
    return kExitUsage;
  }

  es::ServiceOptions service_options;
  service_options.token_lifetime = std::chrono::seconds(o.token_lifetime);
  service_options.challenge_lifetime = std::chrono::seconds(o.challenge_lifetime);
  service_options.bulk_delay = std::chrono::milliseconds(o.bulk_delay_ms);
  es::Service service(std::move(*dataset), std::move(verifier), service_options);
  ts::logf("data set: {} persons (seed {}){}", service.dataset().persons().size(), o.seed,
           manifest ? fmt::format(", {} My Number test cards", manifest->cards.size()) : "");

  ts::ServerState state{*context, {}, {}, 0, {}, {}};
  state.handler = [&service](const ts::Request& request, const ts::ConnectionInfo& connection) {
    return service.handle(request, connection);
  };
  state.refuse_handshake = [&service] { return service.refuse_handshake(); };
  es::ControlHandler control_handler = [&service](const ts::Request& r) {
    return service.control(r);
  };

  asio::io_context io(1);
  ts::SignalStop stop(io);
  std::vector<asio::ip::tcp::endpoint> endpoints = *api;
  endpoints.push_back(*control);
  auto acceptors = ts::open_listeners(io, endpoints);
  if (!acceptors) {
    ts::log_line(acceptors.error().message);
    return kExitStartup;
  }
  for (std::size_t i = 0; i < acceptors->size(); ++i) {
    auto& acceptor = (*acceptors)[i];
    const bool is_control = i + 1 == acceptors->size();
    if (is_control) {
      ts::start_accepting(acceptor, [&control_handler](asio::ip::tcp::socket s) {
        es::start_control_connection(std::move(s), control_handler);
      });
    } else {
      ts::start_accepting(acceptor, [&state](asio::ip::tcp::socket s) {
        ts::start_tls_connection(std::move(s), state);
      });
    }
    ts::logf("{} on {}", is_control ? "control" : "api",
             ts::format_endpoint(acceptor.local_endpoint()));
  }
  if (!o.port_file.empty()) {
    if (auto written = ts::write_port_file(o.port_file, ts::listening_ports(*acceptors));
        !written) {
      ts::log_line(written.error().message);
      return kExitStartup;
    }
  }
  stop.run();
  return 0;
}
