// onshid's figures (README "Measured"): insurance-card queries per second and p50/p99 through the
// Unix socket with 1, 8 and 32 concurrent clients against onshi-eligsim, next to one-shot curl to
// eligsim in the same run; start-to-ready time; idle RSS.
//
//   build/ci/agent/onshid/onshid_bench [seconds per level, default 4]
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <memory>
#include <thread>

#include "onshid_rig.hpp"

// Rig options are given as designated initializers that name only what a test changes; the rest
// keep their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace {

using namespace onshi::agent::testing;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

long rss_kib(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

struct Level {
  int clients;
  std::size_t done = 0, failed = 0;
  double seconds = 0;
  std::vector<double> latencies_ms;
};

Level run_level(OnshidRig& rig, const json& request, int clients, double seconds) {
  Level level{clients};
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> lat(static_cast<std::size_t>(clients));
  std::vector<std::size_t> failures(static_cast<std::size_t>(clients));
  std::vector<std::thread> threads;
  const std::string body = request.dump();
  const auto t0 = Clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      auto conn = std::make_unique<Connection>(rig.socket());
      for (int i = 0; !stop; ++i) {
        const std::string key = fmt::format("bench-{}-{}-{}", clients, c, i);
        const auto s = Clock::now();
        const Reply r = conn->request("POST", "/v1/verifications", body,
                                      {{"Idempotency-Key", key}, {"Prefer", "wait=30"}});
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - s).count();
        if (r.status == 200 && r.body.find("\"succeeded\"") != std::string::npos) {
          lat[static_cast<std::size_t>(c)].push_back(ms);
        } else {
          ++failures[static_cast<std::size_t>(c)];
          if (r.status == 0) conn = std::make_unique<Connection>(rig.socket());
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  level.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  for (std::size_t c = 0; c < lat.size(); ++c) {
    level.latencies_ms.insert(level.latencies_ms.end(), lat[c].begin(), lat[c].end());
    level.failed += failures[c];
  }
  level.done = level.latencies_ms.size();
  return level;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 4.0;
  // Start-to-ready: the process started until GET /v1/health answers, five starts.
  std::vector<double> ready_ms;
  auto rig = OnshidRig::start({.request_timeout = std::chrono::milliseconds(30000)});
  if (!rig) return 1;
  for (int i = 0; i < 5; ++i) {
    const auto t0 = Clock::now();
    if (!rig->restart()) return 1;
    ready_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ready_ms.begin(), ready_ms.end());
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const long idle_rss = rss_kib(rig->onshid().pid());

  const json dataset = rig->dataset();
  const json request = insurance_request(person_of(dataset, "self"));
  // Warm-up: the token and the first TLS connections.
  (void)run_level(*rig, request, 2, 0.5);

  fmt::print(
      "onshid benchmark: insurance-card queries through the Unix socket to onshi-eligsim "
      "(mutual TLS), {} s per level, {} cores\n",
      seconds, std::thread::hardware_concurrency());
  fmt::print("  start-to-ready: median {:.0f} ms (min {:.0f}, max {:.0f}, 5 starts)\n", ready_ms[2],
             ready_ms.front(), ready_ms.back());
  fmt::print("  idle RSS after start: {} KiB\n", idle_rss);
  for (int clients : {1, 8, 32}) {
    const Level l = run_level(*rig, request, clients, seconds);
    fmt::print(
        "  {:2} client(s): {:7.1f} queries/s  p50 {:6.2f} ms  p99 {:6.2f} ms  ({} ok, {} "
        "failed)\n",
        clients, static_cast<double>(l.done) / l.seconds, percentile(l.latencies_ms, 0.5),
        percentile(l.latencies_ms, 0.99), l.done, l.failed);
  }
  fmt::print("  RSS after the run: {} KiB\n", rss_kib(rig->onshid().pid()));

  // One-shot curl to eligsim: a new process, TCP and TLS handshake per query (the token once).
  const auto pki = onshi::sim::eligsim::testing::pki().string();
  const std::string curl = fmt::format(
      "curl -s -S --max-time 10 --cert {0}/clients/good-rsa.pem --key {0}/clients/good-rsa.key "
      "--cacert {0}/root-ca.pem https://localhost:{1}/oqs-sim/v1",
      pki, rig->eligsim_api_port());
  FILE* p = popen((curl + "/auth -H 'Content-Type: application/json' -d "
                          "'{\"medicalInstitutionCode\":\"2714206386\"}'")
                      .c_str(),
                  "r");
  std::string auth;
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) auth.append(buf, n);
  pclose(p);
  const json token = json::parse(auth, nullptr, false);
  if (!token.is_object() || !token.contains("result")) {
    fmt::print("  curl one-shot: could not log in: {}\n", auth.substr(0, 200));
    return 0;
  }
  const std::string access = token["result"]["accessToken"];
  const auto& q = person_of(dataset, "self")["qualifications"][0];
  std::string insurer = q["insurer_number"];
  if (insurer.size() == 6) insurer = "  " + insurer;
  const json xml = {{"XmlMsg",
                     {{"MessageHeader",
                       {{"QualificationConfirmationDate", "20261202"},
                        {"MedicalInstitutionCode", "2714206386"},
                        {"ArbitraryFileIdentifier", "curl"}}},
                      {"MessageBody",
                       {{"QualificationConfirmSearchInfo",
                         json::array({{{"InsurerNumber", insurer},
                                       {"InsuredCardSymbol", q["symbol"]},
                                       {"InsuredIdentificationNumber", q["number"]},
                                       {"Birthdate", person_of(dataset, "self")["birthdate"]},
                                       {"LimitApplicationCertificateRelatedConsFlg", "0"}}})}}}}}};
  const std::string body_file = rig->dir() / "curl-body.json";
  std::ofstream(body_file) << xml.dump();
  std::vector<double> curl_ms;
  for (int i = 0; i < 20; ++i) {
    const auto t0 = Clock::now();
    const int rc =
        std::system((curl + "/qualifications/search -o /dev/null -H 'Authorization: " + access +
                     "' -H 'Content-Type: application/json' --data-binary @" + body_file)
                        .c_str());
    if (rc == 0) {
      curl_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
  }
  fmt::print(
      "  curl one-shot to eligsim (new process + TLS handshake each): p50 {:.2f} ms, p99 "
      "{:.2f} ms, {:.1f} queries/s sequential ({} of 20 ok)\n",
      percentile(curl_ms, 0.5), percentile(curl_ms, 0.99),
      curl_ms.empty() ? 0.0 : 1000.0 / percentile(curl_ms, 0.5), curl_ms.size());
  return 0;
}
