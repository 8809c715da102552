#include "onshi/facesim/descriptors.hpp"

#include <fmt/format.h>

namespace onshi::facesim {
namespace {

void put16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}
void put32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// dwFeatures (CCID §5.1): automatic parameters from the ATR (0x02), voltage (0x08), clock
// (0x10), baud rate (0x20), PPS (0x80), IFSD (0x400) — as the rig's reader (test-rigs.md §5) —
// plus the exchange level: short APDU 0x00020000 or extended APDU 0x00040000.
constexpr std::uint32_t kAutomaticFeatures = 0x000004BA;
constexpr std::uint32_t kShortApduLevel = 0x00020000;
constexpr std::uint32_t kExtendedApduLevel = 0x00040000;

void endpoint(Bytes& out, std::uint8_t address, std::uint8_t attributes, std::uint16_t max_packet,
              std::uint8_t interval) {
  out.insert(out.end(), {0x07, 0x05, address, attributes});
  put16(out, max_packet);
  out.push_back(interval);
}

}  // namespace

Bytes ccid_class_descriptor(const ReaderIdentity& id) {
  Bytes d{0x36, 0x21};
  put16(d, 0x0110);      // bcdCCID 1.10
  d.push_back(0x00);     // bMaxSlotIndex: one slot
  d.push_back(0x07);     // bVoltageSupport: 5 V, 3 V, 1.8 V
  put32(d, 0x00000003);  // dwProtocols: T=0, T=1
  put32(d, 4000);        // dwDefaultClock (kHz)
  put32(d, 4000);        // dwMaximumClock
  d.push_back(0x00);     // bNumClockSupported 0: libccid asks for no clock list (§5)
  put32(d, 10752);       // dwDataRate (bps)
  put32(d, 344086);      // dwMaxDataRate
  d.push_back(0x00);     // bNumDataRatesSupported 0: no data-rate list either
  put32(d, 254);         // dwMaxIFSD
  put32(d, 0);           // dwSynchProtocols
  put32(d, 0);           // dwMechanical
  put32(d, kAutomaticFeatures |
               (id.level == ApduLevel::short_apdu ? kShortApduLevel : kExtendedApduLevel));
  put32(d, id.max_message_length);
  d.push_back(0xFF);  // bClassGetResponse: echo the command's class
  d.push_back(0xFF);  // bClassEnvelope
  put16(d, id.lcd_layout);
  d.push_back(id.pin_support);
  d.push_back(0x01);  // bMaxCCIDBusySlots
  return d;
}

Bytes device_descriptor(const ReaderIdentity& id) {
  Bytes d{0x12, 0x01};
  put16(d, 0x0200);                             // bcdUSB 2.0
  d.insert(d.end(), {0x00, 0x00, 0x00, 0x40});  // class per interface; EP0 64 bytes
  put16(d, id.vendor_id);
  put16(d, id.product_id);
  put16(d, id.bcd_device);
  d.insert(d.end(), {0x01, 0x02, 0x03, 0x01});  // iManufacturer, iProduct, iSerialNumber; 1 config
  return d;
}

Bytes configuration_descriptor(const ReaderIdentity& id) {
  Bytes body;
  // Interface 0: the CCID slot (class 0B), its class descriptor, bulk OUT/IN and interrupt IN.
  body.insert(body.end(), {0x09, 0x04, kCcidInterface, 0x00, 0x03, 0x0B, 0x00, 0x00, 0x00});
  const Bytes ccid = ccid_class_descriptor(id);
  body.insert(body.end(), ccid.begin(), ccid.end());
  endpoint(body, kCcidBulkOut, 0x02, 64, 0);
  endpoint(body, kCcidBulkIn, 0x02, 64, 0);
  endpoint(body, kCcidInterruptIn, 0x03, 8, 16);
  // Interface 1: the vendor interface (class FF, no class descriptor).
  body.insert(body.end(), {0x09, 0x04, kVendorInterface, 0x00, 0x03, 0xFF, 0x00, 0x00, 0x00});
  endpoint(body, kVendorBulkOut, 0x02, 64, 0);
  endpoint(body, kVendorBulkIn, 0x02, 64, 0);
  endpoint(body, kVendorInterruptIn, 0x03, 64, 8);
  Bytes d{0x09, 0x02};
  put16(d, static_cast<std::uint16_t>(9 + body.size()));
  d.insert(d.end(), {0x02, 0x01, 0x00, 0x80, 0x32});  // 2 interfaces, config 1, bus powered 100 mA
  d.insert(d.end(), body.begin(), body.end());
  return d;
}

