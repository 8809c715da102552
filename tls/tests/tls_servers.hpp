// Servers for the client tests, each a child process on an ephemeral loopback port: OpenSSL's own
// s_server (the independent reference), onshi-tls-testserver (keep-alive, Date, stats) and
// onshi-connect-proxy.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "onshi/sim/test_process.hpp"
#include "onshi/tls/certificate.hpp"
#include "onshi/tls/client_identity.hpp"
#include "onshi/tls/https_client.hpp"
#include "test_pki.hpp"

namespace onshi::tls::testing {

struct RunningServer {
  sim::TestProcess process;
  std::uint16_t port = 0;
};

// `openssl s_server … -accept ADDR:0 -www`, its port read from its "ACCEPT" line.
inline Result<RunningServer> start_s_server(std::vector<std::string> args,
                                            const std::string& address = "127.0.0.1") {
  // s_server writes its "ACCEPT host:port" line through stdio: line-buffer it (stdbuf) so the
  // port can be read while it runs.
  std::vector<std::string> all = {"-oL", "openssl", "s_server", "-accept", address + ":0", "-www"};
  all.insert(all.end(), args.begin(), args.end());
  auto process = sim::TestProcess::start("/usr/bin/stdbuf", all);
  if (!process) return std::move(process).error();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string out = process->output();
    const auto at = out.find("ACCEPT ");
    const auto end = at == std::string::npos ? std::string::npos : out.find('\n', at);
    if (end != std::string::npos) {
      const std::string line = out.substr(at, end - at);
      const auto colon = line.rfind(':');
      return RunningServer{std::move(*process),
                           static_cast<std::uint16_t>(std::stoi(line.substr(colon + 1)))};
    }
    if (!process->running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return fail(Errc::internal, "openssl s_server did not start: " + process->output());
}

inline Result<RunningServer> start_program(const std::filesystem::path& program,
                                           std::vector<std::string> args, const std::string& tag) {
  const auto port_file =
      std::filesystem::temp_directory_path() /
      ("onshi-" + tag + "-" + std::to_string(::getpid()) + "-" +
       std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + ".port");
  args.push_back("--port-file");
  args.push_back(port_file.string());
  sim::TestProcessOptions options;
  options.port_file = port_file;
  auto process = sim::TestProcess::start(program, args, options);
  if (!process) return std::move(process).error();
  std::error_code ec;
  std::filesystem::remove(port_file, ec);
  const auto port = process->port();
  return RunningServer{std::move(*process), port};
}

inline Result<RunningServer> start_testserver(std::vector<std::string> args) {
  return start_program(sim::tls_testserver_path(), std::move(args), "tlsserver");
}

inline Result<RunningServer> start_proxy(std::vector<std::string> args) {
  return start_program(sim::connect_proxy_path(), std::move(args), "proxy");
}

// The pin pins.txt gives for `file`, as the digest the client compares.
inline Sha256 pin_digest(const std::string& file) {
  auto certs = Certificate::load_pem_file(pki_dir() / file);
  EXPECT_TRUE(certs) << file;
  return certs ? (*certs)[0].spki_sha256() : Sha256{};
}

// A client bundle of the test PKI, opened.
inline ClientIdentity bundle(const std::string& name) {
  auto id = open_pkcs12(read_bytes(client_p12(name)), password());
  EXPECT_TRUE(id) << name << ": " << (id ? "" : id.error().to_string());
  return std::move(*id);
}

// A test-mode client for host:port, trusting the test root and pinning the intermediate, with
// short deadlines.
inline ClientOptions options_for(const std::string& host, std::uint16_t port) {
  using namespace std::chrono_literals;
  ClientOptions o;
  o.base_url = "https://" + host + ":" + std::to_string(port);
  o.pins = {pin_digest("intermediate-ca.pem")};
  o.test_mode = true;
  o.server_ca_file = pki_dir() / "root-ca.pem";
  o.connect_timeout = 3000ms;
  o.handshake_timeout = 3000ms;
  o.request_timeout = 5000ms;
  o.retry_backoff = 10ms;
  return o;
}

}  // namespace onshi::tls::testing
