// The message layer of the onshi vendor protocol (driver/PROTOCOL.md §3–§6): what the host sends
// and what it makes of the device's replies and events. Payloads only: frame.hpp carries them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "onshi/bytes.hpp"
#include "onshi/driver/frame.hpp"
#include "onshi/result.hpp"

namespace onshi::driver {

// PROTOCOL.md §3.
enum class MessageType : std::uint8_t {
  get_info = 0x01,
  start_session = 0x02,
  cancel = 0x03,
  show_message = 0x04,
  reset = 0x05,
  get_status = 0x06,
  identity_result = 0x07,
  nak = 0xFF,
  card_placed = 0x41,
  card_removed = 0x42,
  face_result = 0x43,
  visual_confirmation = 0x44,
  pin_requested = 0x45,
  consent_answers = 0x46,
  operator_cancel = 0x47,
  session_ended = 0x48,
  device_error = 0x4E,
};
constexpr std::uint8_t reply_type(MessageType command) {
  return static_cast<std::uint8_t>(static_cast<std::uint8_t>(command) | 0x80);
}
std::string_view message_type_name(std::uint8_t type) noexcept;

inline constexpr std::uint8_t kProtocolVersion = 1;
inline constexpr std::size_t kMaxMessageText = 64;  // SHOW_MESSAGE (§5.4)

// §5.1 feature bits.
enum class Feature : std::uint8_t {
  face = 0,
  pin = 1,
  face_then_pin = 2,
  visual = 3,
  consent = 4,
  show_message = 5,
  card_events = 6,
};

// §5.2.
enum class SessionMode : std::uint8_t { face = 1, pin = 2, face_then_pin = 3, visual = 4 };
std::string_view session_mode_name(SessionMode mode) noexcept;
Feature feature_of(SessionMode mode) noexcept;

// §5.3: bit n of a consent set, byte n of the answers.
enum class ConsentQuestion : std::uint8_t {
  medication = 0,         // 薬剤情報
  health_checkups = 1,    // 特定健診情報
  diagnosis = 2,          // 診療情報
  operations = 3,         // 手術情報
  limit_certificate = 4,  // 限度額適用
  specific_diseases = 5,  // 特定疾病
};
inline constexpr std::size_t kConsentQuestions = 6;
std::string_view consent_question_name(ConsentQuestion q) noexcept;

enum class ConsentAnswer : std::uint8_t { not_asked = 0, agreed = 1, declined = 2, unanswered = 3 };
std::string_view consent_answer_name(ConsentAnswer a) noexcept;

class ConsentSet {
 public:
  constexpr ConsentSet() = default;
  constexpr explicit ConsentSet(std::uint8_t bits) : bits_(bits & 0x3F) {}
  constexpr ConsentSet& add(ConsentQuestion q) {
    bits_ = static_cast<std::uint8_t>(bits_ | (1u << static_cast<unsigned>(q)));
    return *this;
  }
  constexpr bool has(ConsentQuestion q) const { return (bits_ >> static_cast<unsigned>(q)) & 1u; }
  constexpr std::uint8_t bits() const { return bits_; }
  constexpr bool empty() const { return bits_ == 0; }
  static constexpr ConsentSet all() { return ConsentSet(0x3F); }

