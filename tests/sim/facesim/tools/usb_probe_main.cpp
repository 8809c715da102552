// onshi-facesim-usbprobe: a plain libusb program on the face reader's vendor interface (interface
// 1), for the tests that a second process can use it while pcscd drives the CCID slot, and for
// raw frames a driver test wants on the wire. It speaks just enough of driver/PROTOCOL.md to
// exchange frames (the emulator's own frame codec): it is no host driver. Prints one JSON line.
//
//   onshi-facesim-usbprobe --serial FACE0001 [--count N] [--send-hex HEX]... [--frame T:S:P]...
//                          [--events N | --expect-event] [--timeout-ms MS] [--event-timeout-ms MS]
//
//   --count N          N exchanges: GET_INFO (seq 0), then GET_STATUS (seq 1, 2, ...), each reply
//                      checked (one good frame, reply type, same seq); default 100, or 0 when
//                      --send-hex or --frame is given
//   --send-hex HEX     HEX as one bulk-OUT transfer, then one bulk-IN read: its bytes in
//                      "replies" as hex, null when nothing came within --timeout-ms (default
//                      2000), "stall" when bulk IN answered EPIPE (the probe then clears the halt)
//   --frame T:S:P      the same with a frame built here: type T, seq S (hex bytes), payload P (hex,
//                      may be empty), right CRC; e.g. --frame 01:00:020101030101 is a GET_INFO
//   --events N         then N interrupt-IN transfers, each within --event-timeout-ms (default
//                      10000), as hex in "events"; --expect-event is --events 1
//
// Output: {"ok","exchanges","mismatches","median_us","p99_us","replies":[...],"events":[...],
// "event": the first event or ""}. Exit 0 when ok: every exchange matched and every USB call
// succeeded (a --send-hex read that timed out or stalled is reported, not a failure).

#include <libusb.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "onshi/facesim/vendor_frame.hpp"

