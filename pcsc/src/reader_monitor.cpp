#include "onshi/pcsc/reader_monitor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "onshi/log.hpp"
#include "onshi/pcsc/context.hpp"
#include "onshi/pcsc/pcsc_error.hpp"

namespace onshi::pcsc {
namespace {

constexpr char kPnpReader[] = "\\\\?PnP?\\Notification";

ServiceState state_for(const Error& e) {
  switch (e.code) {
    case Errc::pcsc_service_mismatch:
      return ServiceState::mismatch;
    case Errc::pcsc_access_denied:
      return ServiceState::access_denied;
    default:
      return ServiceState::no_service;
  }
}

// A reader answering with another USB channel or serial under the same name is another device:
// unplugged and plugged back (maybe into another port) between two PnP wake-ups, which pcscd
// folds into one change. Identities that say nothing (no direct connection while a card is held
// exclusively, vpcd) never count as a replacement.
bool replaced(const ReaderIdentity& before, const ReaderIdentity& now) {
  if (before.channel_id && now.channel_id && *before.channel_id != *now.channel_id) return true;
  return before.serial && now.serial && *before.serial != *now.serial;
}

}  // namespace

std::string_view service_state_name(ServiceState s) noexcept {
  switch (s) {
    case ServiceState::stopped:
      return "stopped";
    case ServiceState::connecting:
      return "connecting";
    case ServiceState::running:
      return "running";
    case ServiceState::no_service:
      return "no_service";
    case ServiceState::mismatch:
      return "mismatch";
    case ServiceState::access_denied:
      return "access_denied";
  }
  return "unknown";
}

std::string_view event_kind_name(MonitorEvent::Kind k) noexcept {
  switch (k) {
    case MonitorEvent::Kind::service_changed:
      return "service_changed";
    case MonitorEvent::Kind::reader_added:
      return "reader_added";
    case MonitorEvent::Kind::reader_removed:
      return "reader_removed";
    case MonitorEvent::Kind::card_inserted:
      return "card_inserted";
    case MonitorEvent::Kind::card_removed:
      return "card_removed";
  }
  return "unknown";
}

void apply_reader_state(ReaderInfo& info, const SCARD_READERSTATE& state) {
  const DWORD event = state.dwEventState;
  info.card_present = (event & SCARD_STATE_PRESENT) != 0;
  info.card_mute = (event & SCARD_STATE_MUTE) != 0;
  info.card_in_use = (event & SCARD_STATE_INUSE) != 0;
  info.card_exclusive = (event & SCARD_STATE_EXCLUSIVE) != 0;
  // pcsc-lite counts insertions and removals per reader in the upper 16 bits (§4.1).
  info.card_events = static_cast<std::uint32_t>(event >> 16);
  const DWORD atr_length = std::min<DWORD>(state.cbAtr, sizeof state.rgbAtr);
  info.atr = info.card_present ? Bytes(state.rgbAtr, state.rgbAtr + atr_length) : Bytes{};
}

ReaderMonitor::ReaderMonitor(MonitorOptions options, Callback on_event)
    : options_(std::move(options)), on_event_(std::move(on_event)) {}

ReaderMonitor::~ReaderMonitor() { stop(); }

void ReaderMonitor::start() {
  const std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stop_ = false;
  finished_ = false;
  service_ = ServiceState::connecting;
  thread_ = std::thread(&ReaderMonitor::run, this);
}

void ReaderMonitor::stop() {
  std::unique_lock lock(mutex_);
  if (!thread_.joinable()) return;
  stop_ = true;
  wake_.notify_all();
  // SCardCancel until the thread has left SCardGetStatusChange: a single cancel could land just
  // before it entered the call.
  while (!finished_) {
    if (active_context_) options_.api->cancel(*active_context_);
    wake_.wait_for(lock, std::chrono::milliseconds(50));
  }
  lock.unlock();
  thread_.join();
  const std::lock_guard relock(mutex_);
  service_ = ServiceState::stopped;
}

void ReaderMonitor::rescan() {
  const std::lock_guard lock(mutex_);
  rescan_ = true;
  // One cancel: if it lands before the thread is back in SCardGetStatusChange, the flag is seen
  // before the next call.
  if (active_context_) options_.api->cancel(*active_context_);
}

bool ReaderMonitor::take_rescan() {
  const std::lock_guard lock(mutex_);
  return std::exchange(rescan_, false);
}

bool ReaderMonitor::stopping() const {
  const std::lock_guard lock(mutex_);
  return stop_;
}

bool ReaderMonitor::sleep_unless_stopped(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, d, [&] { return stop_; });
}

