// onshid's card-session figures (README "Measured"): for each path (face, face failing over to
// the PIN on the pad, 目視, PIN on the pad) the end-to-end time from the card being put on the
// emulated face reader to the answer, its steps from the progress events, and onshid's own CPU
// time per verification — the agent's share, outside card I/O, the emulated reader and the
// eligibility service, which run in other processes. Then idle wake-ups of onshid with the face
// reader absent: under umockdev libusb spins (test-rigs.md §5), so that onshid runs without
// umockdev's preload and sees only pcscd's readers.
//
//   build/ci/agent/onshid/onshid_card_bench [runs per path, default 10] [idle seconds, default 10]
//
// Root (onshi-facesim's pcscd needs its own mount namespace); it runs itself as onshi-facesim's
// child.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "card_test_support.hpp"
#include "onshid_rig.hpp"

namespace {

using namespace onshi::agent::testing;
using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// Time on CPU of every thread of the process, in ms (/proc/PID/task/TID/schedstat's first field,
// nanoseconds: finer than the clock ticks of /proc/PID/stat).
double cpu_ms(pid_t pid) {
  double ns = 0;
  std::error_code ec;
  for (const auto& task : fs::directory_iterator(fmt::format("/proc/{}/task", pid), ec)) {
    std::istringstream in(read_file(task.path() / "schedstat"));
    double on_cpu = 0;
    if (in >> on_cpu) ns += on_cpu;
  }
  return ns / 1e6;
}

// Context switches of every thread (voluntary + involuntary): each is a wake-up or a preemption.
long context_switches(pid_t pid) {
  long total = 0;
  std::error_code ec;
  for (const auto& task : fs::directory_iterator(fmt::format("/proc/{}/task", pid), ec)) {
    std::istringstream in(read_file(task.path() / "status"));
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0 ||
          line.rfind("nonvoluntary_ctxt_switches:", 0) == 0) {
        total += std::stol(line.substr(line.find(':') + 1));
      }
    }
  }
  return total;
}

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Path {
  std::string name;
  json body;
  std::vector<std::string> script;  // facesim commands queued before the card goes on
  std::string expect_method;
};

struct Figures {
  std::vector<double> total_ms;
  std::map<std::string, std::vector<double>> step_ms;  // event → ms since the previous one
  double cpu_ms = 0;
  int ok = 0;
  int failed = 0;
};

void run_path(OnshidRig& rig, pid_t onshid, const Path& p, int runs, Figures& f) {
  const std::string pin = persona_pin("jpki-card");
  for (int i = 0; i < runs; ++i) {
    facesim_ctl("remove 0", true);
    wait_until_idle(rig, 20s);
    for (const auto& c : p.script) facesim_ctl(c);
    json body = p.body;
    body["reader"] = "FACE0001";
    body["consents"] = json::array({"medication"});
    const std::string id = start(rig, body);
    if (id.empty() || !wait_for_event(rig, id, "waiting_for_card", 20s)) {
      ++f.failed;
      continue;
    }
    const double cpu_before = cpu_ms(onshid);
    const std::int64_t put_on = epoch_ms();
    insert_card(0, "jpki-card");
    const json v = wait_for(rig, id);
    f.cpu_ms += cpu_ms(onshid) - cpu_before;
    if (v.value("state", "") != "succeeded" || v["result"]["path"]["method"] != p.expect_method) {
      ++f.failed;
      fmt::print(stderr, "{}: {}\n", p.name, v.dump().substr(0, 400));
      if (std::getenv("ONSHI_BENCH_LOG")) {
        const std::string log = rig.onshid().output();
        fmt::print(stderr, "--- onshid's log:\n{}\n",
                   log.substr(log.size() > 5000 ? log.size() - 5000 : 0));
      }
      continue;
    }
    ++f.ok;
    const json events =
        json::parse(rig.get("/v1/verifications/" + id + "/events").body, nullptr, false);
    std::int64_t previous = put_on;
    std::int64_t done = put_on;
    for (const auto& e : events.value("events", json::array())) {
      const std::string type = e.value("type", "");
      const std::int64_t at = e.value("at_ms", std::int64_t{0});
      if (type == "started" || type == "waiting_for_card") continue;
      f.step_ms[type].push_back(static_cast<double>(at - previous));
      previous = at;
      if (type == "done") done = at;
    }
    f.total_ms.push_back(static_cast<double>(done - put_on));
  }
  (void)pin;
}

