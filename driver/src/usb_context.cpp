#include "usb_context.hpp"

#include <fmt/format.h>

namespace onshi::driver {

std::string usb_error_text(int rc) {
  return fmt::format("{} ({})", libusb_error_name(rc),
                     libusb_strerror(static_cast<libusb_error>(rc)));
}

Result<std::unique_ptr<UsbContext>> UsbContext::create(bool use_hotplug,
                                                       std::function<void()> changed) {
  std::unique_ptr<UsbContext> c(new UsbContext());
  c->changed_ = std::move(changed);
  if (const int rc = libusb_init(&c->ctx_); rc != 0) {
    c->ctx_ = nullptr;
    return fail(Errc::io, "libusb_init failed: " + usb_error_text(rc));
  }
  if (use_hotplug && libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG)) {
    const int rc = libusb_hotplug_register_callback(
        c->ctx_,
        static_cast<libusb_hotplug_event>(LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED |
                                          LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT),
        static_cast<libusb_hotplug_flag>(0), LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
        LIBUSB_HOTPLUG_MATCH_ANY, &UsbContext::on_hotplug, c.get(), &c->hotplug_handle_);
    if (rc != LIBUSB_SUCCESS) c->hotplug_handle_ = 0;  // the scan alone then
  }
  c->events_ = std::thread([p = c.get()] {
    while (!p->stop_.load()) {
      timeval tv{0, 200000};
      libusb_handle_events_timeout_completed(p->ctx_, &tv, nullptr);
    }
  });
  return c;
}

int LIBUSB_CALL UsbContext::on_hotplug(libusb_context*, libusb_device*, libusb_hotplug_event,
                                       void* self) noexcept {
  auto* c = static_cast<UsbContext*>(self);
  try {
    if (c->changed_) c->changed_();
  } catch (...) {
    // Never through libusb's C frames; the periodic scan still finds the change.
  }
  return 0;  // stay registered
}

Result<std::vector<DeviceRef>> UsbContext::devices() const {
  libusb_device** list = nullptr;
  const ssize_t n = libusb_get_device_list(ctx_, &list);
  if (n < 0)
    return fail(Errc::io, "libusb_get_device_list: " + usb_error_text(static_cast<int>(n)));
  std::vector<DeviceRef> out;
  out.reserve(static_cast<std::size_t>(n));
  for (ssize_t i = 0; i < n; ++i) out.emplace_back(list[i]);
  libusb_free_device_list(list, 1);
  return out;
}

UsbContext::~UsbContext() {
  if (hotplug_handle_ != 0) libusb_hotplug_deregister_callback(ctx_, hotplug_handle_);
  stop_.store(true);
  if (ctx_) libusb_interrupt_event_handler(ctx_);
  if (events_.joinable()) events_.join();
  if (ctx_) libusb_exit(ctx_);
}

}  // namespace onshi::driver
