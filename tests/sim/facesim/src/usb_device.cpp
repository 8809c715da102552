#include "onshi/facesim/usb_device.hpp"

#include <algorithm>
#include <cerrno>

namespace onshi::facesim {
namespace {

constexpr std::size_t kSetupSize = 8;
// Standard requests (USB 2.0 §9.4) and the CCID class request ABORT (CCID §5.3.1).
constexpr std::uint8_t kGetStatus = 0x00;
constexpr std::uint8_t kClearFeature = 0x01;
constexpr std::uint8_t kGetDescriptor = 0x06;
constexpr std::uint8_t kGetConfiguration = 0x08;
constexpr std::uint8_t kSetConfiguration = 0x09;
constexpr std::uint8_t kSetInterface = 0x0B;
constexpr std::uint8_t kCcidAbort = 0x01;
constexpr std::uint16_t kEndpointHalt = 0x00;  // CLEAR_FEATURE's feature selector (§9.4.1)

bool is_in(std::uint8_t endpoint) { return (endpoint & 0x80) != 0; }

VendorConfig with_serial(VendorConfig vendor, const std::string& serial) {
  vendor.serial = serial;
  return vendor;
}

}  // namespace

UsbDevice::UsbDevice(ReaderIdentity identity, SlotConfig slot, VendorConfig vendor)
    : identity_(std::move(identity)),
      slot_(slot),
      vendor_(with_serial(std::move(vendor), identity_.serial)) {}

void UsbDevice::insert_card(sim::Card card, Clock::time_point now) {
  slot_.insert(std::move(card));
  vendor_.card_placed(now);
}

void UsbDevice::remove_card(Clock::time_point now) {
  slot_.remove();
  vendor_.card_removed(now);
}

// The vendor side queues card events only while a host holds its interface.
void UsbDevice::note_claims() { vendor_.set_host_listening(claims_.contains(kVendorInterface)); }

std::optional<unsigned> UsbDevice::interface_of(std::uint8_t endpoint) const {
  switch (endpoint) {
    case kCcidBulkOut:
    case kCcidBulkIn:
    case kCcidInterruptIn:
      return kCcidInterface;
    case kVendorBulkOut:
    case kVendorBulkIn:
    case kVendorInterruptIn:
      return kVendorInterface;
    default:
      return std::nullopt;
  }
}

int UsbDevice::claim(ClientId client, unsigned interface) {
  if (!plugged_) return -ENODEV;
  if (interface != kCcidInterface && interface != kVendorInterface) return -ENOENT;
  const auto it = claims_.find(interface);
  if (it != claims_.end()) return it->second == client ? 0 : -EBUSY;  // as the kernel: one owner
  claims_[interface] = client;
  note_claims();
  return 0;
}

int UsbDevice::release(ClientId client, unsigned interface) {
  if (!plugged_) return -ENODEV;
  const auto it = claims_.find(interface);
  if (it == claims_.end() || it->second != client) return -EINVAL;
  claims_.erase(it);
  note_claims();
  return 0;
}

int UsbDevice::ensure_claimed(ClientId client, unsigned interface) {
  // usbfs claims an unclaimed interface on the first transfer (checkintf).
  return claim(client, interface);
}

UrbCompletion UsbDevice::control(const UrbSubmission& urb) {
  UrbCompletion c{urb.address, 0, 0, {}, true, urb.opaque};
  if (urb.buffer.size() < kSetupSize) {
    c.status = -EINVAL;
    return c;
  }
  const std::uint8_t request_type = urb.buffer[0];
  const std::uint8_t request = urb.buffer[1];
  const std::uint16_t value = static_cast<std::uint16_t>(urb.buffer[2] | (urb.buffer[3] << 8));
  const std::uint8_t index_low = urb.buffer[4];
  const std::uint16_t length = static_cast<std::uint16_t>(urb.buffer[6] | (urb.buffer[7] << 8));
  std::optional<Bytes> answer;
  if (request_type == 0x80 && request == kGetDescriptor) {
    const auto type = static_cast<std::uint8_t>(value >> 8);
    const auto index = static_cast<std::uint8_t>(value);
    if (type == 0x01) answer = device_descriptor(identity_);
    if (type == 0x02 && index == 0) answer = configuration_descriptor(identity_);
    if (type == 0x03) answer = string_descriptor(identity_, index);
  } else if (request_type == 0x80 && request == kGetStatus) {
    answer = Bytes{0x00, 0x00};
  } else if (request_type == 0x80 && request == kGetConfiguration) {
    answer = Bytes{0x01};
  } else if ((request_type == 0x00 && request == kSetConfiguration) ||
             (request_type == 0x01 && request == kSetInterface) ||
             (request_type == 0x21 && request == kCcidAbort)) {
    answer = Bytes{};
  } else if (request_type == 0x02 && request == kClearFeature) {
    if (value == kEndpointHalt) (void)clear_halt(index_low);
    answer = Bytes{};
  }
  if (!answer) {
    c.status = -EPIPE;  // a stall, as a device answers a request it does not know
    return c;
  }
  if (answer->size() > length) answer->resize(length);
  c.actual = answer->size();
  c.in = std::move(*answer);
  return c;
}

int UsbDevice::submit(UrbSubmission urb, Clock::time_point now) {
  if (!plugged_) return -ENODEV;
  ++stats_.submitted;
  if (urb.in_capacity == 0) urb.in_capacity = urb.buffer.size();
  if (urb.type == UrbType::control) {
    if (urb.endpoint != 0) return -EINVAL;
    done_[urb.client].push_back(control(urb));
    return 0;
  }
  const auto interface = interface_of(urb.endpoint);
  if (!interface) return -ENOENT;
  const UrbType expected = (urb.endpoint == kCcidInterruptIn || urb.endpoint == kVendorInterruptIn)
                               ? UrbType::interrupt
                               : UrbType::bulk;
  if (urb.type != expected) return -EINVAL;
  if (const int rc = ensure_claimed(urb.client, *interface); rc != 0) return rc;
  if (is_in(urb.endpoint)) {
    waiting_.push_back(std::move(urb));
    return 0;
  }
  if (halted(urb.endpoint)) {
    ++stats_.stalls;  // the data never reaches the device
    done_[urb.client].push_back({urb.address, -EPIPE, 0, {}, false, urb.opaque});
    return 0;
  }
  if (urb.endpoint == kCcidBulkOut) {
    slot_.handle(urb.buffer, now);
  } else {
    ++stats_.vendor_out;
    vendor_.handle(urb.buffer, now);
  }
  done_[urb.client].push_back({urb.address, 0, urb.buffer.size(), {}, false, urb.opaque});
  return 0;
}

// `take` false: whether there is data (an empty Bytes), without taking it.
std::optional<Bytes> UsbDevice::data_for(std::uint8_t endpoint, Clock::time_point now, bool take) {
  switch (endpoint) {
    case kCcidBulkIn:
      if (!take) {
        const auto due = slot_.next_reply_due();
        return due && *due <= now ? std::optional<Bytes>(Bytes{}) : std::nullopt;
      }
      return slot_.take_reply(now);
    case kCcidInterruptIn:
      if (!take) return slot_.notification_pending() ? std::optional<Bytes>(Bytes{}) : std::nullopt;
      return slot_.take_notification();
    case kVendorBulkIn:
      if (!take) return vendor_.reply_pending() ? std::optional<Bytes>(Bytes{}) : std::nullopt;
      return vendor_.take_reply();
    case kVendorInterruptIn:
      if (!take) {
        const auto due = vendor_.next_event_due();
        return due && *due <= now ? std::optional<Bytes>(Bytes{}) : std::nullopt;
      }
      return vendor_.take_event(now);
    default:
      return std::nullopt;
  }
}

std::optional<UrbCompletion> UsbDevice::reap(ClientId client, Clock::time_point now) {
  auto& done = done_[client];
  if (done.empty() && plugged_) {
    // The first waiting IN URB of each endpoint gets that endpoint's next data.
    std::set<std::uint8_t> seen;
    for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
      if (!seen.insert(it->endpoint).second || it->client != client) continue;
      if (halted(it->endpoint)) {
        ++stats_.stalls;  // a halted endpoint answers STALL at once; its data stays queued
        done.push_back({it->address, -EPIPE, 0, {}, false, it->opaque});
        waiting_.erase(it);
        break;
      }
      auto data = data_for(it->endpoint, now, true);
      if (!data) continue;
      UrbCompletion c{it->address, 0, data->size(), std::move(*data), false, it->opaque};
      if (c.in.size() > it->in_capacity) {
        c.status = -EOVERFLOW;  // babble: more than the buffer the host gave
        c.in.resize(it->in_capacity);
        c.actual = c.in.size();
      }
      waiting_.erase(it);
      done.push_back(std::move(c));
      break;
    }
  }
  if (done.empty()) {
    ++stats_.empty_reaps;
    return std::nullopt;
  }
  UrbCompletion c = std::move(done.front());
  done.pop_front();
  ++stats_.reaped;
  return c;
}

