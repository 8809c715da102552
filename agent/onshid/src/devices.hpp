// What onshid knows of its hardware, for /v1/health and /v1/readers: pcscd and its readers
// (pcsc::ReaderMonitor on its own thread) and the face readers' vendor side (driver on libusb's
// threads, events on the io_context). Neither has to be there: each absence is a state.
#pragma once

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "onshi/config/config.hpp"
#include "onshi/driver/face_reader.hpp"
#include "onshi/driver/pairing.hpp"
#include "onshi/pcsc/reader_monitor.hpp"

namespace onshi::agent {

// Outside test mode only USB readers are used (SCARD_ATTR_CHANNEL_ID type 0x0020,
// cards-and-readers.md §4): a virtual reader of any name could present a fake card.
bool reader_is_ignored(const pcsc::ReaderIdentity& identity, bool test_mode);

class Devices {
 public:
  Devices(boost::asio::io_context& io, const config::Config& config);
  ~Devices();
  void start();
  void stop();

  // For the card sessions: called as events come (cards on pcscd's monitor thread, face readers on
  // the io_context). Set before start().
  void set_listeners(std::function<void(const pcsc::MonitorEvent&)> cards,
                     std::function<void(const driver::ReaderEvent&)> faces);
  std::vector<pcsc::ReaderInfo> card_readers() const;  // the ones used (not ignored)
  std::vector<std::shared_ptr<driver::FaceReader>> face_readers() const;
  std::shared_ptr<driver::FaceReader> face_reader(std::string_view serial) const;
  // Which card slot is which face reader's (by USB serial and bus/address, pairing.hpp).
  driver::PairingResult pairing() const;

  nlohmann::json pcscd_json() const;
  nlohmann::json readers_json() const;
  nlohmann::json face_readers_json() const;
  // "pcscd running, 1 reader, face reader EMU0001 connected": for systemd's STATUS=.
  std::string summary() const;

 private:
  void on_reader_event(const pcsc::MonitorEvent& event);
  void on_face_event(const driver::ReaderEvent& event);

  boost::asio::io_context& io_;
  std::function<void(const pcsc::MonitorEvent&)> card_listener_;
  std::function<void(const driver::ReaderEvent&)> face_listener_;
  bool test_mode_;
  std::vector<config::FaceReader> configured_faces_;
  std::unique_ptr<pcsc::ReaderMonitor> monitor_;
  std::unique_ptr<driver::FaceReaderDriver> faces_;
  std::optional<Error> face_driver_error_;
  mutable std::mutex mutex_;
  std::optional<Error> pcscd_error_;
};

}  // namespace onshi::agent
