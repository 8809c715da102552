// onshi's face-reader driver through real libusb against onshi-facesim (umockdev), with the real
// pcscd + libccid on the same devices' CCID slots: discovery by the device table, pairing with the
// card slots, the handshake, sessions in every mode, cancel, unplug mid-session and replug, bad
// frames and timeouts. This binary runs as onshi-facesim's child (ctest does that, as root); run
// by hand without it, every test skips.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "onshi/driver/face_reader.hpp"
#include "onshi/driver/pairing.hpp"
#include "onshi/pcsc/context.hpp"
#include "onshi/pcsc/exclusive_card.hpp"
#include "onshi/pcsc/jpki_pin_sign.hpp"
#include "onshi/pcsc/pin_pad.hpp"
#include "onshi/pcsc/reader_identity.hpp"
#include "onshi/sim/tool_run.hpp"

namespace onshi::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace onshi::driver;

const char* control_socket() { return std::getenv("ONSHI_FACESIM_CONTROL"); }

std::string ctl(const std::string& command) {
  const auto run =
      sim::run_tool(std::string(ONSHI_FACESIM) + " ctl " + control_socket() + " " + command);
  EXPECT_EQ(run.status, 0) << command << ": " << run.output;
  EXPECT_EQ(run.output.rfind("ok", 0), 0u) << command << ": " << run.output;
  return run.output;
}

nlohmann::json status(int reader) {
  const std::string out = ctl("status " + std::to_string(reader));
  return nlohmann::json::parse(out.substr(3));
}

fs::path persona(std::string_view kind, std::string_view file) {
  const char* root = std::getenv("ONSHI_TEST_PERSONAS");
  return fs::path(root ? root : "") / kind / file;
}

// Everything the driver tells, collected on the io_context's thread, waited for on the test's.
class News {
 public:
  void push(const ReaderEvent& e) {
    const std::lock_guard lock(m_);
    all_.push_back(e);
    cv_.notify_all();
  }
  // The first not yet taken event of `serial` that `match` accepts (earlier ones stay).
  template <typename T, typename F = bool (*)(const T&)>
  std::optional<T> wait(
      const std::string& serial, F match = [](const T&) { return true; },
      std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(m_);
    std::optional<T> found;
    cv_.wait_for(lock, timeout, [&] {
      for (std::size_t i = taken_; i < all_.size(); ++i) {
        if (all_[i].serial != serial) continue;
        const T* t = get_if<T>(all_[i].news);
        if (t != nullptr && match(*t)) {
          found = *t;
          taken_ = i + 1;
          return true;
        }
      }
      return false;
    });
    return found;
  }
  template <typename T>
  std::optional<T> wait_event(const std::string& serial, std::chrono::milliseconds timeout = 10s) {
    return wait<T>(
        serial, [](const T&) { return true; }, timeout);
  }
  std::size_t troubles(const std::string& serial) const {
    const std::lock_guard lock(m_);
    std::size_t n = 0;
    for (const auto& e : all_)
      n += e.serial == serial && std::holds_alternative<LinkTrouble>(e.news);
    return n;
  }
  std::string dump() const {
    const std::lock_guard lock(m_);
    std::string out;
    for (const auto& e : all_) {
      out += e.serial + ": ";
      if (const auto* d = std::get_if<DeviceEvent>(&e.news)) out += describe(*d);
      if (std::holds_alternative<Connected>(e.news)) out += "connected";
      if (const auto* d = std::get_if<Disconnected>(&e.news)) out += "disconnected " + d->reason;
      if (const auto* t = std::get_if<LinkTrouble>(&e.news)) out += "trouble " + t->what;
      out += "\n";
    }
    return out;
  }

 private:
  template <typename T>
  static const T* get_if(const ReaderNews& n) {
    if constexpr (std::is_same_v<T, Connected> || std::is_same_v<T, Disconnected> ||
                  std::is_same_v<T, LinkTrouble>) {
      return std::get_if<T>(&n);
    } else {
      const auto* d = std::get_if<DeviceEvent>(&n);
      return d ? std::get_if<T>(d) : nullptr;
    }
  }
  mutable std::mutex m_;
  std::condition_variable cv_;
  std::vector<ReaderEvent> all_;
  std::size_t taken_ = 0;
};

class FaceDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (control_socket() == nullptr)
      GTEST_SKIP() << "not run as onshi-facesim's child (ctest does that, as root)";
    // A clean reader for each test: no card, no armed fault, no session, all features.
    for (int r : {0, 1}) {
      if (!status(r)["plugged"].get<bool>()) ctl("replug " + std::to_string(r));
      if (!status(r)["card"].is_null()) ctl("remove " + std::to_string(r));
      ctl("vendor-fault " + std::to_string(r) + " clear");
      ctl("vendor-features " + std::to_string(r) + " 0x7F");
      ctl("vendor-delay " + std::to_string(r) + " 20");
    }
    // pcscd holds both CCID slots before a test starts (it opens them a moment after the start).
    for (int i = 0; i < 100 && card_slots().size() < 2; ++i) std::this_thread::sleep_for(100ms);
  }
  void TearDown() override {
    driver_.reset();
    work_.reset();
    if (io_thread_.joinable()) io_thread_.join();
  }

  void start_driver(DriverOptions options = {}, bool test_mode = true) {
    options.test_mode = test_mode;
    options.scan_interval = 500ms;
    if (options.readers.empty())
      options.readers = {{"FACE0001", "1310000018"}, {"FACE0002", "1330000016"}};
    work_.emplace(io_.get_executor());
    io_thread_ = std::thread([this] { io_.run(); });
    auto d = FaceReaderDriver::start(io_, options);
    ASSERT_TRUE(d) << d.error().to_string();
    driver_ = std::move(*d);
    driver_->on_event([this](const ReaderEvent& e) { news_.push(e); });
    driver_->rescan();
  }

  std::shared_ptr<FaceReader> connected(const std::string& serial) {
    auto c = news_.wait_event<Connected>(serial);
    EXPECT_TRUE(c) << serial << " never connected\n" << news_.dump();
    return c ? driver_->reader(serial) : nullptr;
  }

  // Runs an async call and waits for its completion on the io_context.
  Status call(const std::function<void(FaceReader::Done)>& f) {
    std::promise<Status> p;
    f([&p](Status s) { p.set_value(std::move(s)); });
    auto fut = p.get_future();
    if (fut.wait_for(20s) != std::future_status::ready) return fail(Errc::timeout, "no completion");
    return fut.get();
  }

  SessionRequest session(std::uint32_t id, SessionMode mode, ConsentSet consents = {}) {
    SessionRequest r;
    r.session = id;
    r.mode = mode;
    r.consents = consents;
    r.timeout_seconds = 30;
    r.face_attempts = 2;
    return r;
  }

  std::optional<SessionEnded> ended(const std::string& serial, std::uint32_t id) {
    return news_.wait<SessionEnded>(serial,
                                    [id](const SessionEnded& e) { return e.session == id; });
  }

  // The PC/SC readers of the testbed as pairing sees them.
  std::vector<CardSlot> card_slots() {
    std::vector<CardSlot> out;
    auto ctx = pcsc::Context::establish();
    if (!ctx) return out;
    auto context = std::make_shared<pcsc::Context>(std::move(*ctx));
    auto names = context->list_readers();
    if (!names) return out;
    for (const auto& name : *names) {
      auto id = pcsc::query_reader_identity(context, name);
      if (!id) continue;
      out.push_back(
          {name, id->serial, id->vendor_id, id->product_id, id->usb_bus(), id->usb_address()});
    }
    return out;
  }

  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread io_thread_;
  News news_;
  std::unique_ptr<FaceReaderDriver> driver_;
};

TEST_F(FaceDriverTest, FindsBothReadersThroughTheTableAndShakesHands) {
  start_driver();
  for (const std::string serial : {"FACE0001", "FACE0002"}) {
    auto reader = connected(serial);
    ASSERT_TRUE(reader);
    const auto info = reader->info();
    ASSERT_TRUE(info);
    EXPECT_EQ(info->serial, serial);  // GET_INFO's serial is the USB serial (PROTOCOL.md §1)
    EXPECT_EQ(info->vendor, "onshi");
    EXPECT_EQ(info->protocol, 1);
    EXPECT_TRUE(info->has(Feature::face) && info->has(Feature::visual));
    ASSERT_TRUE(reader->place());
    EXPECT_EQ(reader->place()->vendor_id, 0x1209);
  }
  EXPECT_EQ(driver_->reader("FACE0001")->institution(), "1310000018");
  EXPECT_EQ(driver_->reader("FACE0002")->institution(), "1330000016");
  // Only the vendor interface is claimed; pcscd keeps the CCID one.
  const auto claims = status(0)["claims"];
  ASSERT_TRUE(claims.contains("0") && claims.contains("1")) << claims.dump();
  EXPECT_NE(claims["0"], claims["1"]);
}

