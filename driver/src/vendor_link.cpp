#include "vendor_link.hpp"

#include <fmt/format.h>

#include <chrono>

#include "onshi/log.hpp"

namespace onshi::driver {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::string_view kLog = "driver";
// An interrupt endpoint that fails this often in a row is treated as gone, not spun on.
constexpr int kMaxConsecutiveEventErrors = 10;
// A bulk OUT of one frame: the device takes it at once or is stuck.
constexpr unsigned kBulkOutTimeoutMs = 1000;

Unexpected usb_fail(int rc, std::string_view what) {
  const Errc code = rc == LIBUSB_ERROR_NO_DEVICE ? Errc::face_reader_absent
                    : rc == LIBUSB_ERROR_ACCESS  ? Errc::face_reader_access
                    : rc == LIBUSB_ERROR_BUSY    ? Errc::face_reader_access
                    : rc == LIBUSB_ERROR_TIMEOUT ? Errc::timeout
                                                 : Errc::io;
  Error e{code, fmt::format("{}: {}", what, usb_error_text(rc)), rc};
  return fail(std::move(e));
}

std::string port_path(libusb_device* d) {
  std::uint8_t ports[8];
  const int n = libusb_get_port_numbers(d, ports, sizeof ports);
  std::string out = std::to_string(libusb_get_bus_number(d));
  for (int i = 0; i < n; ++i) out += (i == 0 ? "-" : ".") + std::to_string(ports[i]);
  return out;
}

}  // namespace

Result<std::unique_ptr<VendorLink>> VendorLink::open(const DeviceRef& device,
                                                     const DeviceEntry& entry,
                                                     std::chrono::milliseconds reply_timeout,
                                                     std::shared_ptr<SharedStats> stats) {
  std::unique_ptr<VendorLink> l(new VendorLink(std::move(stats), reply_timeout));
  l->device_ = device;
  l->interface_ = entry.vendor_interface;
  libusb_device* d = device.get();
  l->place_ = {entry.vendor_id, entry.product_id, libusb_get_bus_number(d),
               libusb_get_device_address(d), port_path(d)};
  const std::string where = fmt::format("USB {:03}/{:03}", l->place_.bus, l->place_.address);

  libusb_device_descriptor dd{};
  if (const int rc = libusb_get_device_descriptor(d, &dd); rc != 0)
    return usb_fail(rc, where + ": device descriptor");
  libusb_config_descriptor* config = nullptr;
  if (const int rc = libusb_get_active_config_descriptor(d, &config); rc != 0)
    return usb_fail(rc, where + ": configuration descriptor");
  const libusb_interface_descriptor* vendor = nullptr;
  for (int i = 0; i < config->bNumInterfaces; ++i) {
    const auto& alt = config->interface[i];
    if (alt.num_altsetting > 0 && alt.altsetting[0].bInterfaceNumber == entry.vendor_interface)
      vendor = &alt.altsetting[0];
  }
  if (vendor != nullptr && vendor->bInterfaceClass == LIBUSB_CLASS_VENDOR_SPEC) {
    for (int e = 0; e < vendor->bNumEndpoints; ++e) {
      const auto& ep = vendor->endpoint[e];
      const auto type = ep.bmAttributes & LIBUSB_TRANSFER_TYPE_MASK;
      const bool in = (ep.bEndpointAddress & LIBUSB_ENDPOINT_IN) != 0;
      if (type == LIBUSB_TRANSFER_TYPE_BULK && !in) l->ep_out_ = ep.bEndpointAddress;
      if (type == LIBUSB_TRANSFER_TYPE_BULK && in) l->ep_in_ = ep.bEndpointAddress;
      if (type == LIBUSB_TRANSFER_TYPE_INTERRUPT && in) l->ep_event_ = ep.bEndpointAddress;
    }
  }
  const bool complete = vendor != nullptr && l->ep_out_ && l->ep_in_ && l->ep_event_;
  libusb_free_config_descriptor(config);
  if (!complete) {
    return fail(Errc::face_reader_protocol,
                fmt::format("{}: interface {} is not a vendor interface with bulk OUT, bulk IN and "
                            "interrupt IN (PROTOCOL.md §1)",
                            where, entry.vendor_interface));
  }

  if (const int rc = libusb_open(d, &l->handle_); rc != 0) {
    l->handle_ = nullptr;
    return usb_fail(rc, where + ": open (the udev rule grants group onshi access: udev/README.md)");
  }
  if (dd.iSerialNumber != 0) {
    unsigned char serial[256] = {};
    const int n =
        libusb_get_string_descriptor_ascii(l->handle_, dd.iSerialNumber, serial, sizeof serial - 1);
    if (n < 0) {
      // It has a serial and did not give it: not ready yet (the scan tries again), and pairing
      // by a made-up name would be wrong.
      return usb_fail(n, where + ": serial number");
    }
    l->serial_.assign(reinterpret_cast<char*>(serial), static_cast<std::size_t>(n));
  }
  if (l->serial_.empty()) {
    // Pairing needs a serial (PROTOCOL.md §1): without one, the port stands in, and says so.
    l->serial_ = "port-" + l->place_.port_path;
  }
  l->channel_.set_name("face reader " + l->serial_);
  // Only the vendor interface: the CCID interface belongs to pcscd (never claimed, never
  // detached from a kernel driver: anchors-and-conventions.md, field bug 8).
  if (const int rc = libusb_claim_interface(l->handle_, l->interface_); rc != 0) {
    return usb_fail(rc,
                    fmt::format("{} ({}): claim interface {}{}", where, l->serial_, l->interface_,
                                rc == LIBUSB_ERROR_BUSY ? " (another program holds it)" : ""));
  }
  return l;
}

