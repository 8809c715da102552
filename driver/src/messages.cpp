#include "onshi/driver/messages.hpp"

#include <fmt/format.h>

#include "tlv.hpp"

namespace onshi::driver {
namespace {

using tlv::Tag;

Unexpected malformed(std::string what) { return fail(Errc::face_reader_protocol, std::move(what)); }

// Device strings end up in logs, JSON answers and onshictl's terminal: keep valid UTF-8 and
// replace control characters (C0, DEL, C1) and anything that is not UTF-8 (overlongs,
// surrogates, beyond U+10FFFF) with '?' (nlohmann::json refuses invalid UTF-8, a terminal obeys
// escape sequences).
std::string printable(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size();) {
    const auto c = static_cast<unsigned char>(in[i]);
    const std::size_t n = c < 0x80                 ? 1
                          : c >= 0xC2 && c <= 0xDF ? 2
                          : (c >> 4) == 0xE        ? 3
                          : c >= 0xF0 && c <= 0xF4 ? 4
                                                   : 0;
    bool good = n != 0 && i + n <= in.size();
    std::uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; good && k < n; ++k) {
      const auto cc = static_cast<unsigned char>(in[i + k]);
      good = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (good) {
      const std::uint32_t min = n == 1 ? 0 : n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
      good = cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF) && cp >= 0x20 &&
             !(cp >= 0x7F && cp <= 0x9F);
    }
    if (!good) {
      out.push_back('?');
      ++i;
      continue;
    }
    out.append(in.substr(i, n));
    i += n;
  }
  return out;
}

template <typename T>
Result<T> require(std::optional<T> v, std::string_view message, std::string_view tag) {
  if (!v) return malformed(fmt::format("{} without its {} tag", message, tag));
  return *v;
}

}  // namespace

std::string_view message_type_name(std::uint8_t type) noexcept {
  switch (type) {
    case 0x01:
      return "get_info";
    case 0x02:
      return "start_session";
    case 0x03:
      return "cancel";
    case 0x04:
      return "show_message";
    case 0x05:
      return "reset";
    case 0x06:
      return "get_status";
    case 0x07:
      return "identity_result";
    case 0x81:
      return "info";
    case 0x82:
      return "session_started";
    case 0x83:
      return "cancelled";
    case 0x84:
      return "message_shown";
    case 0x85:
      return "reset_done";
    case 0x86:
      return "status";
    case 0x87:
      return "identity_noted";
    case 0xFF:
      return "nak";
    case 0x41:
      return "card_placed";
    case 0x42:
      return "card_removed";
    case 0x43:
      return "face_result";
    case 0x44:
      return "visual_confirmation";
    case 0x45:
      return "pin_requested";
    case 0x46:
      return "consent_answers";
    case 0x47:
      return "operator_cancel";
    case 0x48:
      return "session_ended";
    case 0x4E:
      return "device_error";
    default:
      return "unknown";
  }
}

std::string_view session_mode_name(SessionMode mode) noexcept {
  switch (mode) {
    case SessionMode::face:
      return "face";
    case SessionMode::pin:
      return "pin";
    case SessionMode::face_then_pin:
      return "face_then_pin";
    case SessionMode::visual:
      return "visual";
  }
  return "unknown";
}

Feature feature_of(SessionMode mode) noexcept {
  switch (mode) {
    case SessionMode::face:
      return Feature::face;
    case SessionMode::pin:
      return Feature::pin;
    case SessionMode::face_then_pin:
      return Feature::face_then_pin;
    case SessionMode::visual:
      return Feature::visual;
  }
  return Feature::face;
}

std::string_view consent_question_name(ConsentQuestion q) noexcept {
  switch (q) {
    case ConsentQuestion::medication:
      return "medication";
    case ConsentQuestion::health_checkups:
      return "health_checkups";
    case ConsentQuestion::diagnosis:
      return "diagnosis";
    case ConsentQuestion::operations:
      return "operations";
    case ConsentQuestion::limit_certificate:
      return "limit_certificate";
    case ConsentQuestion::specific_diseases:
      return "specific_diseases";
  }
  return "unknown";
}

std::string_view consent_answer_name(ConsentAnswer a) noexcept {
  switch (a) {
    case ConsentAnswer::not_asked:
      return "not_asked";
    case ConsentAnswer::agreed:
      return "agreed";
    case ConsentAnswer::declined:
      return "declined";
    case ConsentAnswer::unanswered:
      return "unanswered";
  }
  return "unknown";
}

std::string_view nak_name(std::uint8_t code) noexcept {
  switch (code) {
    case 1:
      return "unknown_type";
    case 2:
      return "malformed";
    case 3:
      return "bad_sequence";
    case 4:
      return "busy";
    case 5:
      return "no_session";
    case 6:
      return "unsupported_mode";
    case 7:
      return "wrong_state";
    case 8:
      return "too_long";
    default:
      return "unknown";
  }
}