TEST_F(FaceDriverTest, WithoutTestModeTheTestIdIsNotDriven) {
  start_driver({}, false);
  std::this_thread::sleep_for(1500ms);  // three scans
  EXPECT_TRUE(driver_->readers().empty());
  EXPECT_EQ(status(0)["claims"].count("1"), 0u);
}

TEST_F(FaceDriverTest, PairsEachFaceReaderWithItsCardSlotBySerialAndChannel) {
  start_driver();
  std::vector<FaceReaderLocation> faces;
  for (const std::string serial : {"FACE0001", "FACE0002"}) {
    auto reader = connected(serial);
    ASSERT_TRUE(reader);
    faces.push_back(*reader->location());
  }
  auto slots = card_slots();
  for (int i = 0; i < 50 && slots.size() < 2; ++i) {
    std::this_thread::sleep_for(200ms);
    slots = card_slots();
  }
  ASSERT_EQ(slots.size(), 2u);
  const auto result = pair_card_slots(faces, slots);
  ASSERT_EQ(result.pairs.size(), 2u) << (result.problems.empty() ? "" : result.problems[0]);
  for (const auto& p : result.pairs) {
    EXPECT_NE(p.reader_name.find("(" + p.face_serial + ")"), std::string::npos) << p.reader_name;
    EXPECT_EQ(p.by, PairedBy::serial_and_channel);
  }
}

TEST_F(FaceDriverTest, AFullFaceSessionWithConsentAnswers) {
  start_driver();
  auto reader = connected("FACE0001");
  ASSERT_TRUE(reader);
  ctl("insert 0 " + persona("jpki", "jpki-card.json").string());
  EXPECT_TRUE(news_.wait_event<CardPlaced>("FACE0001")) << news_.dump();
  ctl("face 0 match 910");
  ctl("consent 0 yes,no,yes,no,yes,skip");
  ASSERT_TRUE(call([&](auto done) {
    reader->async_start_session(session(11, SessionMode::face, ConsentSet::all()), done);
  }));
  auto face = news_.wait_event<FaceResult>("FACE0001");
  ASSERT_TRUE(face) << news_.dump();
  EXPECT_TRUE(face->matched);
  EXPECT_EQ(face->score, 910);
  EXPECT_EQ(face->session, 11u);
  // Here the agent makes the card-present proof; the reader then asks the consents.
  ASSERT_TRUE(call([&](auto done) { reader->async_identity_result(11, true, done); }));
  auto consents = news_.wait_event<ConsentAnswers>("FACE0001");
  ASSERT_TRUE(consents) << news_.dump();
  EXPECT_EQ(consents->answer(ConsentQuestion::medication), ConsentAnswer::agreed);
  EXPECT_EQ(consents->answer(ConsentQuestion::health_checkups), ConsentAnswer::declined);
  EXPECT_EQ(consents->answer(ConsentQuestion::specific_diseases), ConsentAnswer::unanswered);
  auto end = ended("FACE0001", 11);
  ASSERT_TRUE(end);
  EXPECT_EQ(end->reason, static_cast<std::uint8_t>(SessionEnd::completed));
}

