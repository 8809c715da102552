// One opened face reader's vendor interface (driver/PROTOCOL.md §1, §4): the claim of that one
// interface, commands with sequence numbers, reply timeouts, retransmission and recovery, and the
// interrupt-IN event stream. Private to the driver; used from one worker thread per reader
// (commands) and libusb's event thread (events).
#pragma once

#include <libusb.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "command_channel.hpp"
#include "onshi/driver/device_table.hpp"
#include "onshi/driver/face_reader.hpp"
#include "onshi/driver/frame.hpp"
#include "onshi/driver/messages.hpp"
#include "usb_context.hpp"

namespace onshi::driver {

class VendorLink final : private CommandPipe {
 public:
  // Opens the device, reads its serial, claims only `entry.vendor_interface`.
  static Result<std::unique_ptr<VendorLink>> open(const DeviceRef& device, const DeviceEntry& entry,
                                                  std::chrono::milliseconds reply_timeout,
                                                  std::shared_ptr<SharedStats> stats);
  ~VendorLink();  // close()
  VendorLink(const VendorLink&) = delete;
  VendorLink& operator=(const VendorLink&) = delete;

  const std::string& serial() const noexcept { return serial_; }
  const UsbPlace& place() const noexcept { return place_; }
  bool is_gone() const noexcept { return gone_ || broken_; }
  bool unplugged() const noexcept { return gone_; }
  // The link cannot go on (its event stream stopped for good): the driver closes and reopens it.
  void mark_broken() noexcept { broken_ = true; }
  // The reader's counters, once discovery knows whose link this is (by its serial).
  void adopt_stats(std::shared_ptr<SharedStats> stats) {
    stats_ = stats;
    channel_.adopt_stats(stats);
    events_.adopt_stats(std::move(stats));
  }

  // GET_INFO with any sequence number: the resynchronisation point (§4.1).
  Result<DeviceInfo> handshake() { return channel_.handshake(); }
  Result<Bytes> transact(MessageType command, ByteView payload) {
    return channel_.transact(command, payload);
  }

  Status start_events(std::function<void(EventInput)> sink);
  Status clear_event_halt();  // worker thread: after EventInput::stalled
  void close();

 private:
  VendorLink(std::shared_ptr<SharedStats> stats, std::chrono::milliseconds reply_timeout)
      : stats_(stats), channel_(*this, stats, reply_timeout, "face reader"), events_(stats) {}
  // CommandPipe
  Status send(ByteView frame) override;
  Result<std::optional<Bytes>> receive(std::chrono::milliseconds timeout) override;
  void clear_halts() override;
  Status reset_device() override;
  bool gone() const override { return gone_ || broken_; }
  Status submit_interrupt();
  static void LIBUSB_CALL on_interrupt(libusb_transfer* t) noexcept;
  void handle_interrupt(libusb_transfer* t);

  DeviceRef device_;
  libusb_device_handle* handle_ = nullptr;
  std::uint8_t interface_ = 1;
  std::uint8_t ep_out_ = 0, ep_in_ = 0, ep_event_ = 0;
  std::string serial_;
  UsbPlace place_;
  std::shared_ptr<SharedStats> stats_;
  CommandChannel channel_;
  EventStream events_;
  std::atomic<bool> gone_{false};
  std::atomic<bool> broken_{false};

  // The interrupt transfer, owned by libusb's event thread while `in_flight_`.
  std::mutex events_mutex_;
  std::condition_variable events_cv_;
  libusb_transfer* interrupt_ = nullptr;
  bool in_flight_ = false;
  bool closing_ = false;
  int consecutive_errors_ = 0;
  std::function<void(EventInput)> sink_;
  Bytes event_buffer_ = Bytes(kMaxFrame);
};

}  // namespace onshi::driver