std::string_view device_state_name(DeviceState s) noexcept {
  switch (s) {
    case DeviceState::idle:
      return "idle";
    case DeviceState::waiting_for_card:
      return "waiting_for_card";
    case DeviceState::face_matching:
      return "face_matching";
    case DeviceState::waiting_for_staff:
      return "waiting_for_staff";
    case DeviceState::waiting_for_pin:
      return "waiting_for_pin";
    case DeviceState::waiting_for_identity:
      return "waiting_for_identity";
    case DeviceState::asking_consents:
      return "asking_consents";
  }
  return "unknown";
}

std::string_view session_end_name(SessionEnd e) noexcept {
  switch (e) {
    case SessionEnd::completed:
      return "completed";
    case SessionEnd::host_cancelled:
      return "host_cancelled";
    case SessionEnd::operator_cancelled:
      return "operator_cancelled";
    case SessionEnd::timeout:
      return "timeout";
    case SessionEnd::card_removed:
      return "card_removed";
    case SessionEnd::face_failed:
      return "face_failed";
    case SessionEnd::staff_rejected:
      return "staff_rejected";
    case SessionEnd::identity_failed:
      return "identity_failed";
    case SessionEnd::reset:
      return "reset";
    case SessionEnd::device_error:
      return "device_error";
  }
  return "unknown";
}

std::string describe(const DeviceEvent& event) {
  struct Visitor {
    std::string operator()(const CardPlaced&) const { return "card_placed"; }
    std::string operator()(const CardRemoved&) const { return "card_removed"; }
    std::string operator()(const FaceResult& e) const {
      return fmt::format("face_result session={} matched={} score={} attempt={}", e.session,
                         e.matched ? 1 : 0, e.score, e.attempt);
    }
    std::string operator()(const VisualConfirmation& e) const {
      return fmt::format("visual_confirmation session={} confirmed={}", e.session,
                         e.confirmed ? 1 : 0);
    }
    std::string operator()(const PinRequested& e) const {
      return fmt::format("pin_requested session={} reason={}", e.session, e.reason);
    }
    std::string operator()(const ConsentAnswers& e) const {
      std::string out = fmt::format("consent_answers session={}", e.session);
      for (std::size_t i = 0; i < kConsentQuestions; ++i) {
        out += fmt::format(" {}={}", consent_question_name(static_cast<ConsentQuestion>(i)),
                           consent_answer_name(e.answers[i]));
      }
      return out;
    }
    std::string operator()(const OperatorCancel& e) const {
      return fmt::format("operator_cancel session={} by={}", e.session,
                         e.by == 1   ? "patient"
                         : e.by == 2 ? "staff"
                                     : "unknown");
    }
    std::string operator()(const SessionEnded& e) const {
      return fmt::format("session_ended session={} reason={}", e.session,
                         session_end_name(static_cast<SessionEnd>(e.reason)));
    }
    std::string operator()(const DeviceError& e) const {
      return fmt::format("device_error kind={} text=\"{}\"", e.kind, e.text);
    }
  };
  return std::visit(Visitor{}, event);
}

Bytes get_info_payload() {
  return tlv::Writer{}
      .u8(Tag::protocol_min, kProtocolVersion)
      .u8(Tag::protocol_max, kProtocolVersion)
      .take();
}

Bytes start_session_payload(const SessionRequest& r) {
  tlv::Writer w;
  w.u32(Tag::session, r.session).u8(Tag::mode, static_cast<std::uint8_t>(r.mode));
  if (!r.consents.empty()) w.u8(Tag::consents, r.consents.bits());
  return w.u16(Tag::timeout, r.timeout_seconds).u8(Tag::face_attempts, r.face_attempts).take();
}

Bytes session_payload(std::uint32_t session) {
  return tlv::Writer{}.u32(Tag::session, session).take();
}

Bytes show_message_payload(std::string_view text, std::uint16_t seconds) {
  return tlv::Writer{}.str(Tag::text, text).u16(Tag::seconds, seconds).take();
}

Bytes identity_result_payload(std::uint32_t session, bool ok) {
  return tlv::Writer{}.u32(Tag::session, session).u8(Tag::ok, ok ? 1 : 0).take();
}

Result<DeviceInfo> decode_info(ByteView payload) {
  ONSHI_TRY_ASSIGN(auto r, tlv::Reader::parse(payload));
  DeviceInfo info;
  ONSHI_TRY_ASSIGN(info.protocol, require(r.u8(Tag::protocol), "INFO", "protocol"));
  ONSHI_TRY_ASSIGN(info.features, require(r.u32(Tag::features), "INFO", "features"));
  ONSHI_TRY_ASSIGN(auto serial, require(r.str(Tag::serial), "INFO", "serial"));
  info.serial = printable(serial);
  info.vendor = printable(r.str(Tag::vendor).value_or(""));
  info.model = printable(r.str(Tag::model).value_or(""));
  info.firmware = printable(r.str(Tag::firmware).value_or(""));
  if (info.protocol != kProtocolVersion) {
    return fail(Errc::face_reader_unsupported,
                fmt::format("the reader chose protocol version {}; onshi speaks {}", info.protocol,
                            kProtocolVersion));
  }
  return info;
}