TEST_F(FaceDriverTest, FaceMismatchFallsBackToThePinOnThePad) {
  if (!fs::exists(persona("jpki", "jpki-card.json"))) GTEST_SKIP() << "no test personas";
  start_driver();
  auto reader = connected("FACE0001");
  ASSERT_TRUE(reader);
  const auto card_file = persona("jpki", "jpki-card.json");
  ctl("insert 0 " + card_file.string());
  ctl("face 0 mismatch 150");
  ctl("face 0 mismatch 180");
  ASSERT_TRUE(call([&](auto done) {
    reader->async_start_session(session(12, SessionMode::face_then_pin), done);
  }));
  for (int attempt : {1, 2}) {
    auto face = news_.wait_event<FaceResult>("FACE0001");
    ASSERT_TRUE(face) << news_.dump();
    EXPECT_FALSE(face->matched);
    EXPECT_EQ(face->attempt, attempt);
  }
  auto pin = news_.wait_event<PinRequested>("FACE0001");
  ASSERT_TRUE(pin) << news_.dump();
  EXPECT_EQ(pin->reason, static_cast<std::uint8_t>(PinReason::face_failed));
  // The PIN goes from the pad to the card through the paired CCID slot, never through here.
  const auto slots = card_slots();
  const auto pairs = pair_card_slots(std::vector{*reader->location()}, slots);
  ASSERT_EQ(pairs.pairs.size(), 1u);
  auto ctx = pcsc::Context::establish();
  ASSERT_TRUE(ctx);
  auto context = std::make_shared<pcsc::Context>(std::move(*ctx));
  std::ifstream in(card_file);
  const std::string pin_value =
      nlohmann::json::parse(in)["jpki"]["auth_pin"]["value"].get<std::string>();
  Status verified = fail(Errc::internal, "not run");
  for (int i = 0; i < 50; ++i) {  // the card may still be powering up in pcscd
    auto card = pcsc::ExclusiveCard::connect(context, pairs.pairs[0].reader_name);
    if (!card) {
      std::this_thread::sleep_for(100ms);
      continue;
    }
    auto pad = pcsc::detect_pin_pad(card->card());
    ASSERT_TRUE(pad && *pad);
    (*pad)->timeout = 5s;
    ctl("pad 0 type " + pin_value);
    auto outcome = pcsc::jpki::verify_pin_only_on_pad(*card, pcsc::jpki::Key::auth, **pad, {});
    verified = outcome ? Status{} : Status(outcome.error());
    break;
  }
  ASSERT_TRUE(verified) << verified.error().to_string();
  ASSERT_TRUE(call([&](auto done) { reader->async_identity_result(12, true, done); }));
  auto end = ended("FACE0001", 12);
  ASSERT_TRUE(end) << news_.dump();
  EXPECT_EQ(end->reason, static_cast<std::uint8_t>(SessionEnd::completed));
}

TEST_F(FaceDriverTest, StaffVisualConfirmationConfirmedAndRejected) {
  start_driver();
  auto reader = connected("FACE0002");
  ASSERT_TRUE(reader);
  ctl("insert 1 " + persona("jpki", "jpki-card.json").string());
  ctl("staff 1 confirm");
  ASSERT_TRUE(
      call([&](auto d) { reader->async_start_session(session(21, SessionMode::visual), d); }));
  auto seen = news_.wait_event<VisualConfirmation>("FACE0002");
  ASSERT_TRUE(seen) << news_.dump();
  EXPECT_TRUE(seen->confirmed);
  ASSERT_TRUE(call([&](auto d) { reader->async_identity_result(21, true, d); }));
  ASSERT_TRUE(ended("FACE0002", 21));
  ctl("staff 1 reject");
  ASSERT_TRUE(
      call([&](auto d) { reader->async_start_session(session(22, SessionMode::visual), d); }));
  auto rejected = news_.wait_event<VisualConfirmation>("FACE0002");
  ASSERT_TRUE(rejected);
  EXPECT_FALSE(rejected->confirmed);
  auto end = ended("FACE0002", 22);
  ASSERT_TRUE(end);
  EXPECT_EQ(end->reason, static_cast<std::uint8_t>(SessionEnd::staff_rejected));
}