ServiceState ReaderMonitor::service_state() const {
  const std::lock_guard lock(mutex_);
  return service_;
}

std::vector<ReaderInfo> ReaderMonitor::readers() const {
  const std::lock_guard lock(mutex_);
  std::vector<ReaderInfo> out;
  out.reserve(readers_.size());
  for (const auto& [name, r] : readers_) out.push_back(r.info);
  return out;
}

void ReaderMonitor::set_service(ServiceState state, std::optional<Error> error) {
  {
    const std::lock_guard lock(mutex_);
    if (service_ == state) return;
    service_ = state;
  }
  if (state == ServiceState::running) {
    log::info("pcsc", "connected to pcscd");
  } else if (error) {
    log::warning("pcsc", "PC/SC service {}: {}", service_state_name(state), error->to_string());
  }
  MonitorEvent e{MonitorEvent::Kind::service_changed, state, {}, std::move(error)};
  if (on_event_) on_event_(e);
}

void ReaderMonitor::emit(MonitorEvent::Kind kind, const ReaderInfo& info) {
  ServiceState s;
  {
    const std::lock_guard lock(mutex_);
    s = service_;
  }
  if (on_event_) on_event_(MonitorEvent{kind, s, info, std::nullopt});
}

void ReaderMonitor::run() {
  auto backoff = options_.retry_initial;
  while (!stopping()) {
    auto established = Context::establish(*options_.api);
    if (!established) {
      const ServiceState s = state_for(established.error());
      set_service(s, established.error());
      const auto wait = s == ServiceState::mismatch ? options_.mismatch_retry : backoff;
      backoff = std::min(backoff * 2, options_.retry_max);
      if (!sleep_unless_stopped(wait)) break;
      continue;
    }
    backoff = options_.retry_initial;
    auto context = std::make_shared<Context>(std::move(established).value());
    {
      const std::lock_guard lock(mutex_);
      active_context_ = context->handle();
    }
    set_service(ServiceState::running, std::nullopt);
    run_session(context);
    // Every way out of a session but stop() means pcscd went away: say so even when the path
    // that noticed it (an invalid context after a timeout, a failed identity query) did not.
    if (!stopping() && service_state() == ServiceState::running) {
      set_service(ServiceState::no_service,
                  Error{Errc::pcsc_no_service, "lost the connection to pcscd"});
    }
    {
      const std::lock_guard lock(mutex_);
      active_context_.reset();
    }
    drop_all_readers();
    context.reset();  // SCardReleaseContext
    if (!stopping()) sleep_unless_stopped(options_.retry_initial);
  }
  drop_all_readers();
  const std::lock_guard lock(mutex_);
  finished_ = true;
  wake_.notify_all();
}

