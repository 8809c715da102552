// Watches pcscd for readers and cards on its own thread (cards-and-readers.md §4.1): one blocking
// SCardGetStatusChange over every reader plus "\\?PnP?\Notification", the reader list re-read at
// every PnP wake-up (pcsc-lite 1.9.9 has no reader-event counter), per-reader card-event counters
// to catch a removal and re-insertion between two calls, SCardCancel for a clean stop. When pcscd
// is absent or goes away, the monitor reports it as a state and re-establishes its context with
// back-off; a client/daemon protocol mismatch is reported once and retried only slowly.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "onshi/bytes.hpp"
#include "onshi/pcsc/api.hpp"
#include "onshi/pcsc/reader_identity.hpp"

namespace onshi::pcsc {

enum class ServiceState {
  stopped,        // the monitor is not running
  connecting,     // first attempt in progress
  running,        // context established, readers tracked
  no_service,     // pcscd is not running (yet): retrying with back-off
  mismatch,       // SCARD_E_SERVICE_STOPPED: client library and pcscd disagree; retried slowly
  access_denied,  // polkit or socket permissions refused us
};
std::string_view service_state_name(ServiceState s) noexcept;

struct ReaderInfo {
  ReaderIdentity identity;
  bool ignored = false;  // filtered out (e.g. a virtual reader outside test mode)
  bool card_present = false;
  bool card_mute = false;
  bool card_in_use = false;
  bool card_exclusive = false;
  Bytes atr;
  std::uint32_t card_events = 0;  // insertions + removals seen by pcscd (upper 16 bits)
};

// Copies what SCardGetStatusChange reported for a reader (presence, flags, ATR, event counter).
void apply_reader_state(ReaderInfo& info, const SCARD_READERSTATE& state);

struct MonitorEvent {
  enum class Kind { service_changed, reader_added, reader_removed, card_inserted, card_removed };
  Kind kind;
  ServiceState service = ServiceState::stopped;
  ReaderInfo reader;           // for reader and card events
  std::optional<Error> error;  // why the service is not running, for service_changed
};
std::string_view event_kind_name(MonitorEvent::Kind k) noexcept;

struct MonitorOptions {
  PcscApi* api = &system_api();
  std::chrono::milliseconds retry_initial{200};
  std::chrono::milliseconds retry_max{5'000};
  std::chrono::milliseconds mismatch_retry{60'000};
  // Wake up this often even when nothing happens, to re-validate the context.
  std::chrono::milliseconds idle_wakeup{60'000};
  // After a change in the reader list, waits this short and relists on each timeout for this
  // long (pcscd lists a hot-plugged reader before it is up, and tells no one when it is).
  std::chrono::milliseconds settle_poll{250};
  std::chrono::milliseconds settle_window{3'000};
  // Readers to ignore (e.g. !is_usb() outside test mode); consulted once per reader.
  std::function<bool(const ReaderIdentity&)> ignore;
};

class ReaderMonitor {
 public:
  using Callback = std::function<void(const MonitorEvent&)>;

  // Events are delivered on the monitor thread, in order; keep the callback short.
  ReaderMonitor(MonitorOptions options, Callback on_event);
  ~ReaderMonitor();
  ReaderMonitor(const ReaderMonitor&) = delete;
  ReaderMonitor& operator=(const ReaderMonitor&) = delete;

  void start();
  void stop();

  ServiceState service_state() const;
  std::vector<ReaderInfo> readers() const;
  // Lists the readers again and asks each who it is, then keeps looking for a few seconds
  // (settle_window): for a caller that knows a USB device came or went (the face reader's own
  // hot-plug news), since pcscd may fold a quick replug into no news at all.
  void rescan();

 private:
  struct Tracked {
    ReaderInfo info;
    DWORD current_state = SCARD_STATE_UNAWARE;
  };

  void run();
  void run_session(const std::shared_ptr<Context>& context);
  // `recheck_known`: also ask the readers whose names stayed who they are (a reader unplugged
  // and plugged back between two calls keeps its name, and pcscd may report it as one change).
  bool sync_readers(const std::shared_ptr<Context>& context, bool recheck_known = false);
  bool recheck_known_readers(const std::shared_ptr<Context>& context);
  // False when the state is another reader's under the same name (its counter restarted).
  bool update_reader(Tracked& reader, const SCARD_READERSTATE& state);
  // Reported removed (their cards first); a relist adds what is there now as new readers.
  void forget_readers(const std::vector<std::string>& names);
  void drop_all_readers();
  void set_service(ServiceState state, std::optional<Error> error);
  void emit(MonitorEvent::Kind kind, const ReaderInfo& info);
  bool sleep_unless_stopped(std::chrono::milliseconds d);
  bool stopping() const;
  bool take_rescan();

  MonitorOptions options_;
  Callback on_event_;
  std::thread thread_;

  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable wake_;
  bool stop_ = false;
  bool finished_ = true;
  bool rescan_ = false;
  ServiceState service_ = ServiceState::stopped;
  std::optional<SCARDCONTEXT> active_context_;  // for SCardCancel from stop()
  std::map<std::string, Tracked> readers_;      // by display name
};

}  // namespace onshi::pcsc
