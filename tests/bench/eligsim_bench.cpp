// onshi-eligsim alone: how many 個別照会 per second it answers on loopback over mutual TLS, with 1,
// 2, 4 and 8 client threads, each on its own keep-alive connection (onshi's HttpsClient), asking
// for random persons of the data set. Prints requests per second, latency medians and p99, and the
// server's CPU use (one thread: near 100 % means the server is the limit). No asserts.
//
//   eligsim_bench PKI_DIR PERSONAS_DIR [seconds_per_step=3]
#include <fmt/format.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "bench_util.hpp"
#include "onshi/sim/test_process.hpp"
#include "onshi/tls/certificate.hpp"
#include "onshi/tls/client_identity.hpp"
#include "onshi/tls/https_client.hpp"
#include "onshi/xmlmsg/json_form.hpp"
#include "onshi/xmlmsg/messages.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace onshi;

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// utime + stime of a process, in seconds.
double cpu_seconds(pid_t pid) {
  std::istringstream stat(read_text(fmt::format("/proc/{}/stat", pid)));
  std::string field;
  double ticks = 0;
  for (int i = 1; stat >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);
  }
  return ticks / double(sysconf(_SC_CLK_TCK));
}

std::vector<std::string> search_bodies(const fs::path& dataset_file) {
  const auto dataset = nlohmann::json::parse(read_text(dataset_file));
  std::vector<std::string> bodies;
  for (const auto& p : dataset["persons"]) {
    const auto& q = p["qualifications"].back();
    xmlmsg::SearchInfo s{q["insurer_number"], q["symbol"], q["number"], q["branch"],
                         p["birthdate"],      "1",         ""};
    auto msg = xmlmsg::make_search_request({"20261202", "2714206386", "bench"}, s);
    if (msg) bodies.push_back(*xmlmsg::to_json(*msg));
  }
  return bodies;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    fmt::print(stderr, "usage: eligsim_bench PKI_DIR PERSONAS_DIR [seconds_per_step=3]\n");
    return 2;
  }
  const fs::path pki = argv[1];
  const fs::path personas = argv[2];
  const int seconds = argc > 3 ? std::max(1, std::atoi(argv[3])) : 3;
  const fs::path work = fs::temp_directory_path() / fmt::format("eligsim-bench-{}", ::getpid());
  fs::create_directories(work);
  const fs::path port_file = work / "ports", dataset = work / "dataset.json";
  auto server = sim::TestProcess::start(
      ONSHI_ELIGSIM,
      {"--cert", (pki / "server/server.pem").string(), "--key",
       (pki / "server/server.key").string(), "--chain", (pki / "server/server-chain.pem").string(),
       "--client-ca", (pki / "ca-chain.pem").string(), "--crl", (pki / "crl.pem").string(),
       "--personas", personas.string(), "--port-file", port_file.string(), "--write-dataset",
       dataset.string()},
      {.port_file = port_file});
  if (!server) {
    fmt::print(stderr, "{}\n", server.error().to_string());
    return 1;
  }
  const auto bodies = search_bodies(dataset);
  auto issuing = tls::Certificate::load_pem_file(pki / "intermediate-ca.pem");
  tls::ClientOptions options;
  options.base_url = fmt::format("https://localhost:{}/oqs-sim/v1", server->port());
  options.pins = {issuing->at(0).spki_sha256()};
  options.test_mode = true;
  options.server_ca_file = pki / "root-ca.pem";
  options.max_attempts = 1;

  fmt::print(
      "onshi-eligsim alone, 個別照会 over mutual TLS (keep-alive), {} persons, {} s a step\n",
      bodies.size(), seconds);
  fmt::print("{:>8} {:>10} {:>12} {:>12} {:>8} {:>12}\n", "threads", "requests", "per second",
             "median ms", "p99 ms", "server CPU");
  for (const int threads : {1, 2, 4, 8}) {
    std::vector<std::vector<double>> latencies(threads);
    std::atomic<long> errors{0};
    const double cpu_before = cpu_seconds(server->pid());
    const auto start = Clock::now();
    const auto end = start + std::chrono::seconds(seconds);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        auto identity =
            tls::load_identity_pem(pki / "clients/good-rsa.pem", pki / "clients/good-rsa.key");
        auto client = tls::HttpsClient::create(options, std::move(*identity));
        auto login = (*client)->request(tls::Request::post(
            "/auth", R"({"medicalInstitutionCode":"2714206386"})", "application/json"));
        if (!login || login->status != 200) {
          ++errors;
          return;
        }
        const std::string token =
            nlohmann::json::parse(login->body)["result"]["accessToken"].get<std::string>();
        std::mt19937 random(static_cast<unsigned>(t + 1));
        while (Clock::now() < end) {
          auto request = tls::Request::post("/qualifications/search",
                                            bodies[random() % bodies.size()], "application/json");
          request.headers.emplace_back("Authorization", token);
          const auto t0 = Clock::now();
          auto r = (*client)->request(request);
          latencies[t].push_back(
              std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
          if (!r || r->status != 200) ++errors;
        }
      });
    }
    for (auto& w : workers) w.join();
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    const double cpu = cpu_seconds(server->pid()) - cpu_before;
    std::vector<double> all;
    for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
    std::sort(all.begin(), all.end());
    const double p99 = all.empty() ? 0 : all[std::min(all.size() - 1, all.size() * 99 / 100)];
    fmt::print("{:>8} {:>10} {:>12.0f} {:>12.3f} {:>8.3f} {:>11.0f}%{}\n", threads, all.size(),
               double(all.size()) / elapsed, bench::median(all), p99, 100 * cpu / elapsed,
               errors ? fmt::format("  ({} errors)", errors.load()) : "");
  }
  fs::remove_all(work);
  return 0;
}