VendorLink::~VendorLink() { close(); }

Status VendorLink::send(ByteView frame) {
  for (int attempt = 0;; ++attempt) {
    int sent = 0;
    const int rc = libusb_bulk_transfer(handle_, ep_out_, const_cast<std::uint8_t*>(frame.data()),
                                        static_cast<int>(frame.size()), &sent, kBulkOutTimeoutMs);
    if (rc == 0) return {};
    if (rc == LIBUSB_ERROR_NO_DEVICE) gone_ = true;
    if (rc == LIBUSB_ERROR_PIPE && attempt == 0) {
      stats_->update([](LinkStats& s) { ++s.stalls_cleared; });
      libusb_clear_halt(handle_, ep_out_);
      continue;
    }
    return usb_fail(rc, fmt::format("{}: bulk OUT", serial_));
  }
}

Result<std::optional<Bytes>> VendorLink::receive(std::chrono::milliseconds timeout) {
  Bytes buffer(kMaxFrame);
  for (int stalls = 0;;) {
    int got = 0;
    const int rc =
        libusb_bulk_transfer(handle_, ep_in_, buffer.data(), static_cast<int>(buffer.size()), &got,
                             static_cast<unsigned>(std::max<long>(1, timeout.count())));
    if (rc == 0 || (rc == LIBUSB_ERROR_TIMEOUT && got > 0)) {
      buffer.resize(static_cast<std::size_t>(got));
      return std::optional<Bytes>(std::move(buffer));
    }
    if (rc == LIBUSB_ERROR_TIMEOUT) return std::optional<Bytes>{};
    if (rc == LIBUSB_ERROR_NO_DEVICE) gone_ = true;
    if (rc == LIBUSB_ERROR_PIPE && stalls++ == 0) {
      stats_->update([](LinkStats& s) { ++s.stalls_cleared; });
      libusb_clear_halt(handle_, ep_in_);
      continue;
    }
    if (rc == LIBUSB_ERROR_OVERFLOW) {
      // More than a frame can be (§2): an oversized frame; what came is not a frame.
      stats_->update(
          [](LinkStats& s) { ++s.frame_faults[static_cast<int>(FrameFault::oversized)]; });
      return std::optional<Bytes>(Bytes{});
    }
    return usb_fail(rc, fmt::format("{}: bulk IN", serial_));
  }
}

void VendorLink::clear_halts() {
  libusb_clear_halt(handle_, ep_out_);
  libusb_clear_halt(handle_, ep_in_);
}

Status VendorLink::reset_device() {
  const int rc = libusb_reset_device(handle_);
  if (rc == LIBUSB_ERROR_NOT_FOUND || rc == LIBUSB_ERROR_NO_DEVICE) {
    gone_ = true;  // it re-enumerated: the scan opens it again
    return fail(Errc::face_reader_absent,
                fmt::format("{}: the device re-enumerated after a reset", serial_));
  }
  if (rc != 0) return usb_fail(rc, fmt::format("{}: reset", serial_));
  // libusb keeps the claim across a reset that did not re-enumerate; claiming again is harmless.
  libusb_claim_interface(handle_, interface_);
  {
    const std::lock_guard lock(events_mutex_);
    events_.restart();  // the device counts its events from the start again
  }
  return {};
}

