// libusb's context on its own event thread, with hot-plug notices where libusb has them
// (anchors-and-conventions.md §3.3: not on every platform, so the driver scans as well).
#pragma once

#include <libusb.h>

#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "onshi/result.hpp"

namespace onshi::driver {

// A counted reference to a libusb_device (libusb_ref_device / libusb_unref_device).
class DeviceRef {
 public:
  DeviceRef() = default;
  explicit DeviceRef(libusb_device* d) : d_(d ? libusb_ref_device(d) : nullptr) {}
  DeviceRef(const DeviceRef& o) : DeviceRef(o.d_) {}
  DeviceRef& operator=(DeviceRef o) noexcept {
    std::swap(d_, o.d_);
    return *this;
  }
  ~DeviceRef() {
    if (d_) libusb_unref_device(d_);
  }
  libusb_device* get() const noexcept { return d_; }

 private:
  libusb_device* d_ = nullptr;
};

class UsbContext {
 public:
  // `changed` runs on the event thread when a device arrives or leaves: it must only wake
  // someone (libusb forbids most calls from a hot-plug callback).
  static Result<std::unique_ptr<UsbContext>> create(bool use_hotplug,
                                                    std::function<void()> changed);
  ~UsbContext();
  UsbContext(const UsbContext&) = delete;
  UsbContext& operator=(const UsbContext&) = delete;

  libusb_context* get() const noexcept { return ctx_; }
  bool hotplug() const noexcept { return hotplug_handle_ != 0; }
  Result<std::vector<DeviceRef>> devices() const;

 private:
  UsbContext() = default;
  static int LIBUSB_CALL on_hotplug(libusb_context*, libusb_device*, libusb_hotplug_event,
                                    void* self) noexcept;

  libusb_context* ctx_ = nullptr;
  libusb_hotplug_callback_handle hotplug_handle_ = 0;
  std::function<void()> changed_;
  std::atomic<bool> stop_{false};
  std::thread events_;
};

// "LIBUSB_ERROR_NO_DEVICE (No such device (it may have been disconnected))".
std::string usb_error_text(int rc);

}  // namespace onshi::driver
