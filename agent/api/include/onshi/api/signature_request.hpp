// An HPKI signature (issue 11): the body of POST /v1/signatures, checked before anything is
// admitted. A doctor's or pharmacist's card (医師資格証 / 薬剤師資格証) signs a digest that the
// caller made (an e-prescription's, for example); the card never sees the document.
//
//   {"sha256":"<64 hex digits>", "reader":"FACE0001", "application":"signature",
//    "use_last_try":false, "timeout_seconds":60, "institution":"2714206386"}
//
//   sha256          required: the SHA-256 hash to sign, 64 hex digits (either case).
//   reader          a face reader's USB serial or a PC/SC reader name; absent: the only reader.
//   application     signature (default; its certificate has nonRepudiation) | authentication.
//   pin             the card's PIN typed at the caller's program, 4-16 printable ASCII
//                   characters (cards-and-readers.md §2.1, ulMinPinLen 4, ulMaxPinLen 16);
//                   absent: typed on the reader's pad. Never journaled, never logged, wiped.
//   use_last_try    true lets the PIN spend the card's last try (it locks after it).
//   timeout_seconds 10..600, absent 60: how long the card may take to be put on the reader.
//   institution     the record's institution (required when more than one is configured).
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "onshi/api/api_error.hpp"
#include "onshi/bytes.hpp"

namespace onshi::api {

enum class HpkiApplication { signature, authentication };
std::string_view hpki_application_name(HpkiApplication app) noexcept;

struct SignatureRequest {
  std::string institution;
  std::optional<std::string> reader;
  HpkiApplication application = HpkiApplication::signature;
  Bytes sha256;  // 32 bytes
  bool use_last_try = false;
  std::chrono::seconds timeout{60};
  std::shared_ptr<SecretBytes> pin;  // the caller's PIN; kept out of everything below
};

ApiResult<SignatureRequest> parse_signature_request(const nlohmann::json& body,
                                                    std::span<const std::string> institutions);
// For the Idempotency-Key and the journal: every field but the PIN ("pin_given" says whether
// one came).
std::string canonical_request(const SignatureRequest& r);
nlohmann::json journal_request_json(const SignatureRequest& r);

}  // namespace onshi::api
