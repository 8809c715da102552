// The host's side of PROTOCOL.md §4 over any pipe: sequence numbers, reply matching (late
// replies dropped), retransmission after a timeout, re-numbering after bad_sequence, recovery
// after a second timeout. And §6.1's event numbering. No libusb here: VendorLink is the USB pipe,
// the replay tests feed recorded bytes (libfido2's transport/framing split).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "onshi/driver/frame.hpp"
#include "onshi/driver/link_stats.hpp"
#include "onshi/driver/messages.hpp"

namespace onshi::driver {

class SharedStats {
 public:
  template <typename F>
  void update(F&& f) {
    const std::lock_guard lock(m_);
    f(s_);
  }
  LinkStats get() const {
    const std::lock_guard lock(m_);
    return s_;
  }
  void count(const DecodedTransfer& d);

 private:
  mutable std::mutex m_;
  LinkStats s_;
};

// Bulk OUT and bulk IN of one device.
class CommandPipe {
 public:
  virtual ~CommandPipe() = default;
  virtual Status send(ByteView frame) = 0;
  // One transfer's bytes; nullopt when nothing came within `timeout`. Stalls and babble are the
  // pipe's to handle (it clears the halt and counts).
  virtual Result<std::optional<Bytes>> receive(std::chrono::milliseconds timeout) = 0;
  virtual void clear_halts() = 0;
  // libusb_reset_device and the claim again; face_reader_absent when the device re-enumerated.
  virtual Status reset_device() = 0;
  virtual bool gone() const = 0;
};

class CommandChannel {
 public:
  CommandChannel(CommandPipe& pipe, std::shared_ptr<SharedStats> stats,
                 std::chrono::milliseconds reply_timeout, std::string name);
  void adopt_stats(std::shared_ptr<SharedStats> stats) { stats_ = std::move(stats); }
  void set_name(std::string name) { name_ = std::move(name); }

  // One command, its reply payload. NAK → face_reader_refused (native: the code).
  Result<Bytes> transact(MessageType command, ByteView payload);
  // GET_INFO: the resynchronisation point (§4.1).
  Result<DeviceInfo> handshake();

 private:
  Result<std::optional<Frame>> await_reply(MessageType command, std::uint8_t seq);
  Result<std::optional<Frame>> exchange(MessageType command, ByteView payload, std::uint8_t seq);
  Status recover();

  CommandPipe& pipe_;
  std::shared_ptr<SharedStats> stats_;
  std::chrono::milliseconds reply_timeout_;
  std::string name_;
  std::uint8_t next_seq_ = 0;
  bool recovering_ = false;
};

// What one interrupt-IN transfer brought.
struct EventInput {
  std::optional<DeviceEvent> event;
  std::optional<std::string> trouble;  // a fault, lost events: the stream goes on
  bool gone = false;                   // the device went away: the stream has stopped
  bool stalled = false;                // the endpoint stalled: the worker clears the halt
  bool gap = false;                    // events were lost: the worker asks GET_STATUS (§6.1)
};

class EventStream {
 public:
  explicit EventStream(std::shared_ptr<SharedStats> stats) : stats_(std::move(stats)) {}
  void adopt_stats(std::shared_ptr<SharedStats> stats) { stats_ = std::move(stats); }
  std::vector<EventInput> feed(ByteView transfer);
  void restart() { last_seq_.reset(); }  // after a reconnect the device counts anew

 private:
  std::shared_ptr<SharedStats> stats_;
  std::optional<std::uint8_t> last_seq_;
};

}  // namespace onshi::driver
