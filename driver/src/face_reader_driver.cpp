// FaceReaderDriver: discovery (hot-plug notices and the periodic scan through the device table),
// one FaceReader per serial with its worker thread for commands, events posted to the agent's
// io_context. Threads: libusb's event thread (UsbContext), the discovery thread, one worker per
// reader; the agent's handlers run only on its io_context.
#include <boost/asio/post.hpp>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "onshi/driver/face_reader.hpp"
#include "onshi/log.hpp"
#include "usb_context.hpp"
#include "vendor_link.hpp"

namespace onshi::driver {
namespace {

constexpr std::string_view kLog = "driver";
using EventSink = std::function<void(ReaderEvent)>;

class FaceReaderImpl final : public FaceReader,
                             public std::enable_shared_from_this<FaceReaderImpl> {
 public:
  FaceReaderImpl(boost::asio::io_context& io, std::string serial,
                 std::optional<std::string> institution, EventSink sink,
                 std::function<void()> rescan, std::function<void(std::pair<int, int>)> retry_later)
      : io_(io),
        serial_(std::move(serial)),
        institution_(std::move(institution)),
        sink_(std::move(sink)),
        rescan_(std::move(rescan)),
        retry_later_(std::move(retry_later)),
        stats_(std::make_shared<SharedStats>()) {
    worker_ = std::thread([this] { run(); });
  }
  ~FaceReaderImpl() override { stop(); }

  void stop() {
    {
      const std::lock_guard lock(mutex_);
      if (stopping_) return;
      stopping_ = true;
    }
    cv_.notify_all();
    if (worker_.joinable()) worker_.join();
  }

  std::shared_ptr<SharedStats> shared_stats() const { return stats_; }

  // --- FaceReader ---
  const std::string& serial() const override { return serial_; }
  std::optional<std::string> institution() const override { return institution_; }
  bool connected() const override {
    const std::lock_guard lock(mutex_);
    return info_.has_value();
  }
  std::optional<UsbPlace> place() const override {
    const std::lock_guard lock(mutex_);
    return place_;
  }
  std::optional<DeviceInfo> info() const override {
    const std::lock_guard lock(mutex_);
    return info_;
  }
  LinkStats stats() const override { return stats_->get(); }

  void async_start_session(SessionRequest request, Done done) override {
    command(std::move(done), [request](VendorLink& link, const DeviceInfo& info) -> Status {
      if (request.session == 0) return fail(Errc::invalid_argument, "session id 0 is reserved");
      if (request.face_attempts < 1 || request.face_attempts > 5)
        return fail(Errc::invalid_argument, "face_attempts must be 1..5 (PROTOCOL.md §5.2)");
      if (!info.has(feature_of(request.mode))) {
        return fail(Errc::face_reader_unsupported,
                    fmt::format("{} ({}) has no {} mode", link.serial(), info.model,
                                session_mode_name(request.mode)));
      }
      if (!request.consents.empty() && !info.has(Feature::consent))
        return fail(Errc::face_reader_unsupported,
                    fmt::format("{} asks no consent questions", link.serial()));
      ONSHI_TRY_ASSIGN(auto reply,
                       link.transact(MessageType::start_session, start_session_payload(request)));
      ONSHI_TRY_ASSIGN(const std::uint32_t id, decode_session_reply(reply));
      if (id != request.session)
        return fail(Errc::face_reader_protocol,
                    fmt::format("START_SESSION {} answered for session {}", request.session, id));
      return {};
    });
  }

  void async_cancel(std::uint32_t session, Done done) override {
    command(std::move(done), [session](VendorLink& link, const DeviceInfo&) -> Status {
      ONSHI_TRY(link.transact(MessageType::cancel, session_payload(session)));
      return {};
    });
  }

  void async_identity_result(std::uint32_t session, bool ok, Done done) override {
    command(std::move(done), [session, ok](VendorLink& link, const DeviceInfo&) -> Status {
      ONSHI_TRY(link.transact(MessageType::identity_result, identity_result_payload(session, ok)));
      return {};
    });
  }

  void async_show_message(std::string text, std::uint16_t seconds, Done done) override {
    command(
        std::move(done),
        [text = std::move(text), seconds](VendorLink& link, const DeviceInfo& info) -> Status {
          if (!info.has(Feature::show_message))
            return fail(Errc::face_reader_unsupported,
                        fmt::format("{} cannot show messages", link.serial()));
          if (text.size() > kMaxMessageText)
            return fail(Errc::invalid_argument,
                        fmt::format("a reader message is at most {} bytes of UTF-8, not {}",
                                    kMaxMessageText, text.size()));
          ONSHI_TRY(link.transact(MessageType::show_message, show_message_payload(text, seconds)));
          return {};
        });
  }

  void async_reset(Done done) override {
    command(std::move(done), [](VendorLink& link, const DeviceInfo&) -> Status {
      ONSHI_TRY(link.transact(MessageType::reset, {}));
      return {};
    });
  }

  void async_status(std::function<void(Result<DeviceStatus>)> done) override {
    auto result = std::make_shared<Result<DeviceStatus>>(fail(Errc::internal, "not run"));
    enqueue([this, done = std::move(done), result]() mutable {
      if (!link_ || !info_) {
        *result = fail(Errc::face_reader_absent, fmt::format("{} is not connected", serial_));
      } else {
        auto reply = link_->transact(MessageType::get_status, {});
        *result = reply ? decode_status(*reply) : Result<DeviceStatus>(reply.error());
        after_command();
      }
      boost::asio::post(io_, [done = std::move(done), result] { done(std::move(*result)); });
    });
  }

  // --- from discovery (any thread) ---
  void attach(std::unique_ptr<VendorLink> link) {
    auto shared = std::make_shared<std::unique_ptr<VendorLink>>(std::move(link));
    enqueue([this, shared] { connect(std::move(*shared)); });
  }
  // Only the link at that bus/address: a replug's new link may already be queued before it.
  void detach(std::string reason, std::pair<int, int> at) {
    enqueue([this, reason = std::move(reason), at] {
      if (link_ && link_->place().bus == at.first && link_->place().address == at.second)
        disconnect(reason);
    });
  }

 private:
  void enqueue(std::function<void()> job) {
    {
      const std::lock_guard lock(mutex_);
      if (!stopped_) {
        jobs_.push_back(std::move(job));
        cv_.notify_one();
        return;
      }
    }
    job();  // the worker is gone: no link, so a command is answered face_reader_absent at once
  }

  void command(Done done, std::function<Status(VendorLink&, const DeviceInfo&)> f) {
    enqueue([this, done = std::move(done), f = std::move(f)]() mutable {
      Status s = (!link_ || !info_)
                     ? Status(fail(Errc::face_reader_absent,
                                   fmt::format("face reader {} is not connected", serial_)))
                     : f(*link_, *info_);
      after_command();
      boost::asio::post(io_, [done = std::move(done), s = std::move(s)]() mutable { done(s); });
    });
  }

  void after_command() {
    if (link_ && link_->is_gone())
      disconnect(link_->unplugged() ? "unplugged" : "the link broke; opening it again");
  }

  void publish(ReaderNews news) { sink_(ReaderEvent{serial_, std::move(news)}); }

  // Worker thread.
  void connect(std::unique_ptr<VendorLink> link) {
    {
      const std::lock_guard held(mutex_);
      if (stopping_) return;  // the link closes as it goes
    }
    if (link_) disconnect("replaced by the same serial at another address");
    auto info = link->handshake();
    if (!info) {
      log::warning(kLog, "{}: handshake failed: {}", serial_, info.error().to_string());
      publish(LinkTrouble{"handshake failed: " + info.error().message});
      const UsbPlace at = link->place();
      link->close();
      // A device that has just appeared may not answer yet: the next scan opens it again.
      retry_later_({at.bus, at.address});
      return;
    }
    std::weak_ptr<FaceReaderImpl> weak = weak_from_this();
    const Status events = link->start_events([this, weak](EventInput in) {
      // libusb's event thread: hand everything on, never block here.
      if (auto self = weak.lock()) on_event_input(std::move(in));
    });
    if (!events) {
      publish(LinkTrouble{"events: " + events.error().message});
      const UsbPlace at = link->place();
      link->close();
      retry_later_({at.bus, at.address});
      return;
    }
    const UsbPlace at = link->place();
    {
      const std::lock_guard lock(mutex_);
      link_ = std::move(link);
      info_ = *info;
      place_ = at;
    }
    stats_->update([](LinkStats& s) { ++s.connects; });
    log::info(kLog, "face reader {} ({} {}, firmware {}) at USB {:03}/{:03} port {}", serial_,
              info->vendor, info->model, info->firmware, at.bus, at.address, at.port_path);
    publish(Connected{*info, at});
  }

  void disconnect(const std::string& reason) {
    if (!link_) return;
    const UsbPlace at = link_->place();
    link_->close();
    {
      const std::lock_guard lock(mutex_);
      link_.reset();
      info_.reset();
      place_.reset();
    }
    stats_->update([](LinkStats& s) { ++s.disconnects; });
    log::info(kLog, "face reader {} disconnected: {}", serial_, reason);
    publish(Disconnected{reason});
    // Still plugged in (a broken link, not an unplug): discovery opens it again at its next scan.
    retry_later_({at.bus, at.address});
    rescan_();
  }

  void on_event_input(EventInput in) {
    if (in.trouble) publish(LinkTrouble{*in.trouble});
    if (in.event) publish(std::move(*in.event));
    if (in.gone) enqueue([this] { after_command(); });
    if (in.stalled) {
      enqueue([this] {
        if (!link_) return;
        if (const Status s = link_->clear_event_halt(); !s) {
          publish(LinkTrouble{s.error().message});
          link_->mark_broken();  // no events without it: reopen rather than go on deaf
          after_command();
        }
      });
    }
    if (in.gap) {
      // §6.1: after lost events, ask where the session is and tell the agent.
      enqueue([this] {
        if (!link_ || !info_) return;
        auto reply = link_->transact(MessageType::get_status, {});
        auto status = reply ? decode_status(*reply) : Result<DeviceStatus>(reply.error());
        if (status) {
          publish(LinkTrouble{fmt::format(
              "after lost events the reader is {}{}{}", device_state_name(status->state),
              status->session ? fmt::format(" (session {})", *status->session) : "",
              status->card ? ", a card in the slot" : "")});
        } else {
          publish(LinkTrouble{"after lost events, GET_STATUS failed: " + status.error().message});
        }
        after_command();
      });
    }
  }

  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (stopping_) break;
      auto job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
      lock.lock();
    }
    // The link goes before libusb does (its device reference belongs to the context); then the
    // commands still queued are answered face_reader_absent (no link any more).
    auto left = std::move(jobs_);
    lock.unlock();
    if (link_) link_->close();
    {
      const std::lock_guard held(mutex_);
      link_.reset();
      info_.reset();
      place_.reset();
    }
    {
      const std::lock_guard held(mutex_);
      stopped_ = true;
    }
    for (auto& job : left) job();
  }

