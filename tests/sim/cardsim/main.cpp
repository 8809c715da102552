// onshi-cardsim: puts an emulated card (a persona) into a vsmartcard vpcd reader slot of a real
// pcscd, for tests and demos. A test tool: with --log it prints every APDU verbatim, so a real
// PIN must never be given to it.

#include <fmt/format.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>

#include "onshi/sim/card.hpp"
#include "onshi/sim/persona.hpp"
#include "onshi/sim/vpcd_card_slot.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kExitClean = 0;
constexpr int kExitTransport = 1;
constexpr int kExitUsage = 2;
constexpr auto kConnectAttempt = 500ms;  // per connect attempt, so signals are seen between

struct Options {
  std::string persona;
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  bool reinsert_on_remove = false;
  bool log = false;
  int connect_timeout_s = 10;
  int reinsert_delay_ms = 1000;
  // APDU numbers from 1; 0 leaves the fault off.
  std::uint64_t remove_at = 0;
  std::uint64_t garbage_at = 0;
  std::uint64_t reset_at = 0;
  std::uint64_t mute_at = 0;
  bool garbage_random = false;
  int delay_ms = 0;

  onshi::sim::FaultScript faults() const {
    auto at = [](std::uint64_t n) {
      return n == 0 ? std::nullopt : std::optional<std::uint64_t>(n);
    };
    onshi::sim::FaultScript f;
    f.remove_at_apdu = at(remove_at);
    f.garbage_at_apdu = at(garbage_at);
    f.reset_at_apdu = at(reset_at);
    f.mute_at_apdu = at(mute_at);
    f.garbage =
        garbage_random ? onshi::sim::GarbageKind::random_bytes : onshi::sim::GarbageKind::one_byte;
    f.answer_delay = std::chrono::milliseconds(delay_ms);
    return f;
  }
};

void say(std::string_view line) { fmt::print(stderr, "onshi-cardsim: {}\n", line); }

// Waits up to `timeout` for SIGINT/SIGTERM (blocked in every thread, taken here synchronously).
bool stop_requested(const sigset_t& signals, std::chrono::milliseconds timeout) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count();
  const timespec wait{static_cast<std::time_t>(ns / 1'000'000'000),
                      static_cast<long>(ns % 1'000'000'000)};
  return ::sigtimedwait(&signals, nullptr, &wait) > 0;
}

void add_options(CLI::App& app, Options& o) {
  app.add_option("--persona", o.persona, "persona JSON file (see tests/sim/cardsim/README.md)")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--port", o.port, "vpcd TCP port: CHANNELID + slot")
      ->required()
      ->check(CLI::Range(1, 65535));
  app.add_option("--host", o.host, "vpcd host (IPv4 address)")->capture_default_str();
  app.add_flag("--reinsert-on-remove", o.reinsert_on_remove,
               "insert the card again whenever it was removed (fault, or pcscd restarting)");
  app.add_flag("--log", o.log,
               "log every APDU and response in hex (test tool: never present a real PIN)");
  app.add_option("--connect-timeout", o.connect_timeout_s,
                 "seconds to wait for vpcd to listen at start-up")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  app.add_option("--reinsert-delay-ms", o.reinsert_delay_ms,
                 "pause before re-inserting, so pcscd's presence poll (~400 ms) sees the removal")
      ->capture_default_str()
      ->check(CLI::Range(0, 600000));
  app.add_option("--fault-remove-at", o.remove_at, "remove instead of answering APDU N");
  app.add_option("--fault-garbage-at", o.garbage_at, "answer APDU N with garbage");
  app.add_flag("--fault-garbage-random", o.garbage_random,
               "garbage is 1..300 random bytes instead of a single byte");
  app.add_option("--fault-reset-at", o.reset_at, "warm-reset the card before APDU N");
  app.add_option("--fault-mute-at", o.mute_at, "never answer APDU N");
  app.add_option("--fault-delay-ms", o.delay_ms, "delay every answer by this many milliseconds")
      ->check(CLI::Range(0, 600000));
}

enum class InsertOutcome : std::uint8_t { inserted, stopped, failed };

// Inserts in short attempts until `deadline` (none: forever), checking for a stop signal between
// attempts so Ctrl-C works while pcscd is absent. On `failed` the reason has been printed and
// `exit_code` says which failure it was.
InsertOutcome insert_until(onshi::sim::VpcdCardSlot& slot,
                           std::optional<Clock::time_point> deadline, const sigset_t& signals,
                           int& exit_code) {
  for (;;) {
    auto attempt_end = Clock::now() + kConnectAttempt;
    if (deadline) attempt_end = std::min(attempt_end, *deadline);
    auto inserted = slot.insert(attempt_end);
    if (inserted) return InsertOutcome::inserted;
    const bool gave_up = deadline && Clock::now() >= *deadline;
    if (inserted.error().code != onshi::Errc::timeout || gave_up) {
      say(inserted.error().to_string());
      exit_code =
          inserted.error().code == onshi::Errc::invalid_argument ? kExitUsage : kExitTransport;
      return InsertOutcome::failed;
    }
    if (stop_requested(signals, 0ms)) return InsertOutcome::stopped;
  }
}

// The exit code when an insertion did not happen, nothing when the card is in.
std::optional<int> exit_unless_inserted(InsertOutcome outcome, int exit_code) {
  switch (outcome) {
    case InsertOutcome::inserted:
      return std::nullopt;
    case InsertOutcome::stopped:
      return kExitClean;
    case InsertOutcome::failed:
      break;
  }
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"onshi-cardsim: an emulated smart card in a vsmartcard vpcd reader slot"};
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

  auto persona = onshi::sim::load_persona_file(o.persona);
  if (!persona) {
    say(persona.error().to_string());
    return kExitUsage;
  }
  const std::string persona_name = persona->name;

  // Block the stop signals before any thread exists, so only sigtimedwait() here sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  onshi::sim::SlotOptions slot_options;
  slot_options.host = o.host;
  slot_options.port = o.port;
  slot_options.trace = say;
  slot_options.trace_apdus = o.log;
  if (o.log) say("logging APDUs verbatim: this is a test tool, never present a real PIN to it");

  onshi::sim::VpcdCardSlot slot(onshi::sim::Card(std::move(*persona)), slot_options);
  slot.set_fault_script(o.faults());
  say(fmt::format("persona \"{}\", waiting up to {} s for vpcd at {}:{}", persona_name,
                  o.connect_timeout_s, o.host, o.port));
  int exit_code = kExitClean;
  const auto first_deadline = Clock::now() + std::chrono::seconds(o.connect_timeout_s);
  const auto first = insert_until(slot, first_deadline, signals, exit_code);
  if (auto done = exit_unless_inserted(first, exit_code)) return *done;

  for (;;) {
    if (stop_requested(signals, 200ms)) {
      slot.remove();
      return kExitClean;
    }
    if (slot.is_inserted()) continue;
    const auto why = slot.last_removal();
    if (!o.reinsert_on_remove) {
      const bool transport_failed = why == onshi::sim::RemovalReason::peer_closed ||
                                    why == onshi::sim::RemovalReason::io_error;
      return transport_failed ? kExitTransport : kExitClean;
    }
    // The pause lets pcscd's presence poll (~400 ms) see the removal before the card returns.
    if (stop_requested(signals, std::chrono::milliseconds(o.reinsert_delay_ms))) return kExitClean;
    const auto again = insert_until(slot, std::nullopt, signals, exit_code);
    if (auto done = exit_unless_inserted(again, exit_code)) return *done;
  }
}
