// onshi's one error table (libfido2's err.h model): every failure that crosses a layer boundary
// carries one of these codes. The string names are part of the local API and never change.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace onshi {

enum class Errc : std::uint16_t {
  // general
  internal,
  invalid_argument,
  timeout,
  cancelled,
  busy,
  not_supported,
  io,
  // configuration
  config_not_found,
  config_syntax,
  config_invalid,
  // PC/SC service and readers (cards-and-readers.md §4.2)
  pcsc_no_service,
  pcsc_service_mismatch,
  pcsc_no_readers,
  pcsc_unknown_reader,
  pcsc_reader_unavailable,
  pcsc_access_denied,
  pcsc_sharing_violation,
  pcsc_protocol,
  pcsc_failure,
  // card presence and state
  card_absent,
  card_removed,
  card_reset,
  card_unresponsive,
  // APDU level
  apdu_invalid,
  apdu_malformed_response,
  card_status,
  // card applications and PINs (cards-and-readers.md §1.4, §1.10)
  card_unsupported,
  card_data_invalid,
  pin_format,
  pin_wrong,
  pin_blocked,
  pin_last_try,
  pin_not_set,
  pin_state_unknown,
  // the terminal's client certificate (eligibility-system.md §3.1)
  cert_not_found,
  cert_malformed,
  cert_wrong_password,
  cert_legacy_encryption,
  cert_key_mismatch,
  cert_untrusted,
  cert_expired,
  cert_not_yet_valid,
  cert_revoked,
  cert_wrong_institution,
  cert_store,
  // the network path to the eligibility system (eligibility-system.md §3.2)
  net_resolve,
  net_refused,
  net_unreachable,
  net_timeout,
  net_closed,
  proxy_refused,
  tls_handshake,
  tls_pin_mismatch,
  tls_server_cert_expired,
  tls_server_cert_invalid,
  tls_client_cert_rejected,
  clock_skew,
  http_status,
  http_malformed,
  // the eligibility system's messages (eligibility-system.md §1.4, §1.10)
  elig_message_invalid,
  elig_rejected,
  elig_not_ready,
  elig_unauthorized,
  // the face-authentication reader's vendor interface (driver/PROTOCOL.md)
  face_reader_absent,
  face_reader_access,
  face_reader_protocol,
  face_reader_refused,
  face_reader_unsupported,
  // the certificate ledger (agent/ledger: the client certificate's life, often on a share)
  ledger_invalid,
  ledger_locked,
  ledger_conflict,
  ledger_transition,
  // the local API and the journal (agent/api, agent/journal)
  api_bad_request,
  api_forbidden,
  api_not_found,
  api_method_not_allowed,
  api_too_large,
  idempotency_key_missing,
  idempotency_conflict,
  request_interrupted,
  journal_failed,
  upstream_not_configured,
  // card sessions (agent part 2)
  identity_not_confirmed,
  reader_not_found,
  reader_busy,
  token_not_supported,
  pin_less_card,
};

struct ErrcInfo {
  Errc code;
  std::string_view name;  // stable machine-readable code, e.g. "card_removed"
  std::string_view text;  // one-line human explanation
};

// The table entry for a code (never fails: every enumerator has one).
const ErrcInfo& errc_info(Errc code) noexcept;
std::string_view errc_name(Errc code) noexcept;

// An error crossing a layer boundary: a stable code, a specific message for people, and the raw
// lower-layer value where there is one (a PC/SC LONG, a status word, an errno).
struct Error {
  Errc code = Errc::internal;
  std::string message;
  std::optional<std::int64_t> native;
  std::optional<int> retries_remaining;

  Error() = default;
  Error(Errc c, std::string msg) : code(c), message(std::move(msg)) {}
  Error(Errc c, std::string msg, std::int64_t native_code)
      : code(c), message(std::move(msg)), native(native_code) {}

  // "card_removed: the card was removed during SELECT (0x80100069)"
  std::string to_string() const;
};

}  // namespace onshi