  boost::asio::io_context& io_;
  const std::string serial_;
  const std::optional<std::string> institution_;
  EventSink sink_;
  std::function<void()> rescan_;
  std::function<void(std::pair<int, int>)> retry_later_;
  std::shared_ptr<SharedStats> stats_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  bool stopped_ = false;  // the worker has exited: jobs run on the caller (they find no link)
  std::thread worker_;
  // Worker thread only (read under mutex_ elsewhere: info_, place_).
  std::unique_ptr<VendorLink> link_;
  std::optional<DeviceInfo> info_;
  std::optional<UsbPlace> place_;
};

class DriverImpl final : public FaceReaderDriver {
 public:
  DriverImpl(boost::asio::io_context& io, DriverOptions options)
      : io_(io), options_(std::move(options)) {}

  Status begin() {
    ONSHI_TRY_ASSIGN(usb_, UsbContext::create(options_.use_hotplug, [this] { rescan(); }));
    log::info(kLog, "libusb started: {}",
              usb_->hotplug() ? "hot-plug notices, and a scan every few seconds"
                              : "no hot-plug on this platform: scanning");
    discovery_ = std::thread([this] { run_discovery(); });
    return {};
  }

  ~DriverImpl() override {
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (discovery_.joinable()) discovery_.join();
    std::map<std::string, std::shared_ptr<FaceReaderImpl>> readers;
    {
      const std::lock_guard lock(mutex_);
      readers = std::move(readers_);
    }
    for (auto& [serial, reader] : readers) reader->stop();
    readers.clear();
    usb_.reset();  // after every link is closed
  }

