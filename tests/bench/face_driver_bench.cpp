// The face reader's vendor side through onshi's driver, libusb and umockdev (onshi-facesim):
// command round trip (GET_STATUS) and event latency (START_SESSION sent → FACE_RESULT received,
// the device's step delay 0, so one command round trip is inside it), alone and while another
// thread runs APDUs on the same device's CCID slot through pcscd. Run as root; it starts
// onshi-facesim with itself as the child:   build/ci/tests/bench/face_driver_bench [rounds]
#include <unistd.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "bench_util.hpp"
#include "onshi/driver/face_reader.hpp"
#include "onshi/pcsc/card.hpp"
#include "onshi/pcsc/context.hpp"

using namespace onshi;
using namespace onshi::driver;
using Clock = std::chrono::steady_clock;

namespace {

int ctl(const std::string& command) {
  return std::system((std::string(ONSHI_FACESIM) + " ctl " + std::getenv("ONSHI_FACESIM_CONTROL") +
                      " " + command + " > /dev/null")
                         .c_str());
}

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double p99(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[std::min(v.size() - 1, v.size() * 99 / 100)];
}

struct Waiter {
  std::mutex m;
  std::condition_variable cv;
  std::optional<Clock::time_point> face_at;
  std::optional<Clock::time_point> ended_at;
};

// Runs APDUs (SELECT of an absent AID) on the slot until told to stop.
void run_apdus(std::atomic<bool>& stop, std::atomic<int>& count) {
  auto ctx = pcsc::Context::establish();
  if (!ctx) return;
  auto context = std::make_shared<pcsc::Context>(std::move(*ctx));
  std::optional<pcsc::Card> card;
  for (int i = 0; i < 100 && !card; ++i) {
    auto names = context->list_readers();
    if (names && !names->empty()) {
      auto c = pcsc::Card::connect(context, names->front());
      if (c) card.emplace(std::move(*c));
    }
    if (!card) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!card) return;
  while (!stop.load()) {
    auto r = card->transmit({0x00, 0xA4, 0x04, 0x0C, Bytes{0xD3, 0x92, 0x10}, std::nullopt});
    if (r) ++count;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 300;
  if (std::getenv("ONSHI_FACESIM_CONTROL") == nullptr) {
    if (::geteuid() != 0) {
      std::fprintf(stderr, "face_driver_bench: needs root (onshi-facesim's pcscd)\n");
      return 2;
    }
    // Start again as onshi-facesim's child, so that libusb sees the emulated device.
    char dir[] = "/tmp/onshi-face-bench-XXXXXX";
    if (::mkdtemp(dir) == nullptr) return 2;
    const std::string d = dir;
    const std::string persona =
        std::getenv("ONSHI_TEST_PERSONAS")
            ? std::string(std::getenv("ONSHI_TEST_PERSONAS")) + "/jpki/jpki-card.json"
            : "";
    std::string cmd = fmt::format(
        "{} --readers 1 --pcscd-socket {}/pcscd.comm --control {}/ctl {} -- env "
        "ONSHI_FACESIM_CONTROL={}/ctl {} {} 2>/dev/null",
        ONSHI_FACESIM, d, d, persona.empty() ? "" : "--card 0=" + persona, d, argv[0], rounds);
    const int rc = std::system(cmd.c_str());
    std::system(("rm -rf " + d).c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 1;
  }

  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::thread io_thread([&] { io.run(); });
  Waiter w;
  DriverOptions options;
  options.test_mode = true;
  auto started = FaceReaderDriver::start(io, options);
  if (!started) {
    std::fprintf(stderr, "%s\n", started.error().to_string().c_str());
    return 1;
  }
  auto driver = std::move(*started);
  driver->on_event([&](const ReaderEvent& e) {
    const auto* d = std::get_if<DeviceEvent>(&e.news);
    if (d == nullptr) return;
    const std::lock_guard lock(w.m);
    if (std::holds_alternative<FaceResult>(*d)) w.face_at = Clock::now();
    if (std::holds_alternative<SessionEnded>(*d)) w.ended_at = Clock::now();
    w.cv.notify_all();
  });
  std::shared_ptr<FaceReader> reader;
  for (int i = 0; i < 100 && !(reader && reader->connected()); ++i) {
    reader = driver->reader("FACE0001");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!reader || !reader->connected()) {
    std::fprintf(stderr, "face_driver_bench: the emulated reader never connected\n");
    return 1;
  }
  ctl("vendor-delay 0 0");

  auto status_rtt = [&]() {
    std::promise<void> p;
    const auto t0 = Clock::now();
    reader->async_status([&](Result<DeviceStatus>) { p.set_value(); });
    p.get_future().wait();
    return ms(Clock::now() - t0);
  };
  auto event_latency = [&](std::uint32_t id) {
    ctl("face 0 match 900");
    {
      const std::lock_guard lock(w.m);
      w.face_at.reset();
      w.ended_at.reset();
    }
    std::promise<void> p;
    SessionRequest r;
    r.session = id;
    r.mode = SessionMode::face;
    // From the command to the event: the reply and the event race (the device's step delay is
    // 0), so the command's own round trip is inside the figure.
    const auto asked = Clock::now();
    reader->async_start_session(r, [&](Status) { p.set_value(); });
    p.get_future().wait();
    std::unique_lock lock(w.m);
    w.cv.wait_for(lock, std::chrono::seconds(5), [&] { return w.face_at.has_value(); });
    const double latency = w.face_at ? ms(*w.face_at - asked) : -1;
    lock.unlock();
    std::promise<void> c;
    reader->async_cancel(id, [&](Status) { c.set_value(); });
    c.get_future().wait();
    lock.lock();
    w.cv.wait_for(lock, std::chrono::seconds(5), [&] { return w.ended_at.has_value(); });
    return latency;
  };

  auto measure = [&](const char* label) {
    std::vector<double> rtt;
    std::vector<double> latency;
    for (int i = 0; i < rounds; ++i) rtt.push_back(status_rtt());
    for (int i = 0; i < std::max(10, rounds / 10); ++i) {
      const double l = event_latency(static_cast<std::uint32_t>(1000 + i));
      if (l >= 0) latency.push_back(l);
    }
    std::printf(
        "%-28s GET_STATUS round trip median %.2f ms p99 %.2f ms (%d); START_SESSION → FACE_RESULT "
        "median %.2f ms p99 %.2f ms (%zu)\n",
        label, bench::median(rtt), p99(rtt), rounds, bench::median(latency), p99(latency),
        latency.size());
  };

  measure("vendor side alone:");
  std::atomic<bool> stop{false};
  std::atomic<int> apdus{0};
  std::thread apdu_thread([&] { run_apdus(stop, apdus); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto t0 = Clock::now();
  const int before = apdus.load();
  measure("while APDUs run:");
  const double seconds = ms(Clock::now() - t0) / 1000;
  stop = true;
  apdu_thread.join();
  std::printf("%-28s %.0f APDUs/s on the CCID slot meanwhile\n", "",
              (apdus.load() - before) / seconds);
  const auto s = reader->stats();
  std::printf("link: %llu commands, %llu retransmissions, %llu timeouts, %llu events\n",
              static_cast<unsigned long long>(s.commands),
              static_cast<unsigned long long>(s.retransmissions),
              static_cast<unsigned long long>(s.timeouts),
              static_cast<unsigned long long>(s.events));
  driver.reset();
  work.reset();
  io_thread.join();
  return 0;
}