 private:
  std::uint8_t bits_ = 0;
};

// §4.3.
enum class NakCode : std::uint8_t {
  unknown_type = 1,
  malformed = 2,
  bad_sequence = 3,
  busy = 4,
  no_session = 5,
  unsupported_mode = 6,
  wrong_state = 7,
  too_long = 8,
};
std::string_view nak_name(std::uint8_t code) noexcept;

// §5.6.
enum class DeviceState : std::uint8_t {
  idle = 0,
  waiting_for_card = 1,
  face_matching = 2,
  waiting_for_staff = 3,
  waiting_for_pin = 4,
  waiting_for_identity = 5,
  asking_consents = 6,
};
std::string_view device_state_name(DeviceState s) noexcept;

// §6.5, §6.7, §6.8, §6.9.
enum class PinReason : std::uint8_t { mode = 1, face_failed = 2, patient_choice = 3 };
enum class CancelledBy : std::uint8_t { patient = 1, staff = 2 };
enum class SessionEnd : std::uint8_t {
  completed = 1,
  host_cancelled = 2,
  operator_cancelled = 3,
  timeout = 4,
  card_removed = 5,
  face_failed = 6,
  staff_rejected = 7,
  identity_failed = 8,
  reset = 9,
  device_error = 10,
};
std::string_view session_end_name(SessionEnd e) noexcept;
enum class DeviceErrorKind : std::uint8_t { camera = 1, display = 2, internal = 3 };

// --- what the device tells -------------------------------------------------------------------

struct DeviceInfo {
  std::uint8_t protocol = 0;
  std::uint32_t features = 0;
  std::string vendor;
  std::string model;
  std::string serial;
  std::string firmware;
  bool has(Feature f) const noexcept { return (features >> static_cast<unsigned>(f)) & 1u; }
};

struct DeviceStatus {
  DeviceState state = DeviceState::idle;
  bool card = false;
  std::optional<std::uint32_t> session;
};

struct Nak {
  std::uint8_t code = 0;  // a NakCode, or one a later version added
  std::optional<std::uint8_t> expected;
};

struct CardPlaced {};
struct CardRemoved {};
struct FaceResult {
  std::uint32_t session = 0;
  bool matched = false;
  std::uint16_t score = 0;
  std::uint8_t attempt = 0;
};
struct VisualConfirmation {
  std::uint32_t session = 0;
  bool confirmed = false;
};
struct PinRequested {
  std::uint32_t session = 0;
  std::uint8_t reason = 0;  // a PinReason
};
struct ConsentAnswers {
  std::uint32_t session = 0;
  std::array<ConsentAnswer, kConsentQuestions> answers{};
  ConsentAnswer answer(ConsentQuestion q) const { return answers[static_cast<std::size_t>(q)]; }
};
struct OperatorCancel {
  std::uint32_t session = 0;
  std::uint8_t by = 0;  // a CancelledBy
};
struct SessionEnded {
  std::uint32_t session = 0;
  std::uint8_t reason = 0;  // a SessionEnd
};
struct DeviceError {
  std::uint8_t kind = 0;  // a DeviceErrorKind
  std::string text;
};

using DeviceEvent =
    std::variant<CardPlaced, CardRemoved, FaceResult, VisualConfirmation, PinRequested,
                 ConsentAnswers, OperatorCancel, SessionEnded, DeviceError>;
// "face_result matched=1 score=870 attempt=1 session=7": for traces (nothing personal in it).
std::string describe(const DeviceEvent& event);

// --- what the host sends ---------------------------------------------------------------------

struct SessionRequest {
  std::uint32_t session = 0;  // never 0
  SessionMode mode = SessionMode::face;
  ConsentSet consents;
  std::uint16_t timeout_seconds = 120;
  std::uint8_t face_attempts = 3;  // 1..5
};

Bytes get_info_payload();
Bytes start_session_payload(const SessionRequest& request);
Bytes session_payload(std::uint32_t session);  // CANCEL
Bytes show_message_payload(std::string_view text, std::uint16_t seconds);
Bytes identity_result_payload(std::uint32_t session, bool ok);

// Errc::face_reader_protocol with what is wrong, for a malformed payload or a missing tag.
Result<DeviceInfo> decode_info(ByteView payload);
Result<DeviceStatus> decode_status(ByteView payload);
Result<std::uint32_t> decode_session_reply(ByteView payload);
Result<Nak> decode_nak(ByteView payload);
// An event frame; Errc::face_reader_protocol for a type that is not an event.
Result<DeviceEvent> decode_event(const Frame& frame);

}  // namespace onshi::driver