  void on_event(std::function<void(const ReaderEvent&)> handler) override {
    const std::lock_guard lock(mutex_);
    handler_ = std::make_shared<std::function<void(const ReaderEvent&)>>(std::move(handler));
  }

  std::vector<std::shared_ptr<FaceReader>> readers() const override {
    const std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<FaceReader>> out;
    for (const auto& [serial, r] : readers_) out.push_back(r);
    return out;
  }

  std::shared_ptr<FaceReader> reader(std::string_view serial) const override {
    const std::lock_guard lock(mutex_);
    const auto it = readers_.find(std::string(serial));
    return it == readers_.end() ? nullptr : it->second;
  }

  bool hotplug() const override { return usb_ && usb_->hotplug(); }

  void rescan() override {
    {
      const std::lock_guard lock(mutex_);
      scan_requested_ = true;
    }
    cv_.notify_all();
  }

 private:
  void post_event(ReaderEvent e) {
    std::shared_ptr<std::function<void(const ReaderEvent&)>> handler;
    {
      const std::lock_guard lock(mutex_);
      handler = handler_;
    }
    if (!handler) return;
    boost::asio::post(io_, [handler, e = std::move(e)] { (*handler)(e); });
  }

  std::optional<std::string> institution_of(const std::string& serial) const {
    for (const auto& r : options_.readers)
      if (r.serial == serial) return r.institution;
    return std::nullopt;
  }

