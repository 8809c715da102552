// onshi-facesim-usbprobe: a plain libusb program on the face reader's vendor interface (interface
// 1), for the test that a second process can use it while pcscd drives the CCID slot. It only
// knows the emulator's placeholder echo (tests/sim/facesim/README.md); the face-session protocol
// and onshi's driver come with the next issue. Prints one JSON line; exit 0 when every echo came
// back intact (and the event, when one was expected).
//
//   onshi-facesim-usbprobe --serial FACE0001 --count 200 [--expect-event]

#include <libusb.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr std::uint16_t kVendorId = 0x1209;  // descriptors.hpp
constexpr std::uint16_t kProductId = 0x0001;
constexpr int kInterface = 1;
constexpr unsigned char kBulkOut = 0x04;
constexpr unsigned char kBulkIn = 0x85;
constexpr unsigned char kInterruptIn = 0x86;

int fail(const char* what, int rc) {
  std::printf("{\"ok\":false,\"error\":\"%s: %s\"}\n", what, libusb_error_name(rc));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string serial;
  int count = 100;
  bool expect_event = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--serial" && i + 1 < argc)
      serial = argv[++i];
    else if (a == "--count" && i + 1 < argc)
      count = std::max(1, std::atoi(argv[++i]));
    else if (a == "--expect-event")
      expect_event = true;
    else {
      std::fprintf(stderr, "usage: %s --serial S [--count N] [--expect-event]\n", argv[0]);
      return 2;
    }
  }
  libusb_context* ctx = nullptr;
  if (int rc = libusb_init(&ctx); rc != 0) return fail("libusb_init", rc);
  libusb_device** list = nullptr;
  const ssize_t n = libusb_get_device_list(ctx, &list);
  libusb_device_handle* handle = nullptr;
  for (ssize_t i = 0; i < n && handle == nullptr; ++i) {
    libusb_device_descriptor d{};
    if (libusb_get_device_descriptor(list[i], &d) != 0 || d.idVendor != kVendorId ||
        d.idProduct != kProductId) {
      continue;
    }
    libusb_device_handle* h = nullptr;
    if (libusb_open(list[i], &h) != 0) continue;
    unsigned char text[128] = {};
    const int len = libusb_get_string_descriptor_ascii(h, d.iSerialNumber, text, sizeof text);
    if (len > 0 &&
        serial == std::string(reinterpret_cast<char*>(text), static_cast<std::size_t>(len))) {
      handle = h;
    } else {
      libusb_close(h);
    }
  }
  libusb_free_device_list(list, 1);
  if (handle == nullptr) {
    std::printf("{\"ok\":false,\"error\":\"no face reader with serial %s\"}\n", serial.c_str());
    return 1;
  }
  if (int rc = libusb_claim_interface(handle, kInterface); rc != 0)
    return fail("claim interface 1", rc);
  std::vector<double> micros;
  int mismatches = 0;
  for (int i = 0; i < count; ++i) {
    unsigned char out[32];
    for (std::size_t k = 0; k < sizeof out; ++k) out[k] = static_cast<unsigned char>(i + k);
    unsigned char in[64] = {};
    int sent = 0, got = 0;
    const auto t0 = std::chrono::steady_clock::now();
    if (int rc = libusb_bulk_transfer(handle, kBulkOut, out, sizeof out, &sent, 5000); rc != 0)
      return fail("bulk OUT", rc);
    if (int rc = libusb_bulk_transfer(handle, kBulkIn, in, sizeof in, &got, 5000); rc != 0)
      return fail("bulk IN", rc);
    micros.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    if (got != static_cast<int>(sizeof out) || std::memcmp(in, out, sizeof out) != 0) ++mismatches;
  }
  std::string event;
  if (expect_event) {
    unsigned char in[64] = {};
    int got = 0;
    if (int rc = libusb_interrupt_transfer(handle, kInterruptIn, in, sizeof in, &got, 10000);
        rc != 0) {
      return fail("interrupt IN", rc);
    }
    for (int k = 0; k < got; ++k) {
      char hex[3];
      std::snprintf(hex, sizeof hex, "%02X", in[k]);
      event += hex;
    }
  }
  libusb_release_interface(handle, kInterface);
  libusb_close(handle);
  libusb_exit(ctx);
  std::sort(micros.begin(), micros.end());
  const double median = micros[micros.size() / 2];
  const double p99 = micros[std::min(micros.size() - 1, micros.size() * 99 / 100)];
  std::printf(
      "{\"ok\":%s,\"exchanges\":%d,\"mismatches\":%d,\"median_us\":%.0f,\"p99_us\":%.0f,\"event\":"
      "\"%s\"}\n",
      mismatches == 0 ? "true" : "false", count, mismatches, median, p99, event.c_str());
  return mismatches == 0 ? 0 : 1;
}
