// onshi-tls-testserver: an HTTPS/1.1 server for the mutual-TLS client's tests (issue 5). Any
// certificate, chain, client-CA, CRL, protocol range and Date skew a test needs, and routes that
// report what the client did on the wire. A test tool: never run it in front of real traffic.

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "host_port.hpp"
#include "listeners.hpp"
#include "log_line.hpp"
#include "tls_connection.hpp"
#include "tls_context.hpp"

namespace {

namespace asio = boost::asio;
namespace ts = onshi::sim::tlsserver;

constexpr int kExitUsage = 2;
constexpr int kExitStartup = 1;
constexpr long kMaxDateOffset = 20L * 366 * 24 * 3600;  // years either way

struct Options {
  std::vector<std::string> listen;
  std::string port_file;
  std::string cert;
  std::string key;
  std::string chain;
  std::string client_ca;
  std::string crl;
  std::string tls_min = "1.2";
  std::string tls_max = "1.3";
  long date_offset = 0;
  bool no_date = false;
  std::string session_tickets = "on";
  std::uint64_t close_after = 0;
  int idle_timeout = 30;
};

void add_options(CLI::App& app, Options& o) {
  app.add_option("--listen", o.listen, "ADDR:PORT to listen on, repeatable (127.0.0.1:0, [::1]:0)")
      ->default_str("127.0.0.1:0");
  app.add_option("--port-file", o.port_file,
                 "write the chosen ports here, one line per --listen, atomically");
  app.add_option("--cert", o.cert, "PEM: the server certificate (leaf first)")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--key", o.key, "PEM: its private key")->required()->check(CLI::ExistingFile);
  app.add_option("--chain", o.chain, "PEM: certificates sent after the leaf, verbatim")
      ->check(CLI::ExistingFile);
  app.add_option("--client-ca", o.client_ca, "PEM: require a client certificate issued under these")
      ->check(CLI::ExistingFile);
  app.add_option("--crl", o.crl, "PEM: CRLs to check the whole client chain against")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-min", o.tls_min, "lowest TLS version: 1.2 or 1.3")
      ->capture_default_str()
      ->check(CLI::IsMember({"1.2", "1.3"}));
  app.add_option("--tls-max", o.tls_max, "highest TLS version: 1.2 or 1.3")
      ->capture_default_str()
      ->check(CLI::IsMember({"1.2", "1.3"}));
  app.add_option("--date-offset", o.date_offset, "seconds added to now in the Date header")
      ->capture_default_str()
      ->check(CLI::Range(-kMaxDateOffset, kMaxDateOffset));
  app.add_flag("--no-date", o.no_date, "send no Date header");
  app.add_option("--session-tickets", o.session_tickets,
                 "on: resumption by tickets (TLS 1.2 and 1.3) and session IDs; off: none")
      ->capture_default_str()
      ->check(CLI::IsMember({"on", "off"}));
  app.add_option("--close-after", o.close_after, "close each connection after N requests")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000'000}));
  app.add_option("--idle-timeout", o.idle_timeout, "seconds a connection may stay silent")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
}

onshi::Result<ts::TlsOptions> tls_options(const Options& o) {
  ts::TlsOptions t;
  t.cert = o.cert;
  t.key = o.key;
  if (!o.chain.empty()) t.chain = o.chain;
  if (!o.client_ca.empty()) t.client_ca = o.client_ca;
  if (!o.crl.empty()) t.crl = o.crl;
  ONSHI_TRY_ASSIGN(t.min, ts::parse_tls_version(o.tls_min));
  ONSHI_TRY_ASSIGN(t.max, ts::parse_tls_version(o.tls_max));
  t.session_tickets = o.session_tickets == "on";
  return t;
}
}  // namespace

int main(int argc, char** argv) {
  ts::set_log_program("onshi-tls-testserver");
  CLI::App app{"onshi-tls-testserver: an HTTPS test server for the mutual-TLS client"};
  Options o;
  add_options(app, o);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    (void)app.exit(e);
    return kExitUsage;
  }

  auto tls = tls_options(o);
  if (!tls) {
    ts::log_line(tls.error().message);
    return kExitUsage;
  }
  auto listen = ts::parse_listen_addresses(o.listen);
  if (!listen) {
    ts::log_line(listen.error().message);
    return kExitUsage;
  }
  auto context = ts::make_server_context(*tls);
  if (!context) {
    ts::log_line(context.error().message);
    return kExitUsage;
  }

  // Declared before the io_context: connections still pending when it is destroyed refer to it.
  ts::ServerState state{*context, {}, {}, 0, {}, {}};
  state.handler = [&state](const ts::Request& request, const ts::ConnectionInfo& connection) {
    return ts::route(request, connection, state.stats);
  };
  state.settings.idle_timeout = std::chrono::seconds(o.idle_timeout);
  if (o.close_after > 0) state.settings.close_after = o.close_after;
  state.settings.date_offset = std::chrono::seconds(o.date_offset);
  state.settings.send_date = !o.no_date;

  asio::io_context io(1);
  ts::SignalStop stop(io);
  auto acceptors = ts::open_listeners(io, *listen);
  if (!acceptors) {
    ts::log_line(acceptors.error().message);
    return kExitStartup;
  }
  const auto ports = ts::listening_ports(*acceptors);
  for (auto& acceptor : *acceptors) {
    ts::start_accepting(acceptor, [&state](asio::ip::tcp::socket s) {
      ts::start_tls_connection(std::move(s), state);
    });
    ts::logf("listening on {}", ts::format_endpoint(acceptor.local_endpoint()));
  }
  if (!o.port_file.empty()) {
    if (auto written = ts::write_port_file(o.port_file, ports); !written) {
      ts::log_line(written.error().message);
      return kExitStartup;
    }
  }
  stop.run();
  return 0;
}
