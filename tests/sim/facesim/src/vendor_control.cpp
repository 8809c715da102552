#include "vendor_control.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstring>
#include <functional>
#include <sstream>

namespace onshi::facesim {
namespace {

using namespace std::chrono_literals;

// The largest raw transfer a test may inject: room for an oversized frame (> max_frame 1024).
constexpr std::size_t kMaxRawBytes = 1100;
constexpr FaceOutcome kDefaultMatch{FaceOutcome::Kind::match, 870};
constexpr FaceOutcome kDefaultMismatch{FaceOutcome::Kind::mismatch, 210};

ControlAnswer error(std::string message) { return {"error " + message, false}; }
ControlAnswer ok() { return {"ok", false}; }

// A whole-word unsigned number, decimal or 0x-hex, at most `max`.
std::optional<std::uint32_t> number(const std::string& word, std::uint32_t max) {
  const bool hex = word.size() > 2 && word[0] == '0' && (word[1] == 'x' || word[1] == 'X');
  const char* begin = word.data() + (hex ? 2 : 0);
  const char* end = word.data() + word.size();
  std::uint32_t value = 0;
  const auto [stop, ec] = std::from_chars(begin, end, value, hex ? 16 : 10);
  if (ec != std::errc{} || stop != end || begin == end || value > max) return std::nullopt;
  return value;
}

std::optional<vendor::Answer> answer(const std::string& word) {
  if (word == "yes" || word == "1") return vendor::Answer::agreed;
  if (word == "no" || word == "2") return vendor::Answer::declined;
  if (word == "skip" || word == "3") return vendor::Answer::not_answered;
  return std::nullopt;
}

std::optional<ConsentAnswers> consent_answers(const std::string& list) {
  ConsentAnswers out{};
  std::istringstream in(list);
  std::size_t n = 0;
  for (std::string word; std::getline(in, word, ',');) {
    const auto a = answer(word);
    if (!a || n == out.size()) return std::nullopt;
    out[n++] = *a;
  }
  if (n != out.size()) return std::nullopt;
  return out;
}

std::optional<std::uint8_t> endpoint_named(const std::string& name) {
  if (name == "bulk-in") return kVendorBulkIn;
  if (name == "bulk-out") return kVendorBulkOut;
  if (name == "interrupt-in") return kVendorInterruptIn;
  return std::nullopt;
}

ControlAnswer face(UsbDevice& d, const std::vector<std::string>& w) {
  const char* usage = "face <reader> match [score] | mismatch [score] | choose-pin";
  FaceOutcome outcome;
  if (w.size() >= 3 && w[2] == "match") {
    outcome = kDefaultMatch;
  } else if (w.size() >= 3 && w[2] == "mismatch") {
    outcome = kDefaultMismatch;
  } else if (w.size() == 3 && w[2] == "choose-pin") {
    outcome = {FaceOutcome::Kind::choose_pin, 0};
  } else {
    return error(usage);
  }
  if (w.size() == 4 && outcome.kind != FaceOutcome::Kind::choose_pin) {
    const auto score = number(w[3], 1000);
    if (!score) return error("face: a score is 0..1000 (PROTOCOL.md §6.3)");
    outcome.score = static_cast<std::uint16_t>(*score);
  } else if (w.size() > 3) {
    return error(usage);
  }
  d.vendor().push_face(outcome, Clock::now());
  return ok();
}

ControlAnswer vendor_fault(UsbDevice& d, const std::vector<std::string>& w) {
  const char* usage =
      "vendor-fault <reader> drop-reply [n] | corrupt-reply [n] | drop-event [n] | "
      "stall [bulk-in|bulk-out|interrupt-in] | garbage <hex> | clear";
  if (w.size() < 3) return error(usage);
  const std::string& kind = w[2];
  const auto count = [&]() -> std::optional<std::uint32_t> {
    if (w.size() == 3) return 1;
    if (w.size() == 4) return number(w[3], 1000);
    return std::nullopt;
  };
  VendorDevice& v = d.vendor();
  if (kind == "drop-reply" || kind == "corrupt-reply" || kind == "drop-event") {
    const auto n = count();
    if (!n || *n == 0) return error(fmt::format("vendor-fault {}: a count of 1..1000", kind));
    if (kind == "drop-reply") v.drop_replies(*n);
    if (kind == "corrupt-reply") v.corrupt_replies(*n);
    if (kind == "drop-event") v.drop_events(*n);
    return ok();
  }
  if (kind == "stall") {
    const auto endpoint = w.size() == 3   ? std::optional<std::uint8_t>(kVendorBulkIn)
                          : w.size() == 4 ? endpoint_named(w[3])
                                          : std::nullopt;
    if (!endpoint) return error(usage);
    const int rc = d.halt(*endpoint);
    return rc == 0 ? ok() : error(fmt::format("vendor-fault stall: {}", std::strerror(-rc)));
  }
  if (kind == "garbage") {
    auto bytes = w.size() == 4 ? from_hex(w[3]) : std::nullopt;
    if (!bytes || bytes->empty() || bytes->size() > kMaxRawBytes)
      return error(fmt::format("vendor-fault garbage: 1 to {} bytes of hex", kMaxRawBytes));
    v.inject_reply_bytes(std::move(*bytes));
    return ok();
  }
  if (kind == "clear" && w.size() == 3) {
    v.clear_faults();
    for (const std::uint8_t ep : {kVendorBulkOut, kVendorBulkIn, kVendorInterruptIn})
      (void)d.clear_halt(ep);
    return ok();
  }
  return error(usage);
}

ControlAnswer on_reader(Emulator& emulator, std::size_t reader,
                        const std::function<ControlAnswer(UsbDevice&)>& f) {
  return emulator.with_reader(reader, [&](UsbDevice& d, const UsbLocation&) {
    if (!d.plugged()) return error(fmt::format("reader {} is unplugged", reader));
    return f(d);
  });
}

}  // namespace

std::optional<ControlAnswer> run_vendor_command(Emulator& emulator, std::size_t reader,
                                                const std::vector<std::string>& w) {
  const std::string& verb = w[0];
  if (verb == "face") {
    return on_reader(emulator, reader, [&](UsbDevice& d) { return face(d, w); });
  }
  if (verb == "staff") {
    if (w.size() != 3 || (w[2] != "confirm" && w[2] != "reject"))
      return error("staff <reader> confirm|reject");
    const StaffOutcome outcome = w[2] == "confirm" ? StaffOutcome::confirm : StaffOutcome::reject;
    return on_reader(emulator, reader, [&](UsbDevice& d) {
      d.vendor().push_staff(outcome, Clock::now());
      return ok();
    });
  }
  if (verb == "consent") {
    const auto answers = w.size() == 3 ? consent_answers(w[2]) : std::nullopt;
    if (!answers)
      return error("consent <reader> <a,a,a,a,a,a>: six of yes|no|skip (or 1|2|3), §5.3's order");
    return on_reader(emulator, reader, [&](UsbDevice& d) {
      d.vendor().push_consents(*answers, Clock::now());
      return ok();
    });
  }
  if (verb == "operator-cancel") {
    if (w.size() != 3 || (w[2] != "patient" && w[2] != "staff"))
      return error("operator-cancel <reader> patient|staff");
    const auto by = w[2] == "patient" ? vendor::CancelledBy::patient : vendor::CancelledBy::staff;
    return on_reader(emulator, reader, [&](UsbDevice& d) {
      if (!d.vendor().operator_cancel(by, Clock::now()))
        return error(fmt::format("reader {} runs no session", reader));
      return ok();
    });
  }
  if (verb == "device-error") {
    std::optional<vendor::DeviceError> kind;
    if (w.size() == 3 && w[2] == "camera") kind = vendor::DeviceError::camera;
    if (w.size() == 3 && w[2] == "display") kind = vendor::DeviceError::display;
    if (w.size() == 3 && w[2] == "internal") kind = vendor::DeviceError::internal;
    if (!kind) return error("device-error <reader> camera|display|internal");
    return on_reader(emulator, reader, [&](UsbDevice& d) {
      d.vendor().device_error(*kind, Clock::now());
      return ok();
    });
  }
  if (verb == "vendor-delay") {
    const auto ms = w.size() == 3 ? number(w[2], 60000) : std::nullopt;
    if (!ms) return error("vendor-delay <reader> <ms>: 0..60000");
    return on_reader(emulator, reader, [&](UsbDevice& d) {
      d.vendor().set_step_delay(std::chrono::milliseconds(*ms));
      return ok();
    });
  }
  if (verb == "vendor-features") {
    const auto mask = w.size() == 3 ? number(w[2], vendor::kAllFeatures) : std::nullopt;
    if (!mask) return error("vendor-features <reader> <mask>: 0..0x7F (PROTOCOL.md §5.1)");
    return on_reader(emulator, reader, [&](UsbDevice& d) {
      d.vendor().set_features(*mask);
      return ok();
    });
  }
  if (verb == "vendor-fault") {
    return on_reader(emulator, reader, [&](UsbDevice& d) { return vendor_fault(d, w); });
  }
  if (verb == "vendor-event") {
    auto bytes = w.size() == 3 ? from_hex(w[2]) : std::nullopt;
    if (!bytes || bytes->empty() || bytes->size() > kMaxRawBytes)
      return error(fmt::format("vendor-event <reader> <hex>: 1 to {} bytes", kMaxRawBytes));
    return on_reader(emulator, reader, [&](UsbDevice& d) {
      d.push_vendor_event(std::move(*bytes), Clock::now());
      return ok();
    });
  }
  return std::nullopt;
}

namespace {

const char* state_name(vendor::State state) {
  switch (state) {
    case vendor::State::idle:
      return "idle";
    case vendor::State::waiting_card:
      return "waiting_card";
    case vendor::State::face_matching:
      return "face_matching";
    case vendor::State::waiting_staff:
      return "waiting_staff";
    case vendor::State::waiting_pin:
      return "waiting_pin";
    case vendor::State::waiting_identity:
      return "waiting_identity";
    case vendor::State::asking_consents:
      return "asking_consents";
  }
  return "unknown";
}

constexpr const char* kNakNames[vendor::kNakCodes] = {
    nullptr,      "unknown_type",     "malformed",   "bad_sequence", "busy",
    "no_session", "unsupported_mode", "wrong_state", "too_long"};

}  // namespace

nlohmann::json vendor_status(const UsbDevice& device) {
  const VendorDevice& v = device.vendor();
  const VendorStats& s = v.stats();
  nlohmann::json naks = nlohmann::json::object();
  for (std::size_t code = 1; code < vendor::kNakCodes; ++code) naks[kNakNames[code]] = s.naks[code];
  nlohmann::json halted = nlohmann::json::array();
  for (const std::uint8_t ep : {kVendorBulkOut, kVendorBulkIn, kVendorInterruptIn}) {
    if (device.halted(ep)) halted.push_back(fmt::format("0x{:02x}", ep));
  }
  const auto session = v.session_id();
  const auto& screen = v.screen();
  return {
      {"state", state_name(v.state())},
      {"session", session ? nlohmann::json(*session) : nlohmann::json(nullptr)},
      {"features", v.config().features},
      {"step_delay_ms", v.script().step_delay.count()},
      {"host_listening", v.host_listening()},
      {"screen", screen ? nlohmann::json(*screen) : nlohmann::json(nullptr)},
      {"transfers_in", s.transfers_in},
      {"frames_in", s.frames_in},
      {"commands", s.commands},
      {"retransmissions", s.retransmissions},
      {"replies_out", s.replies_out},
      {"events_out", s.events_out},
      {"sessions", s.sessions},
      {"decode",
       {{"garbage_bytes", s.decode.garbage_bytes},
        {"truncated", s.decode.truncated},
        {"oversized", s.decode.oversized},
        {"bad_version", s.decode.bad_version},
        {"bad_crc", s.decode.bad_crc},
        {"unknown_type", s.unknown_type},
        {"malformed", s.malformed}}},
      {"naks", naks},
      {"dropped",
       {{"replies", s.replies_dropped},
        {"corrupted_replies", s.replies_corrupted},
        {"events", s.events_dropped},
        {"reply_overflow", s.replies_overflowed},
        {"event_overflow", s.events_overflowed}}},
      {"pending",
       {{"faces", v.script().faces.size()},
        {"staff", v.script().staff.size()},
        {"consents", v.script().consents.size()}}},
      {"faults",
       {{"drop_replies", v.faults().drop_replies},
        {"corrupt_replies", v.faults().corrupt_replies},
        {"drop_events", v.faults().drop_events},
        {"halted", halted}}},
      {"stalls", device.stats().stalls},
  };
}

}  // namespace onshi::facesim