bool UsbDevice::has_completion(ClientId client, Clock::time_point now) const {
  if (const auto it = done_.find(client); it != done_.end() && !it->second.empty()) return true;
  if (!plugged_) return false;
  std::set<std::uint8_t> seen;
  for (const auto& urb : waiting_) {
    if (!seen.insert(urb.endpoint).second || urb.client != client) continue;
    if (halted(urb.endpoint)) return true;
    if (const_cast<UsbDevice*>(this)->data_for(urb.endpoint, now, false)) return true;
  }
  return false;
}

std::optional<Clock::time_point> UsbDevice::next_due() const {
  const auto reply = slot_.next_reply_due();
  const auto event = vendor_.next_event_due();
  if (reply && event) return std::min(*reply, *event);
  return reply ? reply : event;
}

int UsbDevice::halt(std::uint8_t endpoint) {
  if (!plugged_) return -ENODEV;
  if (!interface_of(endpoint)) return -ENOENT;
  halted_.insert(endpoint);
  return 0;
}

int UsbDevice::clear_halt(std::uint8_t endpoint) {
  if (!plugged_) return -ENODEV;
  if (!interface_of(endpoint)) return -ENOENT;  // as usbfs's findintfep
  halted_.erase(endpoint);
  return 0;
}

void UsbDevice::bus_reset() { halted_.clear(); }