  std::shared_ptr<FaceReaderImpl> reader_for(const std::string& serial) {
    const std::lock_guard lock(mutex_);
    auto& r = readers_[serial];
    if (!r) {
      r = std::make_shared<FaceReaderImpl>(
          io_, serial, institution_of(serial), [this](ReaderEvent e) { post_event(std::move(e)); },
          [this] { rescan(); },
          [this](std::pair<int, int> at) {
            const std::lock_guard held(mutex_);
            retry_.insert(at);  // at the next periodic scan, not at once: no busy loop
          });
    }
    return r;
  }

  void run_discovery() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      scan();
      lock.lock();
      cv_.wait_for(lock, options_.scan_interval, [&] { return stopping_ || scan_requested_; });
      scan_requested_ = false;
    }
  }

  // Discovery thread.
  void scan() {
    auto devices = usb_->devices();
    if (!devices) {
      log::warning(kLog, "{}", devices.error().to_string());
      return;
    }
    struct Found {
      DeviceRef device;
      const DeviceEntry* entry;
    };
    std::map<std::pair<int, int>, Found> present;
    for (const DeviceRef& d : *devices) {
      libusb_device_descriptor dd{};
      if (libusb_get_device_descriptor(d.get(), &dd) != 0) continue;
      const DeviceEntry* entry = find_device(dd.idVendor, dd.idProduct);
      if (entry == nullptr || (entry->test_only && !options_.test_mode)) continue;
      present[{libusb_get_bus_number(d.get()), libusb_get_device_address(d.get())}] = {d, entry};
    }
    {
      const std::lock_guard lock(mutex_);
      for (const auto& at : retry_) known_.erase(at);
      retry_.clear();
    }
    // Gone first: a replugged reader's old link goes before its new one comes.
    for (auto it = known_.begin(); it != known_.end();) {
      if (present.count(it->first)) {
        ++it;
        continue;
      }
      if (auto r = reader(it->second))
        std::static_pointer_cast<FaceReaderImpl>(r)->detach("unplugged", it->first);
      it = known_.erase(it);
    }
    for (auto it = refused_.begin(); it != refused_.end();)
      it = present.count(*it) ? std::next(it) : refused_.erase(it);
    for (const auto& [key, found] : present) {
      if (known_.count(key)) continue;
      auto link = VendorLink::open(found.device, *found.entry, options_.reply_timeout,
                                   std::make_shared<SharedStats>());
      if (!link) {
        // Reported once per plug-in, not once per scan.
        if (refused_.insert(key).second)
          log::warning(kLog, "{:04x}:{:04x} at USB {:03}/{:03}: {}", found.entry->vendor_id,
                       found.entry->product_id, key.first, key.second, link.error().to_string());
        continue;
      }
      const std::string serial = (*link)->serial();
      auto reader = reader_for(serial);
      (*link)->adopt_stats(reader->shared_stats());
      known_[key] = serial;
      reader->attach(std::move(*link));
    }
  }

  boost::asio::io_context& io_;
  DriverOptions options_;
  std::unique_ptr<UsbContext> usb_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool scan_requested_ = false;
  std::shared_ptr<std::function<void(const ReaderEvent&)>> handler_;
  std::map<std::string, std::shared_ptr<FaceReaderImpl>> readers_;
  std::thread discovery_;
  // Discovery thread only.
  std::map<std::pair<int, int>, std::string> known_;
  std::set<std::pair<int, int>> refused_;
  // Devices whose link failed after it was opened (under mutex_): opened again at the next scan.
  std::set<std::pair<int, int>> retry_;
};

}  // namespace

std::optional<FaceReaderLocation> FaceReader::location() const {
  const auto at = place();
  if (!at) return std::nullopt;
  return FaceReaderLocation{serial(), at->vendor_id, at->product_id, at->bus, at->address};
}

Result<std::unique_ptr<FaceReaderDriver>> FaceReaderDriver::start(boost::asio::io_context& io,
                                                                  DriverOptions options) {
  auto d = std::make_unique<DriverImpl>(io, std::move(options));
  ONSHI_TRY(d->begin());
  return std::unique_ptr<FaceReaderDriver>(std::move(d));
}

}  // namespace onshi::driver
