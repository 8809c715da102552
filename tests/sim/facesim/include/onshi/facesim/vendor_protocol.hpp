// The numbers of onshi's face-reader vendor protocol, version 1, as driver/PROTOCOL.md defines
// them (the contract; this is the device side's own transcription of it, never the driver's).
#pragma once

#include <cstddef>
#include <cstdint>

namespace onshi::facesim::vendor {

// §2: the frame.
inline constexpr std::uint8_t kMagic0 = 0x4F;  // 'O'
inline constexpr std::uint8_t kMagic1 = 0x46;  // 'F'
inline constexpr std::uint8_t kFrameVersion = 1;
inline constexpr std::size_t kHeaderSize = 8;
inline constexpr std::size_t kCrcSize = 4;
inline constexpr std::size_t kMinFrame = kHeaderSize + kCrcSize;   // 12
inline constexpr std::size_t kMaxPayload = 1012;                   // §2: 0..1012
inline constexpr std::size_t kMaxFrame = kMinFrame + kMaxPayload;  // max_frame = 1024
inline constexpr std::uint8_t kProtocolVersion = 1;                // §5.1: the only one

// §3: frame types.
enum class Type : std::uint8_t {
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
inline constexpr std::uint8_t kReplyBit = 0x80;  // §3: reply type = command type + 0x80

// §3.1: TLV tags.
enum class Tag : std::uint8_t {
  session = 0x01,
  protocol_min = 0x02,
  protocol_max = 0x03,
  protocol = 0x04,
  features = 0x05,
  vendor = 0x06,
  model = 0x07,
  serial = 0x08,
  firmware = 0x09,
  mode = 0x0A,
  consents = 0x0B,
  timeout = 0x0C,
  face_attempts = 0x0D,
  text = 0x0E,
  seconds = 0x0F,
  error = 0x10,
  expected = 0x11,
  matched = 0x12,
  score = 0x13,
  attempt = 0x14,
  confirmed = 0x15,
  reason = 0x16,
  answers = 0x17,
  state = 0x18,
  card = 0x19,
  ok = 0x1A,
};

// §4.3: NAK error codes.
enum class Nak : std::uint8_t {
  unknown_type = 1,
  malformed = 2,
  bad_sequence = 3,
  busy = 4,
  no_session = 5,
  unsupported_mode = 6,
  wrong_state = 7,
  too_long = 8,
};
inline constexpr std::size_t kNakCodes = 9;  // index 0 unused

// §5.1: feature bits.
enum class Feature : std::uint32_t {
  face = 1U << 0,
  pin = 1U << 1,
  face_then_pin = 1U << 2,
  visual_confirmation = 1U << 3,
  consents = 1U << 4,
  show_message = 1U << 5,
  card_events = 1U << 6,
};
inline constexpr std::uint32_t kAllFeatures = 0x7F;
constexpr bool has(std::uint32_t features, Feature f) {
  return (features & static_cast<std::uint32_t>(f)) != 0;
}

// §5.2: session modes.
enum class Mode : std::uint8_t { face = 1, pin = 2, face_then_pin = 3, visual_confirmation = 4 };

// §5.2 defaults and limits.
inline constexpr std::uint16_t kDefaultTimeoutSeconds = 120;
inline constexpr std::uint8_t kDefaultFaceAttempts = 3;
inline constexpr std::uint8_t kMaxFaceAttempts = 5;

// §5.3: consent questions and answers.
inline constexpr std::size_t kConsentQuestions = 6;
inline constexpr std::uint8_t kConsentMask = 0x3F;
enum class Answer : std::uint8_t { not_asked = 0, agreed = 1, declined = 2, not_answered = 3 };

// §5.4: what the screen can show.
inline constexpr std::size_t kMaxMessageBytes = 64;

// §5.6: the device's state in the STATUS reply.
enum class State : std::uint8_t {
  idle = 0,
  waiting_card = 1,
  face_matching = 2,
  waiting_staff = 3,
  waiting_pin = 4,
  waiting_identity = 5,
  asking_consents = 6,
};

// §6.5: why a PIN is wanted.
enum class PinReason : std::uint8_t { mode_is_pin = 1, face_failed = 2, patient_chose_pin = 3 };

// §6.7: who cancelled on the reader.
enum class CancelledBy : std::uint8_t { patient = 1, staff = 2 };

// §6.8: why a session ended.
enum class EndReason : std::uint8_t {
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

// §6.9: what failed on the device.
enum class DeviceError : std::uint8_t { camera = 1, display = 2, internal = 3 };

constexpr std::uint8_t raw(auto e) { return static_cast<std::uint8_t>(e); }

}  // namespace onshi::facesim::vendor
