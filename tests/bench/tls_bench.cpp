// The mutual-TLS client against onshi-tls-testserver on loopback, with the test PKI: a full
// handshake + request on a new client, a resumed handshake + request (the server closes after each
// request, so every request needs a new connection), and a request on a warm keep-alive
// connection; next to curl one-shot (--cert/--key/--pinnedpubkey, a whole process per request)
// in the same run. Prints medians and the resident memory before and after; no asserts.
//
//   tls_bench PKI_DIR [runs=50]
#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "onshi/sim/test_process.hpp"
#include "onshi/tls/client_identity.hpp"
#include "onshi/tls/https_client.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;
using namespace onshi;
using namespace onshi::tls;
using bench::median;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Result<sim::TestProcess> server(const fs::path& pki, const std::vector<std::string>& extra,
                                const fs::path& port_file) {
  std::vector<std::string> args = {"--cert",      (pki / "server/server.pem").string(),
                                   "--key",       (pki / "server/server.key").string(),
                                   "--chain",     (pki / "intermediate-ca.pem").string(),
                                   "--client-ca", (pki / "ca-chain.pem").string(),
                                   "--port-file", port_file.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  sim::TestProcessOptions o;
  o.port_file = port_file;
  return sim::TestProcess::start(sim::tls_testserver_path(), args, o);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: tls_bench PKI_DIR [runs=50]\n");
    return 2;
  }
  const fs::path pki = argv[1];
  const int runs = argc > 2 ? std::max(5, std::atoi(argv[2])) : 50;
  const std::string password = read_text(pki / "clients/password");
  const Bytes p12 = [&] {
    const std::string s = read_text(pki / "clients/good-rsa.p12");
    return Bytes(s.begin(), s.end());
  }();
  auto identity = open_pkcs12(
      p12, ByteView(reinterpret_cast<const std::uint8_t*>(password.data()), password.size()));
  auto intermediate = Certificate::load_pem_file(pki / "intermediate-ca.pem");
  auto leaf = Certificate::load_pem_file(pki / "server/server.pem");
  if (!identity || !intermediate || !leaf) {
    fmt::print(stderr, "tls_bench: {} is not a test PKI (tests/sim/pki/onshi-test-pki)\n",
               pki.string());
    return 1;
  }
  const fs::path tmp = fs::temp_directory_path();
  auto keep_alive = server(pki, {}, tmp / "onshi-bench-ka.port");
  auto one_shot = server(pki, {"--close-after", "1"}, tmp / "onshi-bench-1.port");
  if (!keep_alive || !one_shot) {
    fmt::print(stderr, "tls_bench: cannot start onshi-tls-testserver\n");
    return 1;
  }
  auto options = [&](std::uint16_t port) {
    ClientOptions o;
    o.base_url = fmt::format("https://localhost:{}", port);
    o.pins = {(*intermediate)[0].spki_sha256()};
    o.test_mode = true;
    o.server_ca_file = pki / "root-ca.pem";
    return o;
  };
  const long rss_start = rss_kib();
  std::vector<double> full, resumed, warm, curl;
  int failures = 0;

  for (int i = 0; i < runs; ++i) {
    auto client = HttpsClient::create(options(keep_alive->port()), *identity);
    const auto start = Clock::now();
    auto r = (*client)->request(Request::get("/echo"));
    full.push_back(ms_since(start));
    failures += r ? 0 : 1;
  }
  {
    auto client = HttpsClient::create(options(one_shot->port()), *identity);
    (void)(*client)->request(Request::get("/echo"));
    for (int i = 0; i < runs; ++i) {
      const auto start = Clock::now();
      auto r = (*client)->request(Request::get("/echo"));
      resumed.push_back(ms_since(start));
      failures += (r && r->resumed_session) ? 0 : 1;
    }
  }
  {
    auto client = HttpsClient::create(options(keep_alive->port()), *identity);
    (void)(*client)->request(Request::get("/echo"));
    for (int i = 0; i < runs * 10; ++i) {
      const auto start = Clock::now();
      auto r = (*client)->request(Request::get("/echo"));
      warm.push_back(ms_since(start));
      failures += (r && r->reused_connection) ? 0 : 1;
    }
  }
  const long rss_end = rss_kib();
  const std::vector<std::string> curl_args = {
      "curl", "-sS", "-o", "/dev/null", "--fail", "--cacert", (pki / "root-ca.pem").string(),
      "--cert", (pki / "clients/good-rsa.pem").string(), "--key",
      (pki / "clients/good-rsa.key").string(),
      // curl matches the leaf only; onshi's pin above is the intermediate.
      "--pinnedpubkey", (*leaf)[0].pin(),
      fmt::format("https://localhost:{}/echo", keep_alive->port())};
  int curl_failures = 0;
  for (int i = 0; i < runs; ++i) {
    const auto [status, ms] = bench::run_process(curl_args);
    curl_failures += status == 0 ? 0 : 1;
    curl.push_back(ms);
  }

  fmt::print(
      "mutual TLS to onshi-tls-testserver on loopback, RSA-2048 client and server keys, "
      "{} runs (warm: {})\n",
      runs, runs * 10);
  fmt::print("  onshi, new client, full handshake + GET   median {:7.2f} ms\n", median(full));
  fmt::print("  onshi, resumed handshake + GET            median {:7.2f} ms\n", median(resumed));
  fmt::print("  onshi, warm keep-alive connection, GET    median {:7.3f} ms\n", median(warm));
  fmt::print("  curl one-shot (process, full handshake)   median {:7.2f} ms\n", median(curl));
  fmt::print("  ratio curl one-shot / onshi full          {:7.1f}x\n",
             median(full) > 0 ? median(curl) / median(full) : 0.0);
  fmt::print("  ratio curl one-shot / onshi warm          {:7.1f}x\n",
             median(warm) > 0 ? median(curl) / median(warm) : 0.0);
  fmt::print("  resident memory {} KiB before, {} KiB after {} requests\n", rss_start, rss_end,
             runs * 12 + 2);
  fmt::print("  failures: onshi {}, curl {}\n", failures, curl_failures);
  return failures + curl_failures == 0 ? 0 : 1;
}
