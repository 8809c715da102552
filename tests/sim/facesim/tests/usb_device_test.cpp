#include "onshi/facesim/usb_device.hpp"

#include <gtest/gtest.h>

#include <cerrno>

#include "onshi/facesim/vendor_frame.hpp"
#include "onshi/facesim/vendor_tlv.hpp"
#include "slot_test_support.hpp"

namespace onshi::facesim {
namespace {

using testing::hex;
using testing::message;

class DeviceTest : public ::testing::Test {
 protected:
  // The client's next completion; a failure (and an empty one) when there is none.
  UrbCompletion reaped(ClientId client) {
    auto c = device.reap(client, now);
    EXPECT_TRUE(c) << "nothing to reap";
    return c.value_or(UrbCompletion{});
  }
  UsbDevice device{ReaderIdentity{}, SlotConfig{}};
  Clock::time_point now = Clock::now();
  std::uint64_t next_address = 0x1000;

  UrbSubmission urb(ClientId client, UrbType type, std::uint8_t endpoint, Bytes buffer) {
    UrbSubmission s;
    s.client = client;
    s.address = next_address++;
    s.type = type;
    s.endpoint = endpoint;
    s.buffer = std::move(buffer);
    return s;
  }
};

TEST_F(DeviceTest, GetDescriptorAnswersDeviceConfigurationAndSerial) {
  // GET_DESCRIPTOR string 3, English, 255 bytes.
  ASSERT_EQ(device.submit(urb(1, UrbType::control, 0, hex("80 06 03 03 09 04 FF 00")), now), 0);
  const auto c = device.reap(1, now);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->status, 0);
  EXPECT_TRUE(c->in_after_setup);
  EXPECT_EQ(c->in, string_descriptor(device.identity(), 3).value());
  // An unknown request stalls.
  ASSERT_EQ(device.submit(urb(1, UrbType::control, 0, hex("C0 55 00 00 00 00 04 00")), now), 0);
  EXPECT_EQ(reaped(1).status, -EPIPE);
}

TEST_F(DeviceTest, AnInterfaceHasOneOwnerAtATime) {
  EXPECT_EQ(device.claim(1, kCcidInterface), 0);
  EXPECT_EQ(device.claim(2, kCcidInterface), -EBUSY);
  EXPECT_EQ(device.claim(2, kVendorInterface), 0);
  // A transfer claims implicitly, as usbfs does, and so is refused on another's interface.
  EXPECT_EQ(device.submit(urb(2, UrbType::bulk, kCcidBulkOut, message(0x65, 1)), now), -EBUSY);
  EXPECT_EQ(device.release(2, kCcidInterface), -EINVAL);
  // A closed client loses its claims.
  (void)device.drop_client(1);
  EXPECT_EQ(device.claim(2, kCcidInterface), 0);
}

TEST_F(DeviceTest, CcidRepliesGoToTheOwnersBulkIn) {
  const auto in = urb(1, UrbType::bulk, kCcidBulkIn, Bytes(271));
  ASSERT_EQ(device.submit(in, now), 0);
  EXPECT_FALSE(device.reap(1, now));  // nothing to say yet
  ASSERT_EQ(device.submit(urb(1, UrbType::bulk, kCcidBulkOut, message(0x65, 7)), now), 0);
  auto out = device.reap(1, now);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->actual, 10U);
  auto reply = device.reap(1, now);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->address, in.address);
  EXPECT_EQ(reply->in[0], ccid::kSlotStatus);
  EXPECT_EQ(reply->in[6], 7);
}

TEST_F(DeviceTest, InterruptInCarriesNotifySlotChange) {
  ASSERT_EQ(device.submit(urb(1, UrbType::interrupt, kCcidInterruptIn, Bytes(8)), now), 0);
  EXPECT_TRUE(device.has_completion(1, now));
  auto n = device.reap(1, now);
  ASSERT_TRUE(n);
  EXPECT_EQ(to_hex(n->in), "5002");
  ASSERT_EQ(device.submit(urb(1, UrbType::interrupt, kCcidInterruptIn, Bytes(8)), now), 0);
  EXPECT_FALSE(device.reap(1, now));
  device.slot().insert(testing::jpki_card());
  EXPECT_EQ(to_hex(reaped(1).in), "5003");
}

TEST_F(DeviceTest, DiscardCompletesWithEnoentAndOnlyForItsOwner) {
  const auto pending = urb(1, UrbType::interrupt, kCcidInterruptIn, Bytes(8));
  (void)device.slot().take_notification();
  ASSERT_EQ(device.submit(pending, now), 0);
  EXPECT_EQ(device.discard(2, pending.address), -EINVAL);
  EXPECT_EQ(device.discard(1, pending.address), 0);
  const auto c = device.reap(1, now);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->status, -ENOENT);
  EXPECT_EQ(device.discard(1, pending.address), -EINVAL);  // already gone
}

