// Puts a Card into one slot of vsmartcard's vpcd reader driver (test-rigs.md §1): vpcd listens on
// TCP CHANNELID + slot; connecting inserts the card, closing removes it. A thread of its own
// answers vpcd's control bytes and APDUs until remove(), a scripted fault or vpcd closes.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "onshi/result.hpp"
#include "onshi/sim/card.hpp"
#include "onshi/sim/fault_script.hpp"
#include "onshi/sim/unique_fd.hpp"

namespace onshi::sim {

struct SlotOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // vpcd CHANNELID + slot (e.g. 0x8C7B = 35963 for slot 0)
  // Receives one line per event (control byte, APDU, response, fault, removal) on the serving
  // thread. APDU data is shown verbatim: never present a real PIN to the emulator.
  std::function<void(std::string_view)> trace;
  // false: the trace gets connection events only, no APDU or response bytes.
  bool trace_apdus = true;
};

enum class RemovalReason : std::uint8_t {
  none,         // still inserted, or never inserted
  requested,    // remove() was called
  fault,        // FaultScript::remove_at_apdu fired
  peer_closed,  // vpcd closed the connection (pcscd stopped)
  io_error,     // a socket call failed
};

class VpcdCardSlot {
 public:
  VpcdCardSlot(Card card, SlotOptions options);
  ~VpcdCardSlot();  // remove()s
  VpcdCardSlot(const VpcdCardSlot&) = delete;
  VpcdCardSlot& operator=(const VpcdCardSlot&) = delete;

  // Connects to vpcd, retrying until `deadline` since pcscd (and so vpcd's port) starts lazily
  // (test-rigs.md §1), then starts serving. Errc::busy if already inserted, Errc::timeout when
  // vpcd never listened, Errc::cancelled when remove() was called meanwhile, Errc::io on other
  // socket failures.
  Status insert(std::chrono::steady_clock::time_point deadline);
  // Closes the connection and joins the serving thread. Idempotent; interrupts a mute or a delay.
  // Not from the trace callback (it runs on the serving thread, which remove() joins).
  void remove();

  bool is_inserted() const noexcept { return inserted_.load(); }
  // APDUs received since the last insert().
  std::uint64_t apdu_count() const noexcept { return apdu_count_.load(); }
  // True once removed (by any cause), false if still inserted when `timeout` ran out.
  bool wait_removed(std::chrono::milliseconds timeout);
  RemovalReason last_removal() const;

  void set_fault_script(const FaultScript& script);
  FaultScript fault_script() const;

  // Runs `f(Card&)` with the serving thread kept out, e.g. to inspect or change the card.
  template <typename F>
  decltype(auto) with_card(F&& f) {
    const std::lock_guard lock(card_mutex_);
    return std::forward<F>(f)(card_);
  }

 private:
  class Session;  // the serving thread's socket work (vpcd_card_slot.cpp)
  struct DueFaults;

  void serve(UniqueFd socket, int wake_fd) noexcept;
  void finish(RemovalReason reason);
  DueFaults take_due_faults(std::uint64_t apdu_number);
  void trace(std::string_view line) const;
  // Formatting hex costs more than answering: skipped unless someone reads it.
  bool tracing_apdus() const noexcept { return options_.trace && options_.trace_apdus; }

  SlotOptions options_;
  mutable std::mutex card_mutex_;
  Card card_;

  std::mutex control_mutex_;  // serialises insert() and remove(); guards serving_ and wake_fd_
  std::thread serving_;
  std::atomic<bool> cancel_insert_{false};
  UniqueFd wake_fd_;  // eventfd: remove() writes it to end every poll() of the serving thread

  // Guards the members below; inserted_ is also written under it so wait_removed() cannot miss
  // the change.
  mutable std::mutex state_mutex_;
  std::condition_variable removed_cv_;
  RemovalReason last_removal_ = RemovalReason::none;
  FaultScript faults_;
  std::atomic<bool> inserted_{false};
  std::atomic<std::uint64_t> apdu_count_{0};
};

std::string_view removal_reason_name(RemovalReason reason) noexcept;

}  // namespace onshi::sim
