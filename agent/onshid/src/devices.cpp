#include "devices.hpp"

#include <fmt/format.h>

#include "onshi/bytes.hpp"
#include "onshi/log.hpp"
#include "reader_json.hpp"

namespace onshi::agent {
bool reader_is_ignored(const pcsc::ReaderIdentity& identity, bool test_mode) {
  return !test_mode && !identity.is_usb();
}

Devices::Devices(boost::asio::io_context& io, const config::Config& config)
    : io_(io), test_mode_(config.test_mode), configured_faces_(config.face_readers) {}

Devices::~Devices() { stop(); }

void Devices::start() {
  pcsc::MonitorOptions options;
  const bool test_mode = test_mode_;
  // The monitor logs each ignored reader once ("pcsc: ignoring reader …").
  options.ignore = [test_mode](const pcsc::ReaderIdentity& identity) {
    return reader_is_ignored(identity, test_mode);
  };
  monitor_ = std::make_unique<pcsc::ReaderMonitor>(
      std::move(options), [this](const pcsc::MonitorEvent& e) { on_reader_event(e); });
  monitor_->start();

  driver::DriverOptions face_options;
  face_options.test_mode = test_mode_;
  for (const auto& f : configured_faces_) {
    if (f.serial) face_options.readers.push_back({*f.serial, f.institution});
  }
  auto driver = driver::FaceReaderDriver::start(io_, std::move(face_options));
  if (driver) {
    faces_ = std::move(driver).value();
    faces_->on_event([this](const driver::ReaderEvent& e) { on_face_event(e); });
  } else {
    face_driver_error_ = driver.error();
    log::warning("onshid", "face readers unavailable: {}", driver.error().to_string());
  }
}

void Devices::set_listeners(std::function<void(const pcsc::MonitorEvent&)> cards,
                            std::function<void(const driver::ReaderEvent&)> faces) {
  card_listener_ = std::move(cards);
  face_listener_ = std::move(faces);
}

std::vector<pcsc::ReaderInfo> Devices::card_readers() const {
  std::vector<pcsc::ReaderInfo> out;
  if (!monitor_) return out;
  for (auto& r : monitor_->readers()) {
    if (!r.ignored) out.push_back(std::move(r));
  }
  return out;
}

std::vector<std::shared_ptr<driver::FaceReader>> Devices::face_readers() const {
  return faces_ ? faces_->readers() : std::vector<std::shared_ptr<driver::FaceReader>>{};
}

std::shared_ptr<driver::FaceReader> Devices::face_reader(std::string_view serial) const {
  return faces_ ? faces_->reader(serial) : nullptr;
}

driver::PairingResult Devices::pairing() const {
  std::vector<driver::FaceReaderLocation> locations;
  for (const auto& f : face_readers()) {
    if (auto l = f->location()) locations.push_back(*l);
  }
  std::vector<driver::CardSlot> slots;
  for (const auto& r : card_readers()) {
    driver::CardSlot s;
    s.reader_name = r.identity.display_name;
    s.serial = r.identity.serial;
    s.vendor_id = r.identity.vendor_id;
    s.product_id = r.identity.product_id;
    s.bus = r.identity.usb_bus();
    s.address = r.identity.usb_address();
    slots.push_back(std::move(s));
  }
  return driver::pair_card_slots(locations, slots);
}

void Devices::stop() {
  if (monitor_) monitor_->stop();
  faces_.reset();
}

void Devices::on_reader_event(const pcsc::MonitorEvent& e) {
  using Kind = pcsc::MonitorEvent::Kind;
  switch (e.kind) {
    case Kind::service_changed: {
      {
        std::lock_guard lock(mutex_);
        pcscd_error_ = e.error;
      }
      log::info("onshid", "pcscd: {}{}", pcsc::service_state_name(e.service),
                e.error ? " (" + e.error->message + ")" : std::string());
      break;
    }
    case Kind::reader_added:
      if (!e.reader.ignored)
        log::info("onshid", "reader added: {}", e.reader.identity.display_name);
      break;
    case Kind::reader_removed:
      if (!e.reader.ignored)
        log::info("onshid", "reader removed: {}", e.reader.identity.display_name);
      break;
    case Kind::card_inserted:
    case Kind::card_removed:
      break;
  }
  if (card_listener_ && !e.reader.ignored) card_listener_(e);
}

void Devices::on_face_event(const driver::ReaderEvent& e) {
  if (const auto* c = std::get_if<driver::Connected>(&e.news)) {
    log::info("onshid", "face reader {} connected ({} {}, firmware {})", e.serial, c->info.vendor,
              c->info.model, c->info.firmware);
    // Its card slot came (back) with it: pcscd may have kept quiet about a quick replug, and
    // the pairing needs the slot's new USB address.
    if (monitor_) monitor_->rescan();
  } else if (const auto* d = std::get_if<driver::Disconnected>(&e.news)) {
    log::warning("onshid", "face reader {} disconnected: {}", e.serial, d->reason);
    if (monitor_) monitor_->rescan();
  } else if (const auto* t = std::get_if<driver::LinkTrouble>(&e.news)) {
    log::warning("onshid", "face reader {}: {}", e.serial, t->what);
  }
  if (face_listener_) face_listener_(e);
}

nlohmann::json Devices::pcscd_json() const {
  nlohmann::json j;
  const auto state = monitor_ ? monitor_->service_state() : pcsc::ServiceState::stopped;
  j["state"] = pcsc::service_state_name(state);
  std::lock_guard lock(mutex_);
  if (pcscd_error_ && state != pcsc::ServiceState::running) {
    j["error"] = {{"code", errc_name(pcscd_error_->code)}, {"message", pcscd_error_->message}};
  }
  return j;
}

nlohmann::json Devices::readers_json() const {
  nlohmann::json used = nlohmann::json::array();
  nlohmann::json ignored = nlohmann::json::array();
  if (monitor_) {
    for (const auto& r : monitor_->readers()) {
      nlohmann::json j = ctl::reader_json(r);
      if (r.ignored) {
        j["ignored_because"] = "not a USB reader (virtual readers are used only in test mode)";
        ignored.push_back(std::move(j));
      } else {
        used.push_back(std::move(j));
      }
    }
  }
  return {{"source", "onshid"},
          {"pcscd", pcscd_json()},
          {"readers", used},
          {"ignored", ignored},
          {"test_mode", test_mode_}};
}

nlohmann::json Devices::face_readers_json() const {
  nlohmann::json out{{"readers", nlohmann::json::array()}};
  if (!faces_) {
    out["state"] = "unavailable";
    if (face_driver_error_) {
      out["error"] = {{"code", errc_name(face_driver_error_->code)},
                      {"message", face_driver_error_->message}};
    }
    return out;
  }
  out["state"] = "running";
  out["hotplug"] = faces_->hotplug();
  const auto pairs = pairing();
  if (!pairs.problems.empty()) out["pairing_problems"] = pairs.problems;
  std::set<std::string> seen;
  for (const auto& r : faces_->readers()) {
    nlohmann::json j{{"serial", r->serial()}, {"connected", r->connected()}};
    if (auto inst = r->institution()) j["institution"] = *inst;
    if (auto info = r->info()) {
      j["vendor"] = info->vendor;
      j["model"] = info->model;
      j["firmware"] = info->firmware;
    }
    if (auto place = r->place()) {
      j["usb"] = {{"vendor_id", fmt::format("{:04x}", place->vendor_id)},
                  {"product_id", fmt::format("{:04x}", place->product_id)},
                  {"bus", place->bus},
                  {"address", place->address},
                  {"port", place->port_path}};
    }
    if (const auto* p = pairs.find(r->serial())) j["card_slot"] = p->reader_name;
    const auto s = r->stats();
    j["link"] = {
        {"commands", s.commands}, {"timeouts", s.timeouts}, {"link_resets", s.link_resets}};
    seen.insert(r->serial());
    out["readers"].push_back(std::move(j));
  }
  for (const auto& f : configured_faces_) {
    if (f.serial && !seen.contains(*f.serial)) {
      nlohmann::json j{{"serial", *f.serial}, {"connected", false}, {"state", "absent"}};
      if (f.institution) j["institution"] = *f.institution;
      out["readers"].push_back(std::move(j));
    }
  }
  return out;
}

std::string Devices::summary() const {
  const auto state = monitor_ ? monitor_->service_state() : pcsc::ServiceState::stopped;
  std::size_t readers = 0;
  if (monitor_) {
    for (const auto& r : monitor_->readers()) readers += r.ignored ? 0 : 1;
  }
  std::size_t faces = 0;
  if (faces_) {
    for (const auto& r : faces_->readers()) faces += r->connected() ? 1 : 0;
  }
  return fmt::format("pcscd {}, {} reader(s), {} face reader(s)", pcsc::service_state_name(state),
                     readers, faces);
}

}  // namespace onshi::agent