std::optional<Bytes> string_descriptor(const ReaderIdentity& id, std::uint8_t index) {
  if (index == 0) return Bytes{0x04, 0x03, 0x09, 0x04};  // English (US)
  const std::string* text = nullptr;
  if (index == 1) text = &id.manufacturer;
  if (index == 2) text = &id.product;
  if (index == 3) text = &id.serial;
  if (text == nullptr) return std::nullopt;
  Bytes d{0x00, 0x03};
  for (const char c : text->substr(0, 126))
    put16(d, static_cast<std::uint8_t>(c));  // UTF-16LE, ASCII only
  d[0] = static_cast<std::uint8_t>(d.size());
  return d;
}

std::string sysfs_path(const UsbLocation& at) {
  return fmt::format("/sys/devices/pci0000:00/0000:00:14.0/usb1/1-{}", at.port);
}

std::string interface_sysfs_path(const UsbLocation& at, int interface) {
  return fmt::format("{}/1-{}:1.{}", sysfs_path(at), at.port, interface);
}

std::string device_node(const UsbLocation& at) {
  return fmt::format("/dev/bus/usb/001/{:03d}", at.address);
}

std::string umockdev_description(const ReaderIdentity& id, const UsbLocation& at) {
  Bytes descriptors = device_descriptor(id);
  const Bytes config = configuration_descriptor(id);
  descriptors.insert(descriptors.end(), config.begin(), config.end());
  const std::string product_env =
      fmt::format("{:x}/{:x}/{:x}", id.vendor_id, id.product_id, id.bcd_device);
  // Text attributes end in a literal "\n", as sysfs has them (test-rigs.md §3).
  std::string out = fmt::format(
      "P: {sys}\nN: bus/usb/001/{addr:03d}\n"
      "E: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DEVNAME=/dev/bus/usb/001/{addr:03d}\n"
      "E: BUSNUM=001\nE: DEVNUM={addr:03d}\nE: PRODUCT={product_env}\nE: TYPE=0/0/0\n"
      "A: busnum=1\\n\nA: devnum={addr}\\n\nA: idVendor={vid:04x}\\n\nA: idProduct={pid:04x}\\n\n"
      "A: bcdDevice={bcd:04x}\\n\nA: manufacturer={mfr}\\n\nA: product={prod}\\n\nA: "
      "serial={serial}\\n\n"
      "A: speed=12\\n\nA: bConfigurationValue=1\\n\nA: bNumConfigurations=1\\n\nA: bNumInterfaces= "
      "2\\n\n"
      "A: bDeviceClass=00\\n\nA: bMaxPacketSize0=64\\n\nA: version= 2.00\\n\n"
      "H: descriptors={desc}\n\n",
      fmt::arg("sys", sysfs_path(at).substr(4)), fmt::arg("addr", at.address),
      fmt::arg("product_env", product_env), fmt::arg("vid", id.vendor_id),
      fmt::arg("pid", id.product_id), fmt::arg("bcd", id.bcd_device),
      fmt::arg("mfr", id.manufacturer), fmt::arg("prod", id.product), fmt::arg("serial", id.serial),
      fmt::arg("desc", to_hex(descriptors)));
  const struct {
    int number;
    const char* klass;
    const char* name;
  } interfaces[] = {{0, "0b", "CCID"}, {1, "ff", "face"}};
  for (const auto& i : interfaces) {
    out += fmt::format(
        "P: {sys}\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_interface\nE: PRODUCT={product_env}\n"
        "E: INTERFACE={cls}/0/0\n"
        "A: bInterfaceNumber={n:02x}\\n\nA: bAlternateSetting= 0\\n\nA: "
        "bInterfaceClass={klass}\\n\n"
        "A: bInterfaceSubClass=00\\n\nA: bInterfaceProtocol=00\\n\nA: bNumEndpoints=03\\n\n"
        "A: interface={name}\\n\n\n",
        fmt::arg("sys", interface_sysfs_path(at, i.number).substr(4)),
        fmt::arg("product_env", product_env), fmt::arg("cls", std::stoi(i.klass, nullptr, 16)),
        fmt::arg("n", i.number), fmt::arg("klass", i.klass), fmt::arg("name", i.name));
  }
  return out;
}

}  // namespace onshi::facesim