int UsbDevice::discard(ClientId client, std::uint64_t address) {
  if (!plugged_) return -ENODEV;
  for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
    if (it->client == client && it->address == address) {
      done_[client].push_back({address, -ENOENT, 0, {}, false, it->opaque});
      waiting_.erase(it);
      ++stats_.discarded;
      return 0;
    }
  }
  return -EINVAL;  // already finished (or never submitted): nothing to cancel
}

std::vector<void*> UsbDevice::drop_client(ClientId client) {
  std::vector<void*> freed;
  for (auto it = claims_.begin(); it != claims_.end();) {
    it = it->second == client ? claims_.erase(it) : std::next(it);
  }
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (it->client == client) {
      freed.push_back(it->opaque);
      it = waiting_.erase(it);
    } else {
      ++it;
    }
  }
  note_claims();
  if (const auto it = done_.find(client); it != done_.end()) {
    for (const auto& c : it->second) freed.push_back(c.opaque);
    done_.erase(it);
  }
  return freed;
}

void UsbDevice::unplug() {
  for (auto& urb : waiting_) {
    done_[urb.client].push_back({urb.address, -ENODEV, 0, {}, false, urb.opaque});
  }
  waiting_.clear();
  claims_.clear();
  halted_.clear();
  vendor_.unplugged();  // silently: the host learns of the unplug from USB
  plugged_ = false;
}

std::vector<void*> UsbDevice::plug() {
  std::vector<void*> freed;
  for (const auto& [client, list] : done_) {
    for (const auto& c : list) freed.push_back(c.opaque);
  }
  done_.clear();
  plugged_ = true;
  slot_.plugged();
  vendor_.plugged(slot_.present());
  return freed;
}

void UsbDevice::push_vendor_event(Bytes event, Clock::time_point now) {
  vendor_.inject_event_bytes(std::move(event), now);
}

}  // namespace onshi::facesim
