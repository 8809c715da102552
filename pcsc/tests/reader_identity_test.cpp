#include "onshi/pcsc/reader_identity.hpp"

#include <gtest/gtest.h>

namespace onshi::pcsc {
namespace {

TEST(ReaderIdentity, StripsPcscLiteSlotSuffix) {
  EXPECT_EQ(strip_slot_suffix("Cherry GmbH SmartTerminal ST-1275 [CCID pinpad] (EMU0001) 00 00"),
            "Cherry GmbH SmartTerminal ST-1275 [CCID pinpad] (EMU0001)");
  EXPECT_EQ(strip_slot_suffix("Test PCD 01 0A"), "Test PCD");
  EXPECT_EQ(strip_slot_suffix("Windows Reader 0"), "Windows Reader 0");
  EXPECT_EQ(strip_slot_suffix("Odd 0G 00"), "Odd 0G 00");
  EXPECT_EQ(strip_slot_suffix(" 00 00"), " 00 00");
}

TEST(ReaderIdentity, StableKeyPrefersUsbIds) {
  ReaderIdentity id;
  id.base_name = "Test PCD";
  EXPECT_EQ(id.stable_key(), "name:Test PCD");
  id.vendor_id = 0x046A;
  id.product_id = 0x0072;
  id.serial = "EMU0001";
  EXPECT_EQ(id.stable_key(), "usb:046a:0072:EMU0001");
}

TEST(ReaderIdentity, ChannelIdTellsUsbAndPort) {
  ReaderIdentity id;
  EXPECT_FALSE(id.is_usb());
  id.channel_id = 0x00200102;  // libccid: 0x0020 << 16 | bus 1 << 8 | address 2
  EXPECT_TRUE(id.is_usb());
  EXPECT_EQ(id.usb_bus(), 1);
  EXPECT_EQ(id.usb_address(), 2);
  id.channel_id = 0x00019C40;  // serial-type channel
  EXPECT_FALSE(id.is_usb());
  EXPECT_FALSE(id.usb_bus());
}

}  // namespace
}  // namespace onshi::pcsc
