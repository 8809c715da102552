// onshi-connect-proxy: an HTTP CONNECT proxy for the mutual-TLS client's proxy tests (issue 5).
// --log records every request's fate, so a test can prove its connection did (or did not) go
// through the proxy; --refuse and --require-auth produce the refusals a clinic's proxy gives.

#include <boost/asio/io_context.hpp>

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "host_port.hpp"
#include "listeners.hpp"
#include "log_line.hpp"
#include "proxy_connection.hpp"

namespace {

namespace asio = boost::asio;
namespace ts = onshi::sim::tlsserver;

constexpr int kExitUsage = 2;
constexpr int kExitStartup = 1;

struct Options {
  std::vector<std::string> listen;
  std::string port_file;
  std::string log;
  bool refuse = false;
  std::string require_auth;
};

void add_options(CLI::App& app, Options& o) {
  app.add_option("--listen", o.listen, "ADDR:PORT to listen on, repeatable (127.0.0.1:0, [::1]:0)")
      ->default_str("127.0.0.1:0");
  app.add_option("--port-file", o.port_file,
                 "write the chosen ports here, one line per --listen, atomically");
  app.add_option("--log", o.log,
                 "append \"CONNECT host:port -> ok|refused|failed|...\" per request");
  app.add_flag("--refuse", o.refuse, "answer 403 Forbidden to every CONNECT");
  app.add_option("--require-auth", o.require_auth,
                 "USER:PASS: answer 407 without a matching Proxy-Authorization: Basic");
}
}  // namespace

int main(int argc, char** argv) {
  ts::set_log_program("onshi-connect-proxy");
  CLI::App app{"onshi-connect-proxy: an HTTP CONNECT proxy for tests"};
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
  auto listen = ts::parse_listen_addresses(o.listen);
  if (!listen) {
    ts::log_line(listen.error().message);
    return kExitUsage;
  }
  if (!o.require_auth.empty() && o.require_auth.find(':') == std::string::npos) {
    ts::log_line("--require-auth takes USER:PASS");
    return kExitUsage;
  }

  // Declared before the io_context: connections still pending when it is destroyed refer to it.
  ts::ProxySettings settings;
  settings.policy.refuse = o.refuse;
  if (!o.require_auth.empty()) settings.policy.required_credentials = o.require_auth;
  if (!o.log.empty()) {
    auto log = ts::ProxyLog::open(o.log);
    if (!log) {
      ts::log_line(log.error().message);
      return kExitStartup;
    }
    settings.log = std::move(*log);
  }

  asio::io_context io(1);
  ts::SignalStop stop(io);
  auto acceptors = ts::open_listeners(io, *listen);
  if (!acceptors) {
    ts::log_line(acceptors.error().message);
    return kExitStartup;
  }
  for (auto& acceptor : *acceptors) {
    ts::start_accepting(acceptor, [&settings](asio::ip::tcp::socket s) {
      ts::start_proxy_connection(std::move(s), settings);
    });
    ts::logf("listening on {}", ts::format_endpoint(acceptor.local_endpoint()));
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
