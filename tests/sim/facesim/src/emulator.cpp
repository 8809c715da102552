#include "onshi/facesim/emulator.hpp"

#include <linux/usbdevice_fs.h>
#include <sys/ioctl.h>
#include <umockdev.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

namespace onshi::facesim {
namespace {

// What usbfs tells libusb it can do: one URB per transfer of any size.
constexpr std::uint32_t kCapabilities =
    USBDEVFS_CAP_BULK_CONTINUATION | USBDEVFS_CAP_NO_PACKET_SIZE_LIM;

// The umockdev objects one submitted URB holds until it is reaped or dropped.
struct UrbHold {
  UMockdevIoctlData* urb = nullptr;     // struct usbdevfs_urb, resolved in our memory
  UMockdevIoctlData* buffer = nullptr;  // its buffer
};

void free_hold(void* opaque) {
  auto* hold = static_cast<UrbHold*>(opaque);
  if (hold == nullptr) return;
  if (hold->buffer) g_object_unref(hold->buffer);
  if (hold->urb) g_object_unref(hold->urb);
  delete hold;
}

struct Client {
  UMockdevIoctlClient* object = nullptr;  // referenced while known
  ClientId id = 0;
  std::size_t reader = 0;
  int generation = 0;  // the reader's plug generation the client opened
  Clock::time_point last_activity;
};

// An empty reap answered later (the throttle), or earlier if a URB finishes meanwhile.
struct ParkedReap {
  UMockdevIoctlClient* client = nullptr;  // referenced
  UMockdevIoctlData* pointer = nullptr;   // the reap's void** argument, referenced
  ClientId id = 0;
  std::size_t reader = 0;
  Clock::time_point due;
};

}  // namespace

struct Emulator::Impl {
  struct Reader {
    std::unique_ptr<UsbDevice> device;
    UsbLocation at;
    int generation = 0;
  };

  EmulatorOptions options;
  UMockdevTestbed* testbed = nullptr;
  UMockdevIoctlBase* handler = nullptr;
  std::vector<Reader> readers;
  std::map<std::string, std::pair<std::size_t, int>> devnodes;  // node → reader, generation
  int next_address = 2;

  std::mutex mutex;
  std::map<UMockdevIoctlClient*, Client> clients;
  ClientId next_client = 1;
  std::vector<ParkedReap> parked;
  std::condition_variable timer_cv;
  bool stopping = false;
  std::atomic<int> in_flight{0};
  gulong signal_id = 0;
  std::thread timer;

  void log(const std::string& line) {
    if (options.log) options.log(line);
  }