TEST_F(FaceDriverTest, HostCancelOperatorCancelAndBusy) {
  start_driver();
  auto reader = connected("FACE0001");
  ASSERT_TRUE(reader);
  ctl("insert 0 " + persona("jpki", "jpki-card.json").string());
  ASSERT_TRUE(
      call([&](auto d) { reader->async_start_session(session(31, SessionMode::face), d); }));
  // A second session while one runs: the reader's NAK busy, with its code.
  const Status busy =
      call([&](auto d) { reader->async_start_session(session(32, SessionMode::face), d); });
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code, Errc::face_reader_refused);
  EXPECT_EQ(busy.error().native, static_cast<int>(NakCode::busy));
  ASSERT_TRUE(call([&](auto d) { reader->async_cancel(31, d); }));
  auto end = ended("FACE0001", 31);
  ASSERT_TRUE(end);
  EXPECT_EQ(end->reason, static_cast<std::uint8_t>(SessionEnd::host_cancelled));
  ASSERT_TRUE(
      call([&](auto d) { reader->async_start_session(session(33, SessionMode::face), d); }));
  ctl("operator-cancel 0 patient");
  auto op = news_.wait_event<OperatorCancel>("FACE0001");
  ASSERT_TRUE(op) << news_.dump();
  EXPECT_EQ(op->by, static_cast<std::uint8_t>(CancelledBy::patient));
  auto end2 = ended("FACE0001", 33);
  ASSERT_TRUE(end2);
  EXPECT_EQ(end2->reason, static_cast<std::uint8_t>(SessionEnd::operator_cancelled));
}

TEST_F(FaceDriverTest, UnplugMidSessionIsReportedAndTheReplugReconnectsAndRepairs) {
  start_driver();
  auto reader = connected("FACE0001");
  ASSERT_TRUE(reader);
  const int old_address = reader->place()->address;
  ctl("insert 0 " + persona("jpki", "jpki-card.json").string());
  ASSERT_TRUE(
      call([&](auto d) { reader->async_start_session(session(41, SessionMode::face), d); }));
  ctl("unplug 0");
  ASSERT_TRUE(news_.wait_event<Disconnected>("FACE0001")) << news_.dump();
  EXPECT_FALSE(reader->connected());
  const Status absent = call([&](auto d) { reader->async_cancel(41, d); });
  ASSERT_FALSE(absent);
  EXPECT_EQ(absent.error().code, Errc::face_reader_absent);
  // pcscd lets the slot go too (its udev monitor) before the device comes back, as a person
  // replugging a cable gives it time to.
  const auto has_slot = [&] {
    for (const auto& slot : card_slots())
      if (slot.serial == "FACE0001") return true;
    return false;
  };
  for (int i = 0; i < 100 && has_slot(); ++i) std::this_thread::sleep_for(100ms);
  // Under ctest, pcscd has been seen to keep the dead slot (libccid logging NO_DEVICE) past this
  // wait; the pairing must then refuse the stale slot rather than pair with it (below).
  const bool pcscd_dropped_the_slot = !has_slot();
  ctl("replug 0");
  ASSERT_TRUE(news_.wait_event<Connected>("FACE0001")) << news_.dump();
  ASSERT_TRUE(reader->place());
  EXPECT_NE(reader->place()->address, old_address);  // a new address, as on real hardware
  // Pairing again: pcscd sees the slot come back at the same new address.
  std::optional<Pairing> paired;
  std::string why;
  for (int i = 0; i < 100 && !paired; ++i) {
    const auto r = pair_card_slots(std::vector{*reader->location()}, card_slots());
    if (!r.pairs.empty()) paired = r.pairs[0];
    why = r.problems.empty() ? "no card slot with this serial yet" : r.problems[0];
    if (!paired) std::this_thread::sleep_for(200ms);
  }
  if (!pcscd_dropped_the_slot && !paired) {
    // pcscd still lists the slot at the address before the replug: refused, and said why.
    EXPECT_NE(why.find("replugged"), std::string::npos) << why;
    std::printf("note: pcscd kept the unplugged slot; the stale pairing was refused: %s\n",
                why.c_str());
  } else {
    ASSERT_TRUE(paired) << why;
    EXPECT_EQ(paired->by, PairedBy::serial_and_channel);
  }
  // And the link works: a session on the reconnected reader.
  EXPECT_TRUE(
      call([&](auto d) { reader->async_start_session(session(42, SessionMode::face), d); }));
  EXPECT_EQ(reader->stats().connects, 2u);
}