// One established context, until pcscd goes away or stop() is called.
void ReaderMonitor::run_session(const std::shared_ptr<Context>& context) {
  if (!sync_readers(context)) return;
  std::vector<SCARD_READERSTATE> states;
  std::vector<std::string> names;
  DWORD pnp_state = 0;
  // After a change in the reader list, until then: short waits, each followed by a relist.
  std::chrono::steady_clock::time_point settle_until{};
  while (!stopping()) {
    names.clear();
    states.clear();
    {
      const std::lock_guard lock(mutex_);
      for (const auto& [name, r] : readers_) {
        names.push_back(name);
        SCARD_READERSTATE s{};
        s.dwCurrentState = r.current_state;
        states.push_back(s);
      }
    }
    if (take_rescan()) {
      settle_until = std::chrono::steady_clock::now() + options_.settle_window;
      if (!sync_readers(context, true)) return;
      continue;
    }
    for (std::size_t i = 0; i < names.size(); ++i) states[i].szReader = names[i].c_str();
    SCARD_READERSTATE pnp{};
    pnp.szReader = kPnpReader;
    pnp.dwCurrentState = pnp_state;
    states.push_back(pnp);

    const bool settling = std::chrono::steady_clock::now() < settle_until;
    const auto timeout = static_cast<DWORD>(
        (settling ? std::min(options_.settle_poll, options_.idle_wakeup) : options_.idle_wakeup)
            .count());
    const LONG rv = options_.api->get_status_change(context->handle(), timeout, states.data(),
                                                    static_cast<DWORD>(states.size()));
    if (stopping()) return;
    if (rv == SCARD_E_TIMEOUT || rv == SCARD_E_CANCELLED) {
      if (options_.api->is_valid_context(context->handle()) != SCARD_S_SUCCESS) return;
      // pcsc-lite 1.9.9 lists a hot-plugged reader before its driver is up and signals no one
      // once it is: a reader replugged under its old name can go unseen until the next change.
      // So for a while after any change in the list, look again on each short timeout.
      if (settling && !sync_readers(context, true)) return;
      continue;
    }
    if (context_is_lost(rv) || rv == SCARD_E_SERVICE_STOPPED) {
      set_service(rv == SCARD_E_SERVICE_STOPPED ? ServiceState::mismatch : ServiceState::no_service,
                  pcsc_error(rv, "SCardGetStatusChange"));
      return;
    }
    if (rv == SCARD_E_UNKNOWN_READER) {  // a reader vanished between listing and waiting
      settle_until = std::chrono::steady_clock::now() + options_.settle_window;
      if (!sync_readers(context, true)) return;
      continue;
    }
    if (rv != SCARD_S_SUCCESS) {
      log::warning("pcsc", "{}", pcsc_error(rv, "SCardGetStatusChange").to_string());
      if (!sleep_unless_stopped(options_.retry_initial)) return;
      if (!sync_readers(context)) return;
      continue;
    }

    bool relist = false;
    std::vector<std::string> vanished;
    for (std::size_t i = 0; i < names.size(); ++i) {
      const DWORD event = states[i].dwEventState;
      // UNKNOWN: the reader we asked about is gone, even if one of the same name is back by now.
      if ((event & SCARD_STATE_UNKNOWN) != 0) {
        vanished.push_back(names[i]);
        continue;
      }
      if ((event & SCARD_STATE_IGNORE) != 0) relist = true;
      std::unique_lock lock(mutex_);
      auto it = readers_.find(names[i]);
      if (it == readers_.end()) continue;
      // Feed the event state back, or the next call returns at once (the PnP busy-loop pitfall).
      it->second.current_state = event & ~SCARD_STATE_CHANGED;
      lock.unlock();
      if ((event & SCARD_STATE_CHANGED) != 0 && !update_reader(it->second, states[i])) {
        vanished.push_back(names[i]);
      }
    }
    if (!vanished.empty()) {
      forget_readers(vanished);
      relist = true;
    }
    const DWORD pnp_event = states.back().dwEventState;
    pnp_state = pnp_event & ~SCARD_STATE_CHANGED;
    if ((pnp_event & SCARD_STATE_CHANGED) != 0) relist = true;
    // Any change in the reader list: the readers that kept their names are asked again too.
    if (relist) {
      settle_until = std::chrono::steady_clock::now() + options_.settle_window;
      if (!sync_readers(context, true)) return;
    }
  }
}

