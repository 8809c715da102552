// A verification by My Number card (architecture.md, "A verification by My Number card, end to
// end"): the body of POST /v1/verifications with "method":"mynumber", checked before anything is
// admitted.
//
//   {"method":"mynumber", "institution":"2714206386", "reader":"FACE0001", "mode":"face_then_pin",
//    "consents":["medication","limit_certificate"], "use_last_try":false, "timeout_seconds":120,
//    "raw":false}
//
//   institution     as for insurance cards (required when more than one is configured).
//   reader          a face reader's USB serial, or a PC/SC reader name (a plain reader: PIN mode
//                   only); absent: the one face reader of the institution.
//   mode            face | pin | face_then_pin | visual (目視確認 by staff); absent: face_then_pin
//                   on a face reader, pin on a plain reader.
//   consents        the questions the face reader asks: medication, health_checkups, diagnosis,
//                   operations, limit_certificate, specific_diseases (driver/PROTOCOL.md §5.3);
//                   absent: all six; [] asks none.
//   use_last_try    true lets the PIN entry spend the patient's last try (the card locks after
//                   it); absent: false, and a card with one try left is refused (pin_last_try).
//   timeout_seconds 10..600, absent 120: the session on the reader.
//   pin             a plain reader without a pad only: the PIN typed at the receipt program, 4
//                   digits (never journaled, never logged, wiped after use). Refused for a face
//                   reader: its PIN goes from the pad to the card.
//   raw             true/false: the answer also carries the raw XmlMsg.
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "onshi/api/api_error.hpp"
#include "onshi/bytes.hpp"

namespace onshi::api {

enum class CardMode { face, pin, face_then_pin, visual };
std::string_view card_mode_name(CardMode mode) noexcept;

// Bit n: PROTOCOL.md §5.3's question n.
inline constexpr std::uint8_t kAllConsents = 0x3F;
inline constexpr std::array<std::string_view, 6> kConsentNames{
    "medication", "health_checkups",   "diagnosis",
    "operations", "limit_certificate", "specific_diseases"};

struct MyNumberQuery {
  std::string institution;
  std::optional<std::string> reader;
  std::optional<CardMode> mode;
  std::uint8_t consents = kAllConsents;
  bool use_last_try = false;
  std::chrono::seconds timeout{120};
  bool include_raw = false;
  std::string date;                  // YYYYMMDD, today in Japan
  std::shared_ptr<SecretBytes> pin;  // the caller's PIN; kept out of everything below
};

ApiResult<MyNumberQuery> parse_mynumber_query(const nlohmann::json& body,
                                              std::span<const std::string> institutions,
                                              std::chrono::system_clock::time_point now);
// For the Idempotency-Key and the journal: every field but the PIN ("pin_given" says whether one
// came), so a retry with another PIN is the same request and no PIN is ever stored or hashed.
std::string canonical_request(const MyNumberQuery& q);
nlohmann::json journal_request_json(const MyNumberQuery& q);

}  // namespace onshi::api
