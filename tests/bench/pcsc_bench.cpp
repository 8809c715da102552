// Figures for the README, not assertions: APDU round trip through pcscd + vpcd + the emulated
// card, and card-insert/remove-to-event latency of the reader monitor (test-rigs.md §1 measured
// 0.10 ms per APDU with TCP_QUICKACK and about 400 ms for presence changes).
//
//   pcsc_bench [apdus=2000] [cycles=10]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "onshi/pcsc/card.hpp"
#include "onshi/pcsc/reader_monitor.hpp"
#include "onshi/sim/persona.hpp"
#include "onshi/sim/private_pcscd.hpp"
#include "onshi/sim/vpcd_card_slot.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

void print_stats(const char* what, const std::vector<double>& ms) {
  double sum = 0;
  for (double x : ms) sum += x;
  fmt::print("{:<34} n={:<5} mean={:8.3f} ms  median={:8.3f} ms  p99={:8.3f} ms  max={:8.3f} ms\n",
             what, ms.size(), sum / static_cast<double>(ms.size()), percentile(ms, 0.5),
             percentile(ms, 0.99), *std::max_element(ms.begin(), ms.end()));
}

double since_ms(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

onshi::sim::Card make_card() {
  auto persona =
      onshi::sim::load_persona_file(std::string(ONSHI_CARDSIM_PERSONA_DIR) + "/generic.json");
  if (!persona) {
    fmt::print(stderr, "{}\n", persona.error().to_string());
    std::exit(1);
  }
  return onshi::sim::Card(std::move(persona).value());
}

}  // namespace

int main(int argc, char** argv) {
  const int apdus = argc > 1 ? std::atoi(argv[1]) : 2000;
  const int cycles = argc > 2 ? std::atoi(argv[2]) : 10;

  auto pcscd = onshi::sim::PrivatePcscd::start();
  if (!pcscd) {
    fmt::print(stderr, "{}\n", pcscd.error().to_string());
    return 1;
  }
  auto& daemon = **pcscd;

  // Card insert/remove → monitor event.
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<onshi::pcsc::MonitorEvent::Kind> seen;
  onshi::pcsc::ReaderMonitor monitor({}, [&](const onshi::pcsc::MonitorEvent& e) {
    const std::lock_guard lock(mutex);
    seen.push_back(e.kind);
    cv.notify_all();
  });
  monitor.start();
  auto wait_event = [&](onshi::pcsc::MonitorEvent::Kind kind) {
    std::unique_lock lock(mutex);
    const bool ok = cv.wait_for(
        lock, 10s, [&] { return std::find(seen.begin(), seen.end(), kind) != seen.end(); });
    seen.clear();
    return ok;
  };
  {
    std::unique_lock lock(mutex);
    cv.wait_for(lock, 10s, [&] { return seen.size() >= 2; });
    seen.clear();
  }
  std::vector<double> insert_ms, remove_ms;
  onshi::sim::SlotOptions slot_options;
  slot_options.port = daemon.vpcd_port(0);
  onshi::sim::VpcdCardSlot slot(make_card(), slot_options);
  for (int i = 0; i < cycles; ++i) {
    auto t0 = Clock::now();
    if (!slot.insert(Clock::now() + 5s)) return 1;
    if (!wait_event(onshi::pcsc::MonitorEvent::Kind::card_inserted)) return 1;
    insert_ms.push_back(since_ms(t0));
    t0 = Clock::now();
    slot.remove();
    if (!wait_event(onshi::pcsc::MonitorEvent::Kind::card_removed)) return 1;
    remove_ms.push_back(since_ms(t0));
  }
  monitor.stop();

  // APDU round trip: GET CHALLENGE, 8 bytes.
  if (!slot.insert(Clock::now() + 5s)) return 1;
  std::this_thread::sleep_for(1s);
  auto context = onshi::pcsc::Context::establish();
  if (!context) return 1;
  auto card = onshi::pcsc::Card::connect(
      std::make_shared<onshi::pcsc::Context>(std::move(context).value()), daemon.reader(0));
  if (!card) {
    fmt::print(stderr, "{}\n", card.error().to_string());
    return 1;
  }
  const onshi::pcsc::CommandApdu challenge{0x00, 0x84, 0x00, 0x00, {}, 8};
  std::vector<double> rtt_ms;
  rtt_ms.reserve(static_cast<std::size_t>(apdus));
  for (int i = 0; i < 100; ++i) (void)card->transmit(challenge);  // warm-up
  for (int i = 0; i < apdus; ++i) {
    const auto t0 = Clock::now();
    auto r = card->transmit(challenge);
    rtt_ms.push_back(since_ms(t0));
    if (!r || !r->ok()) {
      fmt::print(stderr, "APDU {} failed\n", i);
      return 1;
    }
  }

  fmt::print("onshi PC/SC benchmark (private pcscd + vpcd + onshi-cardsim, loopback)\n");
  print_stats("APDU round trip (GET CHALLENGE)", rtt_ms);
  print_stats("card insert -> card_inserted", insert_ms);
  print_stats("card remove -> card_removed", remove_ms);
  return 0;
}
