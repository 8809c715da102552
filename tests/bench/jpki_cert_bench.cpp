// Reading the JPKI auth certificate from a freshly inserted card: onshi (`onshictl --direct card
// cert`) against OpenSC (`pkcs15-tool --read-certificate 01`), whole processes, the same pcscd
// and emulated card, alternating runs. Prints the APDU count of each run (the emulator counts
// what reaches the card) and the wall time from exec to exit. Figures for the README, no asserts.
//
//   jpki_cert_bench ONSHICTL PERSONA_DIR [runs=15]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.hpp"
#include "onshi/pcsc/context.hpp"
#include "onshi/sim/persona.hpp"
#include "onshi/sim/private_pcscd.hpp"
#include "onshi/sim/vpcd_card_slot.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Runs {
  std::vector<double> ms;
  std::vector<std::size_t> apdus;
  int failures = 0;
};

// Waits until pcscd reports the card in the reader present (or gone): its ~400 ms presence poll
// must have seen the change, so the timed run starts with the card known, as at a reception desk.
bool wait_state(const std::string& reader, bool present) {
  auto ctx = onshi::pcsc::Context::establish();
  if (!ctx) return false;
  const auto deadline = Clock::now() + 10s;
  while (Clock::now() < deadline) {
    SCARD_READERSTATE st{};
    st.szReader = reader.c_str();
    st.dwCurrentState = SCARD_STATE_UNAWARE;
    if (SCardGetStatusChange(ctx->handle(), 0, &st, 1) == SCARD_S_SUCCESS) {
      const bool is_present =
          (st.dwEventState & SCARD_STATE_PRESENT) != 0 && (st.dwEventState & SCARD_STATE_MUTE) == 0;
      if (is_present == present && (present || (st.dwEventState & SCARD_STATE_EMPTY) != 0))
        return true;
    }
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

void measure(Runs& runs, const onshi::sim::Persona& persona, int port, const std::string& reader,
             const std::vector<std::string>& command) {
  onshi::sim::SlotOptions options;
  options.port = port;
  onshi::sim::VpcdCardSlot slot(onshi::sim::Card(persona), options);
  if (!slot.insert(Clock::now() + 10s) || !wait_state(reader, true)) {
    ++runs.failures;
    return;
  }
  const std::size_t before = slot.apdu_count();
  const auto [status, ms] = onshi::bench::run_process(command);
  if (status != 0) ++runs.failures;
  runs.ms.push_back(ms);
  runs.apdus.push_back(slot.apdu_count() - before);
  slot.remove();
  if (!wait_state(reader, false)) ++runs.failures;
}

void print(const char* name, const Runs& r) {
  auto apdus = r.apdus;
  std::sort(apdus.begin(), apdus.end());
  fmt::print(
      "{:<44} runs={:<3} failures={} APDUs={}{} median={:7.1f} ms min={:7.1f} ms max={:7.1f} ms\n",
      name, r.ms.size(), r.failures, apdus.empty() ? 0 : apdus.front(),
      apdus.empty() || apdus.front() == apdus.back() ? "" : fmt::format("..{}", apdus.back()),
      onshi::bench::median(r.ms), r.ms.empty() ? 0 : *std::min_element(r.ms.begin(), r.ms.end()),
      r.ms.empty() ? 0 : *std::max_element(r.ms.begin(), r.ms.end()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    fmt::print(stderr, "usage: jpki_cert_bench ONSHICTL PERSONA_DIR [runs=15]\n");
    return 2;
  }
  const std::string onshictl = argv[1];
  const std::string dir = argv[2];
  const int n = argc > 3 ? std::atoi(argv[3]) : 15;
  auto persona = onshi::sim::load_persona_file(dir + "/jpki-card.json");
  if (!persona) {
    fmt::print(stderr, "{}\n", persona.error().to_string());
    return 1;
  }
  auto pcscd = onshi::sim::PrivatePcscd::start();
  if (!pcscd) {
    fmt::print(stderr, "{}\n", pcscd.error().to_string());
    return 1;
  }
  const int port = (*pcscd)->vpcd_port(0);
  const std::string reader = (*pcscd)->reader(0);
  ::setenv("ONSHI_API_SOCKET", "/nonexistent/onshi-api.sock", 1);

  Runs onshi_runs;
  Runs opensc_runs;
  const std::string tmp = "/tmp/onshi-jpki-cert-bench-" + std::to_string(::getpid());
  for (int i = 0; i < n; ++i) {  // alternating, so drift hits both alike
    measure(onshi_runs, *persona, port, reader,
            {onshictl, "--direct", "card", "cert", "--out", tmp + ".der"});
    measure(opensc_runs, *persona, port, reader,
            {"pkcs15-tool", "--reader", "0", "--read-certificate", "01", "-o", tmp + ".pem"});
  }
  std::remove((tmp + ".der").c_str());
  std::remove((tmp + ".pem").c_str());
  fmt::print(
      "JPKI auth certificate from a freshly inserted card (private pcscd + vpcd + "
      "onshi-cardsim)\n");
  print("onshictl --direct card cert --out F", onshi_runs);
  print("pkcs15-tool --read-certificate 01 -o F", opensc_runs);
  return onshi_runs.failures + opensc_runs.failures == 0 ? 0 : 1;
}