Status VendorLink::start_events(std::function<void(EventInput)> sink) {
  {
    const std::lock_guard lock(events_mutex_);
    sink_ = std::move(sink);
    if (interrupt_ == nullptr) interrupt_ = libusb_alloc_transfer(0);
    if (interrupt_ == nullptr) return fail(Errc::io, "libusb_alloc_transfer failed");
    if (in_flight_) return {};
  }
  return submit_interrupt();
}

Status VendorLink::submit_interrupt() {
  const std::lock_guard lock(events_mutex_);
  if (closing_ || gone_ || in_flight_) return {};  // in flight: libusb owns the transfer
  libusb_fill_interrupt_transfer(interrupt_, handle_, ep_event_, event_buffer_.data(),
                                 static_cast<int>(event_buffer_.size()), &VendorLink::on_interrupt,
                                 this, 0);
  if (const int rc = libusb_submit_transfer(interrupt_); rc != 0) {
    if (rc == LIBUSB_ERROR_NO_DEVICE) gone_ = true;
    return usb_fail(rc, fmt::format("{}: interrupt IN", serial_));
  }
  in_flight_ = true;
  return {};
}

void LIBUSB_CALL VendorLink::on_interrupt(libusb_transfer* t) noexcept {
  auto* self = static_cast<VendorLink*>(t->user_data);
  try {
    self->handle_interrupt(t);
  } catch (...) {
    // Nothing may cross libusb's C frames. Stop the stream; the worker's next command notices.
    const std::lock_guard lock(self->events_mutex_);
    self->in_flight_ = false;
    self->broken_ = true;
    self->events_cv_.notify_all();
  }
}

void VendorLink::handle_interrupt(libusb_transfer* t) {
  std::vector<EventInput> out;
  bool resubmit = false;
  {
    const std::lock_guard lock(events_mutex_);
    in_flight_ = false;
    switch (t->status) {
      case LIBUSB_TRANSFER_COMPLETED: {
        consecutive_errors_ = 0;
        out = events_.feed(
            ByteView(event_buffer_.data(), static_cast<std::size_t>(t->actual_length)));
        resubmit = true;
        break;
      }
      case LIBUSB_TRANSFER_CANCELLED:
        if (!closing_) {
          // Not ours (a device reset kills URBs): the stream has stopped, the link is reopened.
          broken_ = true;
          out.push_back({std::nullopt, "interrupt IN cancelled under the link", true, false});
        }
        break;
      case LIBUSB_TRANSFER_NO_DEVICE:
        gone_ = true;
        out.push_back({std::nullopt, std::nullopt, true, false});
        break;
      case LIBUSB_TRANSFER_STALL:
        out.push_back({std::nullopt, "interrupt IN stalled", false, true});
        break;
      default:
        // TIMED_OUT cannot happen (no timeout); ERROR and OVERFLOW: read on, but not forever.
        if (++consecutive_errors_ >= kMaxConsecutiveEventErrors) {
          gone_ = true;
          out.push_back(
              {std::nullopt, "interrupt IN keeps failing: treated as unplugged", true, false});
        } else {
          if (t->status == LIBUSB_TRANSFER_OVERFLOW)
            stats_->update(
                [](LinkStats& s) { ++s.frame_faults[static_cast<int>(FrameFault::oversized)]; });
          resubmit = true;
        }
        break;
    }
    if (closing_) resubmit = false;
    events_cv_.notify_all();
  }
  for (auto& e : out)
    if (sink_) sink_(std::move(e));
  if (resubmit) {
    if (const Status s = submit_interrupt(); !s) {
      broken_ = true;  // no event stream without it: reopen
      if (sink_) sink_({std::nullopt, s.error().message, true, false});
    }
  }
}

Status VendorLink::clear_event_halt() {
  if (const int rc = libusb_clear_halt(handle_, ep_event_); rc != 0)
    return usb_fail(rc, fmt::format("{}: clear halt on interrupt IN", serial_));
  stats_->update([](LinkStats& s) { ++s.stalls_cleared; });
  return submit_interrupt();
}

void VendorLink::close() {
  if (handle_ == nullptr) return;
  {
    std::unique_lock lock(events_mutex_);
    closing_ = true;
    if (in_flight_) {
      libusb_cancel_transfer(interrupt_);
      // The event thread finishes the transfer (cancelled, or no device) soon; never free it
      // under libusb's feet.
      events_cv_.wait_for(lock, std::chrono::seconds(5), [&] { return !in_flight_; });
    }
  }
  if (!in_flight_ && interrupt_ != nullptr) libusb_free_transfer(interrupt_);
  interrupt_ = nullptr;
  if (!gone_) libusb_release_interface(handle_, interface_);
  libusb_close(handle_);
  handle_ = nullptr;
}

}  // namespace onshi::driver