TEST_F(DeviceTest, TheVendorInterfaceAnswersFramesOnBulkIn) {
  const Bytes get_info = vendor::encode_frame(vendor::Type::get_info, 0, hex("02 01 01 03 01 01"));
  ASSERT_EQ(device.submit(urb(2, UrbType::bulk, kVendorBulkIn, Bytes(1024)), now), 0);
  EXPECT_FALSE(device.has_completion(2, now));
  ASSERT_EQ(device.submit(urb(2, UrbType::bulk, kVendorBulkOut, get_info), now), 0);
  EXPECT_EQ(reaped(2).actual, get_info.size());  // the OUT
  const auto reply = reaped(2);
  vendor::DecodeStats stats;
  const auto frames = vendor::decode_transfer(reply.in, stats);
  ASSERT_EQ(frames.size(), 1U);
  EXPECT_EQ(frames[0].type, 0x81);
  // The serial of GET_INFO is the USB serial (PROTOCOL.md §1).
  const std::string serial = device.identity().serial;
  EXPECT_NE(to_hex(frames[0].payload).find(to_hex(Bytes(serial.begin(), serial.end()))),
            std::string::npos);
  EXPECT_EQ(device.stats().vendor_out, 1U);
  EXPECT_EQ(device.vendor().stats().frames_in, 1U);
}

TEST_F(DeviceTest, VendorEventsComeOnInterruptInWhenDue) {
  device.push_vendor_event(hex("AA BB"), now);
  ASSERT_EQ(device.submit(urb(2, UrbType::interrupt, kVendorInterruptIn, Bytes(1024)), now), 0);
  EXPECT_EQ(to_hex(reaped(2).in), "AABB");
  // The interface is claimed: a card placed is an event.
  device.insert_card(testing::jpki_card(), now);
  ASSERT_EQ(device.submit(urb(2, UrbType::interrupt, kVendorInterruptIn, Bytes(1024)), now), 0);
  EXPECT_EQ(reaped(2).in[3], 0x41);  // CARD_PLACED
  // A session step 50 ms on: not before, and next_due() says when.
  device.vendor().push_face({FaceOutcome::Kind::match, 870}, now);
  device.vendor().set_step_delay(std::chrono::milliseconds(50));
  Bytes start = vendor::TlvWriter().u32(vendor::Tag::session, 1).u8(vendor::Tag::mode, 1).take();
  ASSERT_EQ(
      device.submit(urb(2, UrbType::bulk, kVendorBulkOut,
                        vendor::encode_frame(vendor::Type::get_info, 0, hex("02010103 0101"))),
                    now),
      0);
  ASSERT_EQ(device.submit(urb(2, UrbType::bulk, kVendorBulkOut,
                              vendor::encode_frame(vendor::Type::start_session, 1, start)),
                          now),
            0);
  ASSERT_EQ(device.submit(urb(2, UrbType::interrupt, kVendorInterruptIn, Bytes(1024)), now), 0);
  (void)reaped(2);
  (void)reaped(2);  // the two OUTs
  EXPECT_FALSE(device.has_completion(2, now + std::chrono::milliseconds(49)));
  EXPECT_EQ(device.next_due(), now + std::chrono::milliseconds(50));
  const auto later = now + std::chrono::milliseconds(50);
  EXPECT_TRUE(device.has_completion(2, later));
  const auto event = device.reap(2, later);
  ASSERT_TRUE(event);
  vendor::DecodeStats stats;
  const auto frames = vendor::decode_transfer(event->in, stats);
  ASSERT_EQ(frames.size(), 1U);
  EXPECT_EQ(frames[0].type, 0x43);  // FACE_RESULT
}

TEST_F(DeviceTest, CardEventsOnlyWhileTheVendorInterfaceIsClaimed) {
  device.insert_card(testing::jpki_card(), now);
  EXPECT_FALSE(device.vendor().take_event(now));
  ASSERT_EQ(device.claim(2, kVendorInterface), 0);
  device.remove_card(now);
  const auto removed = device.vendor().take_event(now);
  ASSERT_TRUE(removed);
  EXPECT_EQ((*removed)[3], 0x42);  // CARD_REMOVED
  (void)device.drop_client(2);
  device.insert_card(testing::jpki_card(), now);
  EXPECT_FALSE(device.vendor().take_event(now));
  EXPECT_TRUE(device.slot().present());
}