Result<DeviceStatus> decode_status(ByteView payload) {
  ONSHI_TRY_ASSIGN(auto r, tlv::Reader::parse(payload));
  DeviceStatus s;
  ONSHI_TRY_ASSIGN(auto state, require(r.u8(Tag::state), "STATUS", "state"));
  if (state > static_cast<std::uint8_t>(DeviceState::asking_consents))
    return malformed(fmt::format("STATUS with unknown state {}", state));
  s.state = static_cast<DeviceState>(state);
  s.card = r.u8(Tag::card).value_or(0) == 1;
  s.session = r.u32(Tag::session);
  return s;
}

Result<std::uint32_t> decode_session_reply(ByteView payload) {
  ONSHI_TRY_ASSIGN(auto r, tlv::Reader::parse(payload));
  return require(r.u32(Tag::session), "reply", "session");
}

Result<Nak> decode_nak(ByteView payload) {
  ONSHI_TRY_ASSIGN(auto r, tlv::Reader::parse(payload));
  Nak n;
  ONSHI_TRY_ASSIGN(n.code, require(r.u8(Tag::error), "NAK", "error"));
  n.expected = r.u8(Tag::expected);
  if (n.code == static_cast<std::uint8_t>(NakCode::bad_sequence) && !n.expected)
    return malformed("NAK bad_sequence without its expected tag");
  return n;
}

Result<DeviceEvent> decode_event(const Frame& frame) {
  ONSHI_TRY_ASSIGN(auto r, tlv::Reader::parse(frame.payload));
  const auto session = [&]() { return require(r.u32(Tag::session), "event", "session"); };
  const auto flag = [&](Tag tag) -> Result<bool> {
    ONSHI_TRY_ASSIGN(auto v, require(r.u8(tag), "event", "flag"));
    if (v > 1) return malformed(fmt::format("event flag 0x{:02X} is {}, not 0 or 1", +tag, v));
    return v == 1;
  };
  switch (static_cast<MessageType>(frame.type)) {
    case MessageType::card_placed:
      return DeviceEvent{CardPlaced{}};
    case MessageType::card_removed:
      return DeviceEvent{CardRemoved{}};
    case MessageType::face_result: {
      FaceResult e;
      ONSHI_TRY_ASSIGN(e.session, session());
      ONSHI_TRY_ASSIGN(e.matched, flag(Tag::matched));
      e.score = r.u16(Tag::score).value_or(0);
      if (e.score > 1000) return malformed(fmt::format("FACE_RESULT score {} > 1000", e.score));
      e.attempt = r.u8(Tag::attempt).value_or(0);
      return DeviceEvent{e};
    }
    case MessageType::visual_confirmation: {
      VisualConfirmation e;
      ONSHI_TRY_ASSIGN(e.session, session());
      ONSHI_TRY_ASSIGN(e.confirmed, flag(Tag::confirmed));
      return DeviceEvent{e};
    }
    case MessageType::pin_requested: {
      PinRequested e;
      ONSHI_TRY_ASSIGN(e.session, session());
      e.reason = r.u8(Tag::reason).value_or(0);
      return DeviceEvent{e};
    }
    case MessageType::consent_answers: {
      ConsentAnswers e;
      ONSHI_TRY_ASSIGN(e.session, session());
      ONSHI_TRY_ASSIGN(auto raw, require(r.raw(Tag::answers), "CONSENT_ANSWERS", "answers"));
      for (std::size_t i = 0; i < kConsentQuestions; ++i) {
        if (raw[i] > 3) return malformed(fmt::format("consent answer {} is {}", i, raw[i]));
        e.answers[i] = static_cast<ConsentAnswer>(raw[i]);
      }
      return DeviceEvent{e};
    }
    case MessageType::operator_cancel: {
      OperatorCancel e;
      ONSHI_TRY_ASSIGN(e.session, session());
      e.by = r.u8(Tag::reason).value_or(0);
      return DeviceEvent{e};
    }
    case MessageType::session_ended: {
      SessionEnded e;
      ONSHI_TRY_ASSIGN(e.session, session());
      ONSHI_TRY_ASSIGN(e.reason, require(r.u8(Tag::reason), "SESSION_ENDED", "reason"));
      return DeviceEvent{e};
    }
    case MessageType::device_error: {
      DeviceError e;
      e.kind = r.u8(Tag::error).value_or(0);
      e.text = printable(r.str(Tag::text).value_or(""));
      return DeviceEvent{e};
    }
    default:
      return malformed(fmt::format("type 0x{:02X} ({}) is not an event", frame.type,
                                   message_type_name(frame.type)));
  }
}

}  // namespace onshi::driver
