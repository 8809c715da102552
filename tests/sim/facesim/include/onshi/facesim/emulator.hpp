// onshi-facesim's testbed owner: one umockdev testbed holding one or more emulated face readers,
// their usbdevfs served from umockdev's ioctl thread, libusb's idle busy-spin throttled by
// answering an idle client's empty reap a little later (test-rigs.md §5, "Blockers and
// caveats"), and unplug/replug with uevents. The process must run with libumockdev-preload
// (main() re-executes itself under it).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "onshi/facesim/usb_device.hpp"
#include "onshi/result.hpp"

namespace onshi::facesim {

struct ReaderSetup {
  ReaderIdentity identity;
  SlotConfig slot;
};

struct EmulatorOptions {
  // Answer an empty reap this much later once a client has been idle for `idle_after`.
  std::chrono::microseconds idle_reap_delay{2000};
  std::chrono::milliseconds idle_after{20};
  std::function<void(const std::string&)> log;  // one line per event; may be empty
};

class Emulator {
 public:
  static Result<std::unique_ptr<Emulator>> create(std::vector<ReaderSetup> readers,
                                                  EmulatorOptions options);
  ~Emulator();
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  std::string umockdev_dir() const;
  std::size_t size() const;

  // Runs `f(UsbDevice&, const UsbLocation&)` on reader `index` with the ioctl thread kept out.
  template <typename F>
  decltype(auto) with_reader(std::size_t index, F&& f);

  Status unplug(std::size_t index);
  Status replug(std::size_t index);

  struct Impl;

 private:
  explicit Emulator(std::unique_ptr<Impl> impl);
  void lock();
  void unlock();
  UsbDevice& device(std::size_t index);
  const UsbLocation& location(std::size_t index);
  std::unique_ptr<Impl> impl_;
};

template <typename F>
decltype(auto) Emulator::with_reader(std::size_t index, F&& f) {
  struct Unlock {
    Emulator* e;
    ~Unlock() { e->unlock(); }
  };
  lock();
  Unlock guard{this};
  return std::forward<F>(f)(device(index), location(index));
}

}  // namespace onshi::facesim
