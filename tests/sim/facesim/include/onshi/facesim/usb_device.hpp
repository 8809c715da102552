// One emulated face reader as usbdevfs sees it (test-rigs.md §5, "usbdevfs emulation"): URBs
// submitted, completed and reaped per client (one client per open() of the device node), claims
// tracked per client, DISCARDURB, closed clients, unplug. Endpoint 0 answers the standard
// requests; interface 0 is the CCID slot; interface 1 the vendor interface of the face-session
// protocol (driver/PROTOCOL.md): bulk OUT goes to the VendorDevice, bulk IN carries its replies
// (one frame per transfer), interrupt IN its events once due. Endpoint halts live here: a halted
// endpoint completes every URB with -EPIPE until CLEAR_HALT (the control channel's `stall`).
// No umockdev types: the glue (emulator.cpp) translates ioctls into these calls.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "onshi/bytes.hpp"
#include "onshi/facesim/ccid_slot.hpp"
#include "onshi/facesim/descriptors.hpp"
#include "onshi/facesim/vendor_device.hpp"

namespace onshi::facesim {

using ClientId = std::uint64_t;

// usbdevfs URB types (linux/usbdevice_fs.h).
enum class UrbType : std::uint8_t { iso = 0, interrupt = 1, control = 2, bulk = 3 };

struct UrbSubmission {
  ClientId client = 0;
  std::uint64_t address = 0;  // the client's struct usbdevfs_urb pointer: its identity
  UrbType type = UrbType::bulk;
  std::uint8_t endpoint = 0;
  Bytes buffer;                 // OUT data; control: setup + data (IN: may stay empty)
  std::size_t in_capacity = 0;  // the buffer's size, for IN data (0: buffer.size())
  void* opaque = nullptr;       // the glue's handle, handed back on completion
};

struct UrbCompletion {
  std::uint64_t address = 0;
  int status = 0;          // 0 or -errno (-ENOENT discarded, -EPIPE stall, -EOVERFLOW babble)
  std::size_t actual = 0;  // bytes transferred
  Bytes in;                // IN data (control IN: placed after the 8 setup bytes)
  bool in_after_setup = false;
  void* opaque = nullptr;
};

struct DeviceStats {
  std::uint64_t submitted = 0;
  std::uint64_t reaped = 0;
  std::uint64_t empty_reaps = 0;
  std::uint64_t discarded = 0;
  std::uint64_t vendor_out = 0;  // bulk-OUT transfers on the vendor interface
  std::uint64_t stalls = 0;      // URBs completed with -EPIPE on a halted endpoint
};

class UsbDevice {
 public:
  // The vendor side's serial is always the identity's (PROTOCOL.md §1).
  UsbDevice(ReaderIdentity identity, SlotConfig slot, VendorConfig vendor = {});

  const ReaderIdentity& identity() const noexcept { return identity_; }
  CcidSlot& slot() noexcept { return slot_; }
  const CcidSlot& slot() const noexcept { return slot_; }
  VendorDevice& vendor() noexcept { return vendor_; }
  const VendorDevice& vendor() const noexcept { return vendor_; }

  // A card placed in or taken out of the slot: the CCID side and the vendor side both learn it.
  void insert_card(sim::Card card, Clock::time_point now);
  void remove_card(Clock::time_point now);

  // Each returns 0 or -errno, as the kernel's ioctl would (ENODEV once unplugged).
  int claim(ClientId client, unsigned interface);
  int release(ClientId client, unsigned interface);
  int submit(UrbSubmission urb, Clock::time_point now);
  int discard(ClientId client, std::uint64_t address);
  // The client's next finished URB (EAGAIN-like nullopt when none is finished yet).
  std::optional<UrbCompletion> reap(ClientId client, Clock::time_point now);
  // Whether reap() would return something now, and when the next timed reply or event falls
  // due (a CCID reply, a vendor event; possibly in the past while nobody reads).
  bool has_completion(ClientId client, Clock::time_point now) const;
  std::optional<Clock::time_point> next_due() const;

  // Endpoint halt (USB 2.0 §9.4.5): halt() is the fault a test injects; clear_halt() is
  // USBDEVFS_CLEAR_HALT or CLEAR_FEATURE(ENDPOINT_HALT); bus_reset() clears every halt.
  int halt(std::uint8_t endpoint);
  int clear_halt(std::uint8_t endpoint);
  void bus_reset();
  bool halted(std::uint8_t endpoint) const { return halted_.contains(endpoint); }

  // A closed client: its claims go, its URBs are returned for the glue to free.
  std::vector<void*> drop_client(ClientId client);

  // Unplug: as the kernel does on a disconnect, every URB in flight finishes with -ENODEV and can
  // still be reaped (libusb learns of the unplug from those completions: the node of an emulated
  // device never reports POLLERR); everything else fails with ENODEV. plug() brings the device
  // back, card still in the slot, and returns what was never reaped, for the glue to free.
  void unplug();
  std::vector<void*> plug();
  bool plugged() const noexcept { return plugged_; }

  // Raw bytes as one interrupt-IN transfer of the vendor interface (control channel).
  void push_vendor_event(Bytes event, Clock::time_point now);

  const DeviceStats& stats() const noexcept { return stats_; }
  // Clients holding a claim: interface → client.
  const std::map<unsigned, ClientId>& claims() const noexcept { return claims_; }

 private:
  std::optional<unsigned> interface_of(std::uint8_t endpoint) const;
  int ensure_claimed(ClientId client, unsigned interface);
  UrbCompletion control(const UrbSubmission& urb);
  std::optional<Bytes> data_for(std::uint8_t endpoint, Clock::time_point now, bool take);
  void note_claims();

  ReaderIdentity identity_;
  CcidSlot slot_;
  bool plugged_ = true;
  std::map<unsigned, ClientId> claims_;
  // Finished URBs per client, reaped in order; IN URBs waiting for data, in submission order.
  std::map<ClientId, std::deque<UrbCompletion>> done_;
  std::deque<UrbSubmission> waiting_;
  VendorDevice vendor_;
  std::set<std::uint8_t> halted_;
  DeviceStats stats_;
};

}  // namespace onshi::facesim