TEST_F(DeviceTest, AHaltedEndpointStallsUntilTheHaltIsCleared) {
  ASSERT_EQ(device.submit(urb(2, UrbType::bulk, kVendorBulkOut,
                              vendor::encode_frame(vendor::Type::get_status, 0, {})),
                          now),
            0);
  (void)reaped(2);
  ASSERT_EQ(device.halt(kVendorBulkIn), 0);
  ASSERT_EQ(device.submit(urb(2, UrbType::bulk, kVendorBulkIn, Bytes(1024)), now), 0);
  EXPECT_TRUE(device.has_completion(2, now));
  EXPECT_EQ(reaped(2).status, -EPIPE);
  ASSERT_EQ(device.submit(urb(2, UrbType::bulk, kVendorBulkIn, Bytes(1024)), now), 0);
  EXPECT_EQ(reaped(2).status, -EPIPE);  // halted until cleared, not just once
  // CLEAR_FEATURE(ENDPOINT_HALT) to endpoint 0x85, as libusb_clear_halt's kernel path sends.
  ASSERT_EQ(device.submit(urb(2, UrbType::control, 0, hex("02 01 00 00 85 00 00 00")), now), 0);
  EXPECT_EQ(reaped(2).status, 0);
  ASSERT_EQ(device.submit(urb(2, UrbType::bulk, kVendorBulkIn, Bytes(1024)), now), 0);
  const auto reply = reaped(2);
  EXPECT_EQ(reply.status, 0);
  EXPECT_EQ(reply.in[3], 0x86);  // the reply waited through the stall
  EXPECT_EQ(device.stats().stalls, 2U);
  EXPECT_EQ(device.halt(kVendorInterruptIn), 0);
  EXPECT_EQ(device.clear_halt(kVendorInterruptIn), 0);
  EXPECT_FALSE(device.halted(kVendorInterruptIn));
  EXPECT_EQ(device.clear_halt(0x07), -ENOENT);
}

TEST_F(DeviceTest, MoreDataThanTheBufferIsABabble) {
  // A STATUS reply is 18 bytes.
  ASSERT_EQ(device.submit(urb(2, UrbType::bulk, kVendorBulkOut,
                              vendor::encode_frame(vendor::Type::get_status, 0, {})),
                          now),
            0);
  ASSERT_EQ(device.submit(urb(2, UrbType::bulk, kVendorBulkIn, Bytes(16)), now), 0);
  (void)device.reap(2, now);
  const auto c = device.reap(2, now);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->status, -EOVERFLOW);
  EXPECT_EQ(c->actual, 16U);
}

TEST_F(DeviceTest, UnplugSilencesTheVendorSideAndReplugStartsAfresh) {
  ASSERT_EQ(device.submit(urb(2, UrbType::bulk, kVendorBulkOut,
                              vendor::encode_frame(vendor::Type::get_status, 0, {})),
                          now),
            0);
  device.push_vendor_event(hex("01"), now);
  ASSERT_EQ(device.halt(kVendorBulkIn), 0);
  device.unplug();
  EXPECT_FALSE(device.vendor().reply_pending());
  EXPECT_FALSE(device.vendor().take_event(now));
  (void)device.plug();
  EXPECT_FALSE(device.halted(kVendorBulkIn));
  // Number 1 would follow the 0 before the unplug; after it, 0 is expected again.
  device.vendor().handle(vendor::encode_frame(vendor::Type::get_status, 1, {}), now);
  const auto nak = device.vendor().take_reply();
  ASSERT_TRUE(nak);
  EXPECT_EQ((*nak)[3], 0xFF);
}

// libusb learns of an unplug from the URBs it had in flight (an emulated node never reports
// POLLERR): they must finish with -ENODEV and be reapable, or libccid's polling thread waits
// forever and pcscd never removes the reader.
TEST_F(DeviceTest, UnplugFinishesUrbsInFlightWithEnodev) {
  int held[3];
  auto a = urb(1, UrbType::bulk, kCcidBulkIn, Bytes(271));
  a.opaque = &held[0];
  auto b = urb(2, UrbType::bulk, kVendorBulkOut, hex("01"));
  b.opaque = &held[1];
  ASSERT_EQ(device.submit(a, now), 0);
  ASSERT_EQ(device.submit(b, now), 0);
  (void)device.reap(2, now);  // the OUT finished before the unplug
  device.unplug();
  EXPECT_EQ(device.submit(urb(1, UrbType::bulk, kCcidBulkOut, message(0x65, 1)), now), -ENODEV);
  EXPECT_EQ(device.claim(1, kCcidInterface), -ENODEV);
  const auto killed = device.reap(1, now);
  ASSERT_TRUE(killed);
  EXPECT_EQ(killed->status, -ENODEV);
  EXPECT_EQ(killed->opaque, &held[0]);
  EXPECT_FALSE(device.reap(1, now));
  // Never reaped: handed back to be freed at the replug.
  auto c = urb(1, UrbType::interrupt, kCcidInterruptIn, Bytes(8));
  EXPECT_EQ(device.plug().size(), 0U);
  c.opaque = &held[2];
  (void)device.slot().take_notification();
  ASSERT_EQ(device.submit(c, now), 0);
  device.unplug();
  EXPECT_EQ(device.plug(), std::vector<void*>{&held[2]});
  EXPECT_EQ(device.claim(1, kCcidInterface), 0);
}

}  // namespace
}  // namespace onshi::facesim