void print(const Path& p, const Figures& f) {
  fmt::print(
      "{:<14} {:>2} ok {:>2} failed  card on → answer: median {:6.1f} ms, p90 {:6.1f} ms;"
      "  onshid CPU {:5.2f} ms per verification\n",
      p.name, f.ok, f.failed, percentile(f.total_ms, 0.5), percentile(f.total_ms, 0.9),
      f.ok ? f.cpu_ms / f.ok : 0.0);
  std::string steps;
  for (const char* type :
       {"card_read", "face_mismatch", "face_matched", "visually_confirmed", "pin_requested",
        "pin_verified", "consents_answered", "querying", "done"}) {
    const auto it = f.step_ms.find(type);
    if (it == f.step_ms.end()) continue;
    steps +=
        fmt::format("{}{} {:.0f}", steps.empty() ? "" : " → ", type, percentile(it->second, 0.5));
  }
  fmt::print("{:<14} steps (median ms since the previous one): {}\n", "", steps);
}

void idle_wakeups(int seconds, bool face_reader) {
  auto rig = OnshidRig::start();
  if (!rig) {
    fmt::print(stderr, "onshid did not start\n");
    return;
  }
  std::this_thread::sleep_for(2s);  // start-up settles
  const pid_t pid = rig->onshid().pid();
  const long before = context_switches(pid);
  const double cpu_before = cpu_ms(pid);
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  const long after = context_switches(pid);
  fmt::print("idle, {:<38} {:6.1f} wake-ups/s, CPU {:5.2f} ms/s over {} s\n",
             face_reader ? "face readers present (umockdev):" : "face reader absent (no umockdev):",
             static_cast<double>(after - before) / seconds, (cpu_ms(pid) - cpu_before) / seconds,
             seconds);
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 10;
  const int idle_s = argc > 2 ? std::max(1, std::atoi(argv[2])) : 10;
  if (!facesim_available()) {
    if (::geteuid() != 0) {
      fmt::print(stderr, "onshid_card_bench: needs root (onshi-facesim's pcscd)\n");
      return 1;
    }
    // Again as onshi-facesim's child, so that libusb sees the emulated readers.
    const fs::path dir =
        fs::temp_directory_path() / fmt::format("onshid-card-bench-{}", ::getpid());
    fs::create_directories(dir);
    const std::string command = fmt::format(
        "{} --readers 1 --pcscd-socket {}/pcscd.comm --control {}/ctl --typing-ms 0 -- env "
        "ONSHI_FACESIM_CONTROL={}/ctl {} {} {}",
        ONSHI_FACESIM, dir.string(), dir.string(), dir.string(), argv[0], runs, idle_s);
    const int rc = std::system(command.c_str());
    fs::remove_all(dir);
    return rc == 0 ? 0 : 1;
  }

  fmt::print(
      "onshid card sessions: onshi-facesim (umockdev USB, pcscd + libccid), onshi-eligsim "
      "(mutual TLS), {} runs per path, reader step delay 0\n",
      runs);
  {
    RigOptions options;
    if (std::getenv("ONSHI_BENCH_LOG")) options.log_level = "debug";
    auto rig = OnshidRig::start(options);
    if (!rig) {
      fmt::print(stderr, "onshid did not start\n");
      return 1;
    }
    if (!wait_for_paired_readers(*rig, 1, 20s)) {
      fmt::print(stderr, "the face reader was never paired\n");
      return 1;
    }
    facesim_ctl("vendor-delay 0 0");
    const std::string pin = persona_pin("jpki-card");
    const std::vector<Path> paths{
        {"face",
         {{"method", "mynumber"}, {"mode", "face"}},
         {"face 0 match", "consent 0 yes,skip,skip,skip,skip,skip"},
         "face"},
        {"face → PIN",
         {{"method", "mynumber"}, {"mode", "face_then_pin"}},
         {"face 0 mismatch", "face 0 mismatch", "face 0 mismatch", "pad 0 type " + pin,
          "consent 0 yes,skip,skip,skip,skip,skip"},
         "pin"},
        {"目視",
         {{"method", "mynumber"}, {"mode", "visual"}},
         {"staff 0 confirm", "consent 0 yes,skip,skip,skip,skip,skip"},
         "visual"},
        {"PIN on pad",
         {{"method", "mynumber"}, {"mode", "pin"}},
         {"pad 0 type " + pin, "consent 0 yes,skip,skip,skip,skip,skip"},
         "pin"},
    };
    const pid_t onshid = rig->onshid().pid();
    for (const auto& p : paths) {
      Figures f;
      run_path(*rig, onshid, p, runs, f);
      print(p, f);
    }
    facesim_ctl("remove 0", true);
  }
  idle_wakeups(idle_s, true);
  // Without umockdev's preload onshid's libusb sees no emulated device: the face reader is
  // absent, pcscd (facesim's, by its socket) still lists the card slot.
  ::unsetenv("LD_PRELOAD");
  ::unsetenv("UMOCKDEV_DIR");
  idle_wakeups(idle_s, false);
  return 0;
}