// Re-reads the reader list and reports the difference. False when the context is lost.
bool ReaderMonitor::sync_readers(const std::shared_ptr<Context>& context, bool recheck_known) {
  auto listed = context->list_readers();
  if (!listed) {
    if (listed.error().code == Errc::pcsc_no_service ||
        listed.error().code == Errc::pcsc_service_mismatch) {
      set_service(state_for(listed.error()), listed.error());
      return false;
    }
    log::warning("pcsc", "{}", listed.error().to_string());
    return true;
  }
  std::vector<std::string> names = std::move(listed).value();

  std::vector<ReaderInfo> removed;
  {
    const std::lock_guard lock(mutex_);
    for (auto it = readers_.begin(); it != readers_.end();) {
      if (std::find(names.begin(), names.end(), it->first) == names.end()) {
        removed.push_back(it->second.info);
        it = readers_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& info : removed) {
    if (info.card_present && !info.ignored) emit(MonitorEvent::Kind::card_removed, info);
    if (!info.ignored) emit(MonitorEvent::Kind::reader_removed, info);
  }
  if (recheck_known && !recheck_known_readers(context)) return false;

  for (const auto& name : names) {
    {
      const std::lock_guard lock(mutex_);
      if (readers_.count(name) != 0) continue;
    }
    auto identity = query_reader_identity(context, name);
    if (!identity) {
      if (identity.error().code == Errc::pcsc_no_service) return false;
      if (identity.error().code == Errc::pcsc_unknown_reader) continue;  // gone already
      ReaderIdentity fallback;
      fallback.display_name = name;
      fallback.base_name = strip_slot_suffix(name);
      identity = std::move(fallback);
    }
    Tracked t;
    t.info.identity = std::move(identity).value();
    t.info.ignored = options_.ignore && options_.ignore(t.info.identity);
    if (t.info.ignored) {
      log::warning("pcsc", "ignoring reader \"{}\" (not a USB reader; allowed only in test mode)",
                   name);
    }
    const ReaderInfo info = t.info;
    {
      const std::lock_guard lock(mutex_);
      readers_.emplace(name, std::move(t));
    }
    if (!info.ignored) emit(MonitorEvent::Kind::reader_added, info);
  }
  return true;
}

// Each known reader asked again; one that is another device now is reported removed, and then
// added below like any new reader (a fresh state, its card news from the start).
bool ReaderMonitor::recheck_known_readers(const std::shared_ptr<Context>& context) {
  std::vector<std::pair<std::string, ReaderIdentity>> known;
  {
    const std::lock_guard lock(mutex_);
    for (const auto& [name, t] : readers_) known.emplace_back(name, t.info.identity);
  }
  for (const auto& [name, before] : known) {
    auto now = query_reader_identity(context, name);
    if (!now) {
      if (now.error().code == Errc::pcsc_no_service) return false;
      continue;  // gone already: the next relist reports it
    }
    if (!replaced(before, *now)) continue;
    log::info("pcsc", "reader \"{}\" was replugged (now {})", name, now->stable_key());
    forget_readers({name});
  }
  return true;
}

bool ReaderMonitor::update_reader(Tracked& reader, const SCARD_READERSTATE& state) {
  ReaderInfo before;
  ReaderInfo after;
  {
    const std::lock_guard lock(mutex_);
    before = reader.info;
    after = before;
    apply_reader_state(after, state);
    // The counter only grows on one reader (it wraps after 65535 changes): smaller, and this is
    // another reader pcscd added under the same name, starting from zero.
    if (after.card_events < before.card_events && before.card_events < 0xFFF0) return false;
    reader.info = after;
  }
  if (after.ignored) return true;
  const bool present = after.card_present;
  const std::uint32_t events = after.card_events;

  // pcsc-lite counts insertions and removals per reader: a jump of two or more with the card
  // present both times means it was taken out and put back between two of our calls.
  const bool missed_cycle = before.card_present && present && events >= before.card_events + 2;
  if (before.card_present && (!present || missed_cycle)) {
    emit(MonitorEvent::Kind::card_removed, before);
  }
  if (present && (!before.card_present || missed_cycle)) {
    emit(MonitorEvent::Kind::card_inserted, after);
  }
  return true;
}

void ReaderMonitor::forget_readers(const std::vector<std::string>& names) {
  std::vector<ReaderInfo> gone;
  {
    const std::lock_guard lock(mutex_);
    for (const auto& name : names) {
      if (auto it = readers_.find(name); it != readers_.end()) {
        gone.push_back(it->second.info);
        readers_.erase(it);
      }
    }
  }
  for (const auto& info : gone) {
    if (info.ignored) continue;
    if (info.card_present) emit(MonitorEvent::Kind::card_removed, info);
    emit(MonitorEvent::Kind::reader_removed, info);
  }
}

void ReaderMonitor::drop_all_readers() {
  std::map<std::string, Tracked> gone;
  {
    const std::lock_guard lock(mutex_);
    gone.swap(readers_);
  }
  for (const auto& [name, t] : gone) {
    if (t.info.ignored) continue;
    if (t.info.card_present) emit(MonitorEvent::Kind::card_removed, t.info);
    emit(MonitorEvent::Kind::reader_removed, t.info);
  }
}

}  // namespace onshi::pcsc