  // --- under `mutex` ---
  Client& client_for(UMockdevIoctlClient* object);
  void forget_closed_clients();
  void drop(Client& client);
  bool complete_reap(UMockdevIoctlClient* object, UMockdevIoctlData* pointer, UsbDevice& device,
                     ClientId id);
  void handle(UMockdevIoctlClient* object);
  void run_timer();
  Status plug(std::size_t index);
};

namespace {

gboolean on_ioctl(UMockdevIoctlBase*, UMockdevIoctlClient* client, gpointer user) {
  auto* impl = static_cast<Emulator::Impl*>(user);
  // ~Emulator waits for this to reach 0 after disconnecting the handler.
  struct InFlight {
    std::atomic<int>& n;
    explicit InFlight(std::atomic<int>& c) : n(c) { ++n; }
    ~InFlight() { --n; }
  } in_flight{impl->in_flight};
  try {
    impl->handle(client);
  } catch (const std::exception& e) {
    // Never let an exception cross into GLib: the client sees EIO.
    impl->log(fmt::format("ioctl handler failed: {}", e.what()));
    umockdev_ioctl_client_complete(client, -1, EIO);
  }
  return TRUE;
}

struct Unref {
  void operator()(gpointer object) const {
    if (object != nullptr) g_object_unref(object);
  }
};
// umockdev_ioctl_data_resolve hands over a reference (GIR: transfer full); the parent keeps its
// own for the flush back to the client.
using DataRef = std::unique_ptr<UMockdevIoctlData, Unref>;

DataRef resolve(UMockdevIoctlData* data, std::size_t offset, std::size_t size) {
  GError* error = nullptr;
  DataRef out(umockdev_ioctl_data_resolve(data, offset, size, &error));
  if (error != nullptr) {
    g_error_free(error);
    return nullptr;
  }
  return out;
}

}  // namespace

Client& Emulator::Impl::client_for(UMockdevIoctlClient* object) {
  auto it = clients.find(object);
  if (it != clients.end()) return it->second;
  Client c;
  c.object = static_cast<UMockdevIoctlClient*>(g_object_ref(object));
  c.id = next_client++;
  const std::string node = umockdev_ioctl_client_get_devnode(object);
  const auto found = devnodes.find(node);
  if (found != devnodes.end()) {
    c.reader = found->second.first;
    c.generation = found->second.second;
  } else {
    c.generation = -1;
  }
  c.last_activity = Clock::now();
  log(fmt::format("client {} opened {}", c.id, node));
  return clients.emplace(object, c).first->second;
}

void Emulator::Impl::drop(Client& client) {
  if (client.generation >= 0 && client.reader < readers.size()) {
    for (void* opaque : readers[client.reader].device->drop_client(client.id)) free_hold(opaque);
  }
  log(fmt::format("client {} closed", client.id));
  g_object_unref(client.object);
}

// umockdev 0.17.16 does not report a closed client (test-rigs.md §5): look on every request.
void Emulator::Impl::forget_closed_clients() {
  for (auto it = clients.begin(); it != clients.end();) {
    if (!umockdev_ioctl_client_get_connected(it->first)) {
      drop(it->second);
      it = clients.erase(it);
    } else {
      ++it;
    }
  }
}

bool Emulator::Impl::complete_reap(UMockdevIoctlClient* object, UMockdevIoctlData* pointer,
                                   UsbDevice& device, ClientId id) {
  auto done = device.reap(id, Clock::now());
  if (!done) return false;
  auto* hold = static_cast<UrbHold*>(done->opaque);
  auto* urb = reinterpret_cast<usbdevfs_urb*>(hold->urb->data);
  urb->status = done->status;
  urb->actual_length = static_cast<int>(done->actual);
  if (!done->in.empty() && hold->buffer != nullptr) {
    const std::size_t offset = done->in_after_setup ? 8 : 0;
    const std::size_t room = static_cast<std::size_t>(hold->buffer->data_len);
    const std::size_t n = room > offset ? std::min(done->in.size(), room - offset) : 0;
    std::memcpy(hold->buffer->data + offset, done->in.data(), n);
  }
  umockdev_ioctl_data_set_ptr(pointer, 0, hold->urb);
  umockdev_ioctl_client_complete(object, 0, 0);
  free_hold(hold);  // the reap's argument holds its own reference now
  return true;
}

void Emulator::Impl::handle(UMockdevIoctlClient* object) {
  std::unique_lock lock(mutex);
  if (stopping) return umockdev_ioctl_client_complete(object, -1, ENODEV);
  forget_closed_clients();
  Client& client = client_for(object);
  const unsigned long request = umockdev_ioctl_client_get_request(object);
  UMockdevIoctlData* arg = umockdev_ioctl_client_get_arg(object);
  const auto complete = [&](int rc) {
    if (rc < 0) {
      umockdev_ioctl_client_complete(object, -1, -rc);
    } else {
      umockdev_ioctl_client_complete(object, rc, 0);
    }
  };
  const auto now = Clock::now();
  if (client.generation < 0 || client.generation != readers[client.reader].generation ||
      !readers[client.reader].device->plugged()) {
    // A node of an unplugged device, as the kernel answers: ENODEV, except that the URBs that
    // were in flight are still reaped (with -ENODEV).
    if (client.generation == readers[client.reader].generation &&
        (request == USBDEVFS_REAPURB || request == USBDEVFS_REAPURBNDELAY)) {
      if (const DataRef pointer = resolve(arg, 0, sizeof(void*));
          pointer != nullptr &&
          complete_reap(object, pointer.get(), *readers[client.reader].device, client.id)) {
        return;
      }
    }
    return complete(-ENODEV);
  }
  UsbDevice& device = *readers[client.reader].device;
  switch (request) {
    case USBDEVFS_GET_CAPABILITIES: {
      const DataRef data = resolve(arg, 0, sizeof(std::uint32_t));
      if (data == nullptr) return complete(-EFAULT);
      std::memcpy(data->data, &kCapabilities, sizeof kCapabilities);
      return complete(0);
    }
    case USBDEVFS_CLAIMINTERFACE:
    case USBDEVFS_RELEASEINTERFACE: {
      const DataRef data = resolve(arg, 0, sizeof(unsigned int));
      if (data == nullptr) return complete(-EFAULT);
      unsigned int interface = 0;
      std::memcpy(&interface, data->data, sizeof interface);
      client.last_activity = now;
      return complete(request == USBDEVFS_CLAIMINTERFACE ? device.claim(client.id, interface)
                                                         : device.release(client.id, interface));
    }
    case USBDEVFS_GETDRIVER:
      return complete(-ENODATA);  // no kernel driver is bound to either interface
    case USBDEVFS_SETINTERFACE:
    case USBDEVFS_SETCONFIGURATION:
    case USBDEVFS_RESETEP:
      return complete(0);
    case USBDEVFS_RESET:
      device.bus_reset();
      return complete(0);
    case USBDEVFS_CLEAR_HALT: {
      const DataRef data = resolve(arg, 0, sizeof(unsigned int));
      if (data == nullptr) return complete(-EFAULT);
      unsigned int endpoint = 0;
      std::memcpy(&endpoint, data->data, sizeof endpoint);
      client.last_activity = now;
      return complete(device.clear_halt(static_cast<std::uint8_t>(endpoint)));
    }
    case USBDEVFS_SUBMITURB: {
      DataRef data = resolve(arg, 0, sizeof(usbdevfs_urb));
      if (data == nullptr) return complete(-EFAULT);
      auto* urb = reinterpret_cast<usbdevfs_urb*>(data->data);
      if (urb->buffer_length < 0 || urb->buffer_length > 16 * 1024 * 1024) return complete(-EINVAL);
      auto* hold = new UrbHold;
      UMockdevIoctlData* urb_data = data.get();
      const std::size_t length = static_cast<std::size_t>(urb->buffer_length);
      DataRef buffer =
          length == 0 ? nullptr : resolve(urb_data, offsetof(usbdevfs_urb, buffer), length);
      UrbSubmission s;
      s.client = client.id;
      s.address = urb_data->client_addr;
      s.type = static_cast<UrbType>(urb->type);
      s.endpoint = urb->endpoint;
      s.in_capacity = length;
      // IN data is written back at the reap; only OUT and control bytes are read now.
      const bool in = (urb->endpoint & 0x80) != 0 && s.type != UrbType::control;
      if (buffer != nullptr && !in) s.buffer.assign(buffer->data, buffer->data + buffer->data_len);
      hold->urb = data.release();  // kept until the URB is reaped or dropped
      hold->buffer = buffer.release();
      s.opaque = hold;
      client.last_activity = now;
      const int rc = device.submit(std::move(s), now);
      if (rc != 0) free_hold(hold);
      timer_cv.notify_one();
      return complete(rc);
    }
    case USBDEVFS_DISCARDURB: {
      std::uint64_t address = 0;
      std::memcpy(&address, arg->data, std::min<std::size_t>(sizeof address, arg->data_len));
      return complete(device.discard(client.id, address));
    }
    case USBDEVFS_REAPURB:
    case USBDEVFS_REAPURBNDELAY: {
      const DataRef pointer = resolve(arg, 0, sizeof(void*));
      if (pointer == nullptr) return complete(-EFAULT);
      if (complete_reap(object, pointer.get(), device, client.id)) {
        client.last_activity = now;
        return;
      }
      if (now - client.last_activity < options.idle_after) return complete(-EAGAIN);
      // Idle: libusb would spin on EAGAIN; answer in a moment instead (never sleep here).
      parked.push_back({static_cast<UMockdevIoctlClient*>(g_object_ref(object)),
                        static_cast<UMockdevIoctlData*>(g_object_ref(pointer.get())), client.id,
                        client.reader, now + options.idle_reap_delay});
      timer_cv.notify_one();
      return;
    }
    default:
      return complete(-ENOTTY);
  }
}

void Emulator::Impl::run_timer() {
  std::unique_lock lock(mutex);
  while (!stopping) {
    if (parked.empty()) {
      timer_cv.wait(lock);
      continue;
    }
    auto next = parked.front().due;
    for (const auto& p : parked) next = std::min(next, p.due);
    // A vendor event or CCID reply falling due sooner finishes a parked reap on time (a due
    // time in the past was there at the last look already: it would only make this spin).
    const auto before = Clock::now();
    for (const auto& r : readers) {
      if (const auto due = r.device->next_due(); due && *due > before) next = std::min(next, *due);
    }
    timer_cv.wait_until(lock, next);
    const auto now = Clock::now();
    for (auto it = parked.begin(); it != parked.end();) {
      Reader& reader = readers[it->reader];
      const bool alive = reader.device->plugged();
      bool finished = false;
      if (reader.device->has_completion(it->id, now)) {
        finished = complete_reap(it->client, it->pointer, *reader.device, it->id);
        if (finished) {
          if (const auto c = clients.find(it->client); c != clients.end())
            c->second.last_activity = now;
        }
      }
      if (!finished && (it->due <= now || !alive)) {
        umockdev_ioctl_client_complete(it->client, -1, alive ? EAGAIN : ENODEV);
        finished = true;
      }
      if (finished) {
        g_object_unref(it->pointer);
        g_object_unref(it->client);
        it = parked.erase(it);
      } else {
        ++it;
      }
    }
  }
}

Status Emulator::Impl::plug(std::size_t index) {
  Reader& reader = readers[index];
  {
    // The ioctl thread reads the generation (and the address, through with_reader) under it.
    const std::lock_guard lock(mutex);
    reader.at.address = next_address++;
    ++reader.generation;
  }
  const std::string description = umockdev_description(reader.device->identity(), reader.at);
  // umockdev_testbed_remove_device leaves the /sys/bus/usb/devices links of a removed device
  // behind, and adding it again then trips an assertion: remove them first.
  if (gchar* sys = umockdev_testbed_get_sys_dir(testbed)) {
    const std::string links = std::string(sys) + "/bus/usb/devices/";
    g_free(sys);
    const std::string base = fmt::format("1-{}", reader.at.port);
    for (const std::string& name : {base, base + ":1.0", base + ":1.1"}) {
      ::unlink((links + name).c_str());
    }
  }
  GError* error = nullptr;
  if (!umockdev_testbed_add_from_string(testbed, description.c_str(), &error)) {
    std::string why = error ? error->message : "unknown error";
    if (error) g_error_free(error);
    return fail(Errc::io, fmt::format("umockdev refused reader {}: {}", index, why));
  }
  const std::string node = device_node(reader.at);
  {
    const std::lock_guard lock(mutex);
    devnodes[node] = {index, reader.generation};
    for (void* opaque : reader.device->plug()) free_hold(opaque);
  }
  if (!umockdev_testbed_attach_ioctl(testbed, node.c_str(), handler, &error)) {
    std::string why = error ? error->message : "unknown error";
    if (error) g_error_free(error);
    return fail(Errc::io, fmt::format("cannot attach usbdevfs to {}: {}", node, why));
  }
  log(fmt::format("reader {} plugged in as {} (serial {})", index, node,
                  reader.device->identity().serial));
  return {};
}

Emulator::Emulator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<Emulator>> Emulator::create(std::vector<ReaderSetup> readers,
                                                   EmulatorOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->testbed = umockdev_testbed_new();
  if (impl->testbed == nullptr) return fail(Errc::io, "umockdev_testbed_new failed");
  impl->handler = umockdev_ioctl_base_new();
  impl->signal_id =
      g_signal_connect_data(impl->handler, "handle-ioctl", reinterpret_cast<GCallback>(&on_ioctl),
                            impl.get(), nullptr, static_cast<GConnectFlags>(0));
  for (std::size_t i = 0; i < readers.size(); ++i) {
    Impl::Reader r;
    r.device = std::make_unique<UsbDevice>(std::move(readers[i].identity), readers[i].slot);
    r.at.port = static_cast<int>(i) + 1;
    impl->readers.push_back(std::move(r));
  }
  for (std::size_t i = 0; i < impl->readers.size(); ++i) ONSHI_TRY(impl->plug(i));
  impl->timer = std::thread([p = impl.get()] { p->run_timer(); });
  return std::unique_ptr<Emulator>(new Emulator(std::move(impl)));
}

Emulator::~Emulator() {
  {
    const std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;  // from here every ioctl is answered ENODEV
  }
  impl_->timer_cv.notify_all();
  if (impl_->timer.joinable()) impl_->timer.join();
  // No new calls into this object, and none still running, before it goes.
  g_signal_handler_disconnect(impl_->handler, impl_->signal_id);
  while (impl_->in_flight.load() != 0) std::this_thread::yield();
  {
    const std::lock_guard lock(impl_->mutex);
    for (auto& p : impl_->parked) {
      umockdev_ioctl_client_complete(p.client, -1, ENODEV);
      g_object_unref(p.pointer);
      g_object_unref(p.client);
    }
    impl_->parked.clear();
    for (auto& [object, client] : impl_->clients) impl_->drop(client);
    impl_->clients.clear();
    for (auto& r : impl_->readers) {
      r.device->unplug();
      for (void* opaque : r.device->plug()) free_hold(opaque);
    }
  }
  // Without the lock: the testbed's destructor may wait for umockdev's thread. It removes its
  // temporary directory.
  g_object_unref(impl_->handler);
  g_object_unref(impl_->testbed);
}

std::string Emulator::umockdev_dir() const {
  gchar* dir = umockdev_testbed_get_root_dir(impl_->testbed);
  std::string out = dir ? dir : "";
  g_free(dir);
  return out;
}

std::size_t Emulator::size() const { return impl_->readers.size(); }
void Emulator::lock() { impl_->mutex.lock(); }
void Emulator::unlock() {
  impl_->mutex.unlock();
  impl_->timer_cv.notify_one();  // a change (a card, a pad entry) may finish a parked reap
}
UsbDevice& Emulator::device(std::size_t index) { return *impl_->readers.at(index).device; }
const UsbLocation& Emulator::location(std::size_t index) { return impl_->readers.at(index).at; }

Status Emulator::unplug(std::size_t index) {
  if (index >= impl_->readers.size()) return fail(Errc::invalid_argument, "no such reader");
  auto& reader = impl_->readers[index];
  {
    const std::lock_guard lock(impl_->mutex);
    if (!reader.device->plugged())
      return fail(Errc::busy, fmt::format("reader {} is unplugged already", index));
    reader.device->unplug();
  }
  impl_->timer_cv.notify_one();
  // Interfaces first, then the device, as the kernel reports a removal.
  for (int i : {1, 0}) {
    umockdev_testbed_uevent(impl_->testbed, interface_sysfs_path(reader.at, i).c_str(), "remove");
  }
  umockdev_testbed_uevent(impl_->testbed, sysfs_path(reader.at).c_str(), "remove");
  umockdev_testbed_remove_device(impl_->testbed, sysfs_path(reader.at).c_str());
  impl_->log(fmt::format("reader {} unplugged", index));
  return {};
}

Status Emulator::replug(std::size_t index) {
  if (index >= impl_->readers.size()) return fail(Errc::invalid_argument, "no such reader");
  auto& reader = impl_->readers[index];
  if (reader.device->plugged())
    return fail(Errc::busy, fmt::format("reader {} is plugged in", index));
  ONSHI_TRY(impl_->plug(index));
  umockdev_testbed_uevent(impl_->testbed, sysfs_path(reader.at).c_str(), "add");
  for (int i : {0, 1}) {
    umockdev_testbed_uevent(impl_->testbed, interface_sysfs_path(reader.at, i).c_str(), "add");
  }
  return {};
}

}  // namespace onshi::facesim