namespace {

using onshi::Bytes;
namespace vendor = onshi::facesim::vendor;

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

std::string hex(const unsigned char* data, std::size_t n) {
  std::string out;
  for (std::size_t k = 0; k < n; ++k) {
    char h[3];
    std::snprintf(h, sizeof h, "%02X", data[k]);
    out += h;
  }
  return out;
}

// "--frame T:S:P": type, seq and payload in hex.
std::optional<Bytes> frame_from_spec(const std::string& spec) {
  const auto a = spec.find(':');
  const auto b = a == std::string::npos ? a : spec.find(':', a + 1);
  if (b == std::string::npos) return std::nullopt;
  const auto type = onshi::from_hex(spec.substr(0, a));
  const auto seq = onshi::from_hex(spec.substr(a + 1, b - a - 1));
  const auto payload = onshi::from_hex(spec.substr(b + 1));
  if (!type || type->size() != 1 || !seq || seq->size() != 1 || !payload ||
      payload->size() > vendor::kMaxPayload) {
    return std::nullopt;
  }
  return vendor::encode_frame((*type)[0], (*seq)[0], *payload);
}

libusb_device_handle* open_by_serial(libusb_context* ctx, const std::string& serial) {
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
  return handle;
}

// Whether `in` is exactly one good reply to the command of type `type` with number `seq`.
bool is_reply(const unsigned char* in, int got, std::uint8_t type, std::uint8_t seq) {
  vendor::DecodeStats stats;
  const auto frames = vendor::decode_transfer(
      onshi::ByteView(in, static_cast<std::size_t>(std::max(got, 0))), stats);
  return frames.size() == 1 && stats.garbage_bytes == 0 &&
         frames[0].type == (type | vendor::kReplyBit) && frames[0].seq == seq;
}

struct Options {
  std::string serial;
  int count = -1;  // -1: the default, which depends on the sends
  std::vector<Bytes> sends;
  int events = 0;
  unsigned timeout_ms = 2000;
  unsigned event_timeout_ms = 10000;
};

std::optional<Options> parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--serial" && has_value) {
      o.serial = argv[++i];
    } else if (a == "--count" && has_value) {
      o.count = std::max(0, std::atoi(argv[++i]));
    } else if (a == "--send-hex" && has_value) {
      auto bytes = onshi::from_hex(argv[++i]);
      if (!bytes || bytes->empty()) return std::nullopt;
      o.sends.push_back(std::move(*bytes));
    } else if (a == "--frame" && has_value) {
      auto frame = frame_from_spec(argv[++i]);
      if (!frame) return std::nullopt;
      o.sends.push_back(std::move(*frame));
    } else if (a == "--events" && has_value) {
      o.events = std::max(0, std::atoi(argv[++i]));
    } else if (a == "--expect-event") {
      o.events = std::max(o.events, 1);
    } else if (a == "--timeout-ms" && has_value) {
      o.timeout_ms = static_cast<unsigned>(std::max(1, std::atoi(argv[++i])));
    } else if (a == "--event-timeout-ms" && has_value) {
      o.event_timeout_ms = static_cast<unsigned>(std::max(1, std::atoi(argv[++i])));
    } else {
      return std::nullopt;
    }
  }
  if (o.serial.empty()) return std::nullopt;
  if (o.count < 0) o.count = o.sends.empty() ? 100 : 0;
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = parse(argc, argv);
  if (!options) {
    std::fprintf(stderr,
                 "usage: %s --serial S [--count N] [--send-hex HEX]... [--frame T:S:P]... "
                 "[--events N | --expect-event] [--timeout-ms MS] [--event-timeout-ms MS]\n",
                 argv[0]);
    return 2;
  }
  const Options& o = *options;
  libusb_context* ctx = nullptr;
  if (int rc = libusb_init(&ctx); rc != 0) return fail("libusb_init", rc);
  libusb_device_handle* handle = open_by_serial(ctx, o.serial);
  if (handle == nullptr) {
    std::printf("{\"ok\":false,\"error\":\"no face reader with serial %s\"}\n", o.serial.c_str());
    return 1;
  }
  if (int rc = libusb_claim_interface(handle, kInterface); rc != 0)
    return fail("claim interface 1", rc);

  // The host reads with a buffer of max_frame (PROTOCOL.md §1).
  unsigned char in[vendor::kMaxFrame] = {};
  std::vector<double> micros;
  int mismatches = 0;
  for (int i = 0; i < o.count; ++i) {
    const auto seq = static_cast<std::uint8_t>(i);
    const auto type = i == 0 ? vendor::Type::get_info : vendor::Type::get_status;
    const Bytes payload = i == 0 ? Bytes{0x02, 1, 1, 0x03, 1, 1} : Bytes{};  // protocol 1..1
    Bytes out = vendor::encode_frame(type, seq, payload);
    int sent = 0, got = 0;
    const auto t0 = std::chrono::steady_clock::now();
    if (int rc = libusb_bulk_transfer(handle, kBulkOut, out.data(), static_cast<int>(out.size()),
                                      &sent, 5000);
        rc != 0) {
      return fail("bulk OUT", rc);
    }
    if (int rc = libusb_bulk_transfer(handle, kBulkIn, in, sizeof in, &got, 5000); rc != 0)
      return fail("bulk IN", rc);
    micros.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    if (!is_reply(in, got, static_cast<std::uint8_t>(type), seq)) ++mismatches;
  }

  std::string replies;
  for (Bytes out : o.sends) {
    int sent = 0, got = 0;
    if (int rc = libusb_bulk_transfer(handle, kBulkOut, out.data(), static_cast<int>(out.size()),
                                      &sent, 5000);
        rc != 0) {
      return fail("bulk OUT", rc);
    }
    const int rc = libusb_bulk_transfer(handle, kBulkIn, in, sizeof in, &got, o.timeout_ms);
    std::string entry;
    if (rc == 0) {
      entry = "\"" + hex(in, static_cast<std::size_t>(got)) + "\"";
    } else if (rc == LIBUSB_ERROR_TIMEOUT) {
      entry = "null";
    } else if (rc == LIBUSB_ERROR_PIPE) {
      entry = "\"stall\"";
      if (int clear = libusb_clear_halt(handle, kBulkIn); clear != 0)
        return fail("clear halt", clear);
    } else {
      return fail("bulk IN", rc);
    }
    replies += (replies.empty() ? "" : ",") + entry;
  }

  std::string events;
  std::string first_event;
  for (int i = 0; i < o.events; ++i) {
    int got = 0;
    if (int rc = libusb_interrupt_transfer(handle, kInterruptIn, in, sizeof in, &got,
                                           o.event_timeout_ms);
        rc != 0) {
      return fail("interrupt IN", rc);
    }
    const std::string event = hex(in, static_cast<std::size_t>(got));
    if (i == 0) first_event = event;
    events += (events.empty() ? "\"" : ",\"") + event + "\"";
  }
  libusb_release_interface(handle, kInterface);
  libusb_close(handle);
  libusb_exit(ctx);

  std::sort(micros.begin(), micros.end());
  const double median = micros.empty() ? 0 : micros[micros.size() / 2];
  const double p99 =
      micros.empty() ? 0 : micros[std::min(micros.size() - 1, micros.size() * 99 / 100)];
  std::printf(
      "{\"ok\":%s,\"exchanges\":%d,\"mismatches\":%d,\"median_us\":%.0f,\"p99_us\":%.0f,"
      "\"replies\":[%s],\"events\":[%s],\"event\":\"%s\"}\n",
      mismatches == 0 ? "true" : "false", o.count, mismatches, median, p99, replies.c_str(),
      events.c_str(), first_event.c_str());
  return mismatches == 0 ? 0 : 1;
}
