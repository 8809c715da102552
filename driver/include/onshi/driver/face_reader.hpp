// The face readers as the agent sees them (issue 8): asynchronous, completion handlers run on the
// agent's io_context, no libusb types. One FaceReader per physical reader, known by its USB
// serial and kept across unplug and replug; FaceReaderDriver finds them through the device table
// (hot-plug where libusb has it, a periodic scan always), keeps each one's link to its vendor
// interface (driver/PROTOCOL.md) and reconnects by itself.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "onshi/driver/device_table.hpp"
#include "onshi/driver/link_stats.hpp"
#include "onshi/driver/messages.hpp"
#include "onshi/driver/pairing.hpp"
#include "onshi/result.hpp"

namespace onshi::driver {

// Where a reader is plugged in now (bus/address change on every replug).
struct UsbPlace {
  std::uint16_t vendor_id = 0;
  std::uint16_t product_id = 0;
  int bus = 0;
  int address = 0;
  std::string port_path;  // "1-2.3": the physical port, stable while nobody moves the cable
};

// What a reader tells the agent (FaceReaderDriver::on_event).
struct Connected {
  DeviceInfo info;
  UsbPlace place;
};
struct Disconnected {
  std::string reason;  // "unplugged", "no reply after reset", ...
};
struct LinkTrouble {
  std::string what;  // a frame fault, lost events, a recovery: reported, the link goes on
};
using ReaderNews = std::variant<Connected, Disconnected, DeviceEvent, LinkTrouble>;

struct ReaderEvent {
  std::string serial;
  ReaderNews news;
};

class FaceReader {
 public:
  using Done = std::function<void(Status)>;
  virtual ~FaceReader() = default;

  virtual const std::string& serial() const = 0;
  // The institution this reader serves (its configuration), if it is configured.
  virtual std::optional<std::string> institution() const = 0;
  virtual bool connected() const = 0;
  virtual std::optional<UsbPlace> place() const = 0;
  virtual std::optional<DeviceInfo> info() const = 0;
  virtual LinkStats stats() const = 0;
  // Where it is, for pair_card_slots (nullopt while unplugged).
  std::optional<FaceReaderLocation> location() const;

  // Each finishes on the io_context: Errc::face_reader_absent while unplugged,
  // face_reader_refused (native = the NAK code) for a NAK, face_reader_unsupported for a mode the
  // device's features lack, timeout when the reader did not answer even after recovery.
  virtual void async_start_session(SessionRequest request, Done done) = 0;
  virtual void async_cancel(std::uint32_t session, Done done) = 0;
  virtual void async_identity_result(std::uint32_t session, bool ok, Done done) = 0;
  virtual void async_show_message(std::string text, std::uint16_t seconds, Done done) = 0;
  virtual void async_reset(Done done) = 0;
  virtual void async_status(std::function<void(Result<DeviceStatus>)> done) = 0;
};

struct ReaderConfig {
  std::string serial;
  std::optional<std::string> institution;
};

struct DriverOptions {
  std::vector<ReaderConfig> readers;  // readers not listed are driven too, without institution
  bool test_mode = false;             // drive the table's test_only entries (onshi-facesim)
  std::chrono::milliseconds reply_timeout{1000};  // PROTOCOL.md §4.2
  // The fallback scan: the only discovery without hot-plug, a safety net with it.
  std::chrono::milliseconds scan_interval{2000};
  bool use_hotplug = true;  // false: scan only (what a platform without hot-plug gets)
};

class FaceReaderDriver {
 public:
  // Starts libusb's event thread and the discovery thread. Fails only when libusb cannot start;
  // no reader at all is a state, not an error.
  static Result<std::unique_ptr<FaceReaderDriver>> start(boost::asio::io_context& io,
                                                         DriverOptions options);
  virtual ~FaceReaderDriver() = default;

  // Called on the io_context for every ReaderEvent. Set it before the first poll of io.
  virtual void on_event(std::function<void(const ReaderEvent&)> handler) = 0;
  virtual std::vector<std::shared_ptr<FaceReader>> readers() const = 0;
  virtual std::shared_ptr<FaceReader> reader(std::string_view serial) const = 0;
  virtual bool hotplug() const = 0;  // libusb reports arrivals and removals itself
  virtual void rescan() = 0;         // look now (e.g. after pcscd reported a new reader)
};

}  // namespace onshi::driver
