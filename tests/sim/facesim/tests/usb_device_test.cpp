#include "onshi/facesim/usb_device.hpp"

#include <gtest/gtest.h>

#include <cerrno>

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

TEST_F(DeviceTest, TheVendorInterfaceEchoesAndForwardsEvents) {
  ASSERT_EQ(device.submit(urb(2, UrbType::bulk, kVendorBulkOut, hex("01 02 03")), now), 0);
  ASSERT_EQ(device.submit(urb(2, UrbType::bulk, kVendorBulkIn, Bytes(64)), now), 0);
  (void)device.reap(2, now);  // the OUT
  EXPECT_EQ(to_hex(reaped(2).in), "010203");
  device.push_vendor_event(hex("AA BB"));
  ASSERT_EQ(device.submit(urb(2, UrbType::interrupt, kVendorInterruptIn, Bytes(64)), now), 0);
  EXPECT_EQ(to_hex(reaped(2).in), "AABB");
}

TEST_F(DeviceTest, MoreDataThanTheBufferIsABabble) {
  ASSERT_EQ(device.submit(urb(2, UrbType::bulk, kVendorBulkOut, Bytes(40, 7)), now), 0);
  ASSERT_EQ(device.submit(urb(2, UrbType::bulk, kVendorBulkIn, Bytes(16)), now), 0);
  (void)device.reap(2, now);
  const auto c = device.reap(2, now);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->status, -EOVERFLOW);
  EXPECT_EQ(c->actual, 16U);
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