TEST_F(FaceDriverTest, ACorruptedReplyIsAskedForAgainAndGarbageSkipped) {
  start_driver();
  auto reader = connected("FACE0001");
  ASSERT_TRUE(reader);
  ctl("vendor-fault 0 corrupt-reply");
  ASSERT_TRUE(call([&](auto d) { reader->async_show_message("受付へどうぞ", 5, d); }));
  auto s = reader->stats();
  EXPECT_GE(s.frame_faults[static_cast<int>(FrameFault::bad_crc)], 1u);
  EXPECT_EQ(s.retransmissions, 1u);
  ctl("vendor-fault 0 garbage DEADBEEF00");
  ASSERT_TRUE(call([&](auto d) { reader->async_reset(d); }));
  EXPECT_GE(reader->stats().frame_faults[static_cast<int>(FrameFault::garbage)], 1u);
  EXPECT_EQ(reader->stats().retransmissions, 1u);     // garbage is no reply: no second RESET
  EXPECT_EQ(status(0)["vendor"]["screen"], nullptr);  // RESET cleared the screen
}

TEST_F(FaceDriverTest, OversizedAndGarbageEventsAreReportedAndTheStreamGoesOn) {
  start_driver();
  auto reader = connected("FACE0001");
  ASSERT_TRUE(reader);
  // Magic, version 1, a length of 0xFFFF: oversized. Then plain garbage.
  ctl("vendor-event 0 4F4601480000FFFF00000000");
  ctl("vendor-event 0 0102030405");
  ctl("insert 0 " + persona("jpki", "jpki-card.json").string());
  ASSERT_TRUE(news_.wait_event<CardPlaced>("FACE0001")) << news_.dump();
  const auto s = reader->stats();
  EXPECT_GE(s.frame_faults[static_cast<int>(FrameFault::oversized)], 1u);
  EXPECT_GE(s.frame_faults[static_cast<int>(FrameFault::garbage)], 1u);
  EXPECT_GE(news_.troubles("FACE0001"), 2u);
  EXPECT_TRUE(reader->connected());
}

TEST_F(FaceDriverTest, LostRepliesAreRetransmittedThenTheLinkIsReset) {
  DriverOptions o;
  o.reply_timeout = 300ms;
  start_driver(o);
  auto reader = connected("FACE0001");
  ASSERT_TRUE(reader);
  ctl("insert 0 " + persona("jpki", "jpki-card.json").string());
  // One reply lost: the same command with the same number again, executed once (§4.1).
  ctl("vendor-fault 0 drop-reply 1");
  const int sessions = status(0)["vendor"]["sessions"].get<int>();
  ASSERT_TRUE(
      call([&](auto d) { reader->async_start_session(session(51, SessionMode::face), d); }));
  EXPECT_EQ(reader->stats().retransmissions, 1u);
  EXPECT_EQ(status(0)["vendor"]["sessions"].get<int>(), sessions + 1);
  // Two lost: a timeout to the caller, then RESET brings the link back.
  ctl("vendor-fault 0 drop-reply 2");
  const Status lost = call([&](auto d) { reader->async_cancel(51, d); });
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().code, Errc::timeout);
  EXPECT_EQ(reader->stats().link_resets, 1u);
  EXPECT_TRUE(
      call([&](auto d) { reader->async_start_session(session(52, SessionMode::face), d); }));
}

TEST_F(FaceDriverTest, AStalledBulkInIsClearedAndTheCommandAnswered) {
  start_driver();
  auto reader = connected("FACE0001");
  ASSERT_TRUE(reader);
  ctl("vendor-fault 0 stall bulk-in");
  auto st = std::make_shared<std::promise<Result<DeviceStatus>>>();
  reader->async_status([st](Result<DeviceStatus> r) { st->set_value(std::move(r)); });
  auto fut = st->get_future();
  ASSERT_EQ(fut.wait_for(10s), std::future_status::ready);
  auto got = fut.get();
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_EQ(got->state, DeviceState::idle);
  EXPECT_GE(reader->stats().stalls_cleared, 1u);
}

TEST_F(FaceDriverTest, AModeTheReaderLacksIsRefusedBeforeAnythingIsSent) {
  ctl("vendor-features 0 0x01");  // face only: read at the handshake
  start_driver();
  auto reader = connected("FACE0001");
  ASSERT_TRUE(reader);
  const auto before = status(0)["vendor"]["commands"].get<int>();
  const Status pin =
      call([&](auto d) { reader->async_start_session(session(61, SessionMode::pin), d); });
  ASSERT_FALSE(pin);
  EXPECT_EQ(pin.error().code, Errc::face_reader_unsupported);
  EXPECT_EQ(status(0)["vendor"]["commands"].get<int>(), before);
}

}  // namespace
}  // namespace onshi::test
