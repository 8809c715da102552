// The one device table (device_table.hpp): the udev generator and find_device rely on its order,
// and the test identity must stay marked as one.
#include "onshi/driver/device_table.hpp"

#include <gtest/gtest.h>

#include <tuple>

namespace onshi::driver {
namespace {

TEST(DeviceTable, IsSortedByVendorThenProductWithoutDuplicates) {
  const auto table = device_table();
  ASSERT_FALSE(table.empty());
  for (std::size_t i = 1; i < table.size(); ++i) {
    EXPECT_LT(std::tie(table[i - 1].vendor_id, table[i - 1].product_id),
              std::tie(table[i].vendor_id, table[i].product_id))
        << "entry " << i << " (" << table[i].name << ")";
  }
}

TEST(DeviceTable, EveryEntryIsNamedAndClaimsAVendorInterfaceNotTheCcidOne) {
  for (const auto& e : device_table()) {
    EXPECT_FALSE(e.name.empty());
    // Interface 0 is the CCID slot (PROTOCOL.md §1): pcscd's, never claimed.
    EXPECT_NE(e.vendor_interface, 0) << e.name;
    EXPECT_NE(adapter_name(e.adapter), "unknown") << e.name;
  }
}

TEST(FindDevice, FindsEveryEntryOfTheTable) {
  for (const auto& e : device_table()) EXPECT_EQ(find_device(e.vendor_id, e.product_id), &e);
}

TEST(FindDevice, MissesAnUnknownDevice) {
  EXPECT_EQ(find_device(0x1209, 0x0002), nullptr);
  EXPECT_EQ(find_device(0x0001, 0x1209), nullptr);  // the IDs swapped
  EXPECT_EQ(find_device(0x0000, 0x0000), nullptr);
  EXPECT_EQ(find_device(0xFFFF, 0xFFFF), nullptr);
}

TEST(FindDevice, ThePidCodesTestIdentityIsTestOnlyOnInterfaceOne) {
  const DeviceEntry* e = find_device(0x1209, 0x0001);
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->test_only);
  EXPECT_EQ(e->vendor_interface, 1);
  EXPECT_EQ(e->adapter, Adapter::onshi_v1);
}

TEST(AdapterName, NamesTheReferenceProtocol) {
  EXPECT_EQ(adapter_name(Adapter::onshi_v1), "onshi-v1");
}

}  // namespace
}  // namespace onshi::driver
