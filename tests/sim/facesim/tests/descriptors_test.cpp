#include "onshi/facesim/descriptors.hpp"

#include <gtest/gtest.h>

namespace onshi::facesim {
namespace {

std::uint32_t le32(const Bytes& b, std::size_t at) {
  return std::uint32_t{b[at]} | (std::uint32_t{b[at + 1]} << 8) | (std::uint32_t{b[at + 2]} << 16) |
         (std::uint32_t{b[at + 3]} << 24);
}

// libccid reads these offsets of the 54-byte descriptor (ccid_usb.c); a shift breaks the reader.
TEST(Descriptors, TheCcidClassDescriptorHasLibccidsLayout) {
  ReaderIdentity id;
  const Bytes d = ccid_class_descriptor(id);
  ASSERT_EQ(d.size(), 54U);
  EXPECT_EQ(d[0], 54);
  EXPECT_EQ(d[1], 0x21);
  EXPECT_EQ(d[27], 0);                                // bNumDataRatesSupported: no GET_DATA_RATES
  EXPECT_EQ(le32(d, 40) & 0x00070000U, 0x00020000U);  // short APDU level
  EXPECT_EQ(le32(d, 44), 271U);
  EXPECT_EQ(d[50] | (d[51] << 8), 0x0210);
  EXPECT_EQ(d[52], 0x03);  // bPINSupport
  id.level = ApduLevel::extended_apdu;
  id.max_message_length = 522;
  const Bytes e = ccid_class_descriptor(id);
  EXPECT_EQ(le32(e, 40) & 0x00070000U, 0x00040000U);
  EXPECT_EQ(le32(e, 44), 522U);
}

TEST(Descriptors, TheConfigurationHoldsBothInterfaces) {
  const Bytes c = configuration_descriptor(ReaderIdentity{});
  ASSERT_GE(c.size(), 9U);
  EXPECT_EQ(c[2] | (c[3] << 8), static_cast<int>(c.size()));  // wTotalLength
  EXPECT_EQ(c[4], 2);
  // Walk the descriptors: interface 0 class 0B with one CCID descriptor, interface 1 class FF
  // without one, three endpoints each.
  int interfaces = 0, ccid = 0, endpoints = 0;
  for (std::size_t i = 9; i < c.size(); i += c[i]) {
    ASSERT_GT(c[i], 0);
    if (c[i + 1] == 0x04) {
      EXPECT_EQ(c[i + 5], interfaces == 0 ? 0x0B : 0xFF);
      ++interfaces;
    }
    if (c[i + 1] == 0x21) {
      EXPECT_EQ(interfaces, 1);
      ++ccid;
    }
    if (c[i + 1] == 0x05) ++endpoints;
  }
  EXPECT_EQ(interfaces, 2);
  EXPECT_EQ(ccid, 1);
  EXPECT_EQ(endpoints, 6);
}

// pcscd takes the serial from sysfs, libusb from the descriptor: they must agree.
TEST(Descriptors, TheSysfsSerialEqualsTheSerialNumberString) {
  ReaderIdentity id;
  id.serial = "FACE0042";
  const std::string text = umockdev_description(id, UsbLocation{3, 9});
  EXPECT_NE(text.find("A: serial=FACE0042\\n\n"), std::string::npos);
  EXPECT_NE(text.find("N: bus/usb/001/009\n"), std::string::npos);
  EXPECT_NE(text.find("P: /devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.1\n"), std::string::npos);
  const Bytes s = *string_descriptor(id, 3);
  std::string decoded;
  for (std::size_t i = 2; i + 1 < s.size(); i += 2) decoded += static_cast<char>(s[i]);
  EXPECT_EQ(decoded, "FACE0042");
  EXPECT_EQ(device_descriptor(id)[16], 3);  // iSerialNumber
  EXPECT_FALSE(string_descriptor(id, 4));
}

}  // namespace
}  // namespace onshi::facesim
