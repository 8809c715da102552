// The emulated face reader's costs (onshi-facesim under umockdev, driven by the real pcscd +
// libccid): an APDU round trip, a VERIFY_PIN_DIRECT on the pad, and the idle CPU of the emulator
// and pcscd while pcscd polls the slot. Root only (pcscd's mount namespace).
//
//   facesim_bench PERSONAS_DIR [apdus] [verifies] [idle_seconds]

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "onshi/pcsc/card.hpp"
#include "onshi/pcsc/context.hpp"
#include "onshi/pcsc/jpki_ap.hpp"
#include "onshi/pcsc/pin.hpp"
#include "onshi/pcsc/pin_pad.hpp"
#include "onshi/sim/test_process.hpp"
#include "onshi/sim/tool_run.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using onshi::Bytes;
namespace pcsc = onshi::pcsc;

namespace {

void report(const char* what, std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  double sum = 0;
  for (double v : ms) sum += v;
  std::printf("%-34s n=%-5zu mean=%8.3f ms  median=%8.3f ms  p99=%8.3f ms  max=%8.3f ms\n", what,
              ms.size(), sum / static_cast<double>(ms.size()), ms[ms.size() / 2],
              ms[std::min(ms.size() - 1, ms.size() * 99 / 100)], ms.back());
}

// utime + stime of a process, in clock ticks.
long cpu_ticks(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string all;
  std::getline(in, all);  // one line
  const auto close = all.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(all.substr(close + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) stime = std::stol(field);
  }
  return utime + stime;
}

// VmRSS of a process, in KiB.
long rss_kib(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

pid_t first_child(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/task/{}/children", pid, pid));
  pid_t child = -1;
  in >> child;
  return child;
}

std::string ctl(const std::string& control, const std::string& command) {
  return onshi::sim::run_tool(fmt::format("{} ctl {} {}", ONSHI_FACESIM, control, command)).output;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PERSONAS_DIR [apdus] [verifies] [idle_seconds]\n", argv[0]);
    return 2;
  }
  if (::geteuid() != 0) {
    std::fprintf(
        stderr,
        "facesim_bench: needs root (onshi-facesim runs pcscd in its own mount namespace)\n");
    return 2;
  }
  const fs::path personas = argv[1];
  const int apdus = argc > 2 ? std::atoi(argv[2]) : 1000;
  const int verifies = argc > 3 ? std::atoi(argv[3]) : 200;
  const int idle_seconds = argc > 4 ? std::atoi(argv[4]) : 5;
  const fs::path dir =
      fs::temp_directory_path() / fmt::format("onshi-facesim-bench-{}", ::getpid());
  fs::create_directories(dir);
  const std::string socket = (dir / "pcscd.comm").string();
  const std::string control = (dir / "ctl").string();
  ::setenv("PCSCLITE_CSOCK_NAME", socket.c_str(), 1);
  onshi::sim::TestProcessOptions o;
  o.port_file = dir / "ready";
  auto facesim = onshi::sim::TestProcess::start(
      ONSHI_FACESIM,
      {"--pcscd-socket", socket, "--control", control, "--ready-file", (dir / "ready").string(),
       "--typing-ms", "0", "--card", "0=" + (personas / "jpki" / "jpki-card.json").string()},
      o);
  if (!facesim) {
    std::fprintf(stderr, "%s\n", facesim.error().to_string().c_str());
    return 1;
  }
  auto context = std::make_shared<pcsc::Context>(pcsc::Context::establish().value());
  std::string reader;
  for (int i = 0; i < 100 && reader.empty(); ++i) {
    if (auto r = context->list_readers(); r && !r->empty()) reader = r->front();
    std::this_thread::sleep_for(100ms);
  }
  std::this_thread::sleep_for(500ms);  // the card's insertion seen by pcscd
  pcsc::CardOptions options;
  options.share = pcsc::ShareMode::exclusive;
  auto card = pcsc::Card::connect(context, reader, options);
  if (!card) {
    std::fprintf(stderr, "%s\n", card.error().to_string().c_str());
    return 1;
  }
  std::printf("onshi-facesim benchmark (real pcscd + libccid + umockdev, short APDU level)\n");
  const long rss_before = rss_kib(facesim->pid());
  const pcsc::CommandApdu select{
      0x00,        0xA4, 0x04, 0x0C, Bytes(pcsc::jpki::kAid.begin(), pcsc::jpki::kAid.end()),
      std::nullopt};
  std::vector<double> rtt;
  for (int i = 0; i < apdus; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = card->transmit(select);
    rtt.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (!r || r->sw() != 0x9000) return 1;
  }
  report("APDU round trip (SELECT)", rtt);

  // VERIFY_PIN_DIRECT alone: the PIN EF selected once, the pad typing the right PIN at once.
  auto pad = pcsc::detect_pin_pad(*card).value().value();
  std::ifstream persona_file(personas / "jpki" / "jpki-card.json");
  const std::string pin = nlohmann::json::parse(persona_file)["jpki"]["auth_pin"]["value"];
  const Bytes structure =
      pcsc::verify_pin_direct_structure(pcsc::jpki::pin_reference(pcsc::jpki::Key::auth),
                                        *pcsc::pad_pin_format(pcsc::PinFormat::four_digits), 30s);
  if (!pcsc::select_ef(*card, pcsc::jpki::kEfAuthPin)) return 1;
  std::vector<double> pins;
  for (int i = 0; i < verifies; ++i) {
    ctl(control, "pad 0 type " + pin);
    const auto t0 = std::chrono::steady_clock::now();
    auto r = card->control(pad.verify_control, structure, 40s);
    pins.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (!r || *r != Bytes{0x90, 0x00}) return 1;
  }
  report("VERIFY_PIN_DIRECT (pad, 0 ms typing)", pins);
  std::printf("emulator resident memory %ld KiB before, %ld KiB after %d exchanges\n", rss_before,
              rss_kib(facesim->pid()), apdus + verifies);
  (void)card->disconnect(pcsc::Disposition::unpower);

  // Idle: pcscd's polling thread waits on interrupt IN; the emulator parks the empty reaps.
  const pid_t emulator = facesim->pid();
  const pid_t pcscd = first_child(emulator);
  const long ticks = ::sysconf(_SC_CLK_TCK);
  const long e0 = cpu_ticks(emulator), p0 = pcscd > 0 ? cpu_ticks(pcscd) : 0;
  std::this_thread::sleep_for(std::chrono::seconds(idle_seconds));
  const long e1 = cpu_ticks(emulator), p1 = pcscd > 0 ? cpu_ticks(pcscd) : 0;
  const double span = static_cast<double>(idle_seconds * ticks);
  std::printf("idle CPU over %d s (card in the slot)  emulator %.1f%%  pcscd %.1f%%\n",
              idle_seconds, 100.0 * static_cast<double>(e1 - e0) / span,
              100.0 * static_cast<double>(p1 - p0) / span);
  context.reset();
  facesim->stop();
  std::error_code ec;
  fs::remove_all(dir, ec);
  return 0;
}
