#include "onshi/error.hpp"

#include <fmt/format.h>
#include <array>

namespace onshi {
namespace {

constexpr std::array kTable{
    ErrcInfo{Errc::internal, "internal", "internal error"},
    ErrcInfo{Errc::invalid_argument, "invalid_argument", "invalid argument"},
    ErrcInfo{Errc::timeout, "timeout", "the operation did not finish before its deadline"},
    ErrcInfo{Errc::cancelled, "cancelled", "the operation was cancelled"},
    ErrcInfo{Errc::busy, "busy", "the resource is still busy with an earlier call"},
    ErrcInfo{Errc::not_supported, "not_supported", "not supported"},
    ErrcInfo{Errc::io, "io", "input/output error"},
    ErrcInfo{Errc::config_not_found, "config_not_found", "configuration file not found"},
    ErrcInfo{Errc::config_syntax, "config_syntax", "configuration file is not valid TOML"},
    ErrcInfo{Errc::config_invalid, "config_invalid", "configuration value is invalid"},
    ErrcInfo{Errc::pcsc_no_service, "pcsc_no_service", "the PC/SC service (pcscd) is not running"},
    ErrcInfo{Errc::pcsc_service_mismatch, "pcsc_service_mismatch",
             "the PC/SC client library and pcscd speak different protocol versions"},
    ErrcInfo{Errc::pcsc_no_readers, "pcsc_no_readers", "no card reader is connected"},
    ErrcInfo{Errc::pcsc_unknown_reader, "pcsc_unknown_reader", "the reader is not known to pcscd"},
    ErrcInfo{Errc::pcsc_reader_unavailable, "pcsc_reader_unavailable",
             "the reader is unavailable (unplugged or failed)"},
    ErrcInfo{Errc::pcsc_access_denied, "pcsc_access_denied",
             "pcscd refused access (polkit or permissions)"},
    ErrcInfo{Errc::pcsc_sharing_violation, "pcsc_sharing_violation",
             "another program holds the card exclusively"},
    ErrcInfo{Errc::pcsc_protocol, "pcsc_protocol", "no common protocol with the card"},
    ErrcInfo{Errc::pcsc_failure, "pcsc_failure", "PC/SC call failed"},
    ErrcInfo{Errc::card_absent, "card_absent", "no card in the reader"},
    ErrcInfo{Errc::card_removed, "card_removed", "the card was removed"},
    ErrcInfo{Errc::card_reset, "card_reset",
             "the card was reset by another program: select and verify again"},
    ErrcInfo{Errc::card_unresponsive, "card_unresponsive", "the card does not answer"},
    ErrcInfo{Errc::apdu_invalid, "apdu_invalid", "the command APDU cannot be encoded"},
    ErrcInfo{Errc::apdu_malformed_response, "apdu_malformed_response",
             "the card's response is malformed"},
    ErrcInfo{Errc::card_status, "card_status", "the card answered with an error status word"},
    ErrcInfo{Errc::card_unsupported, "card_unsupported",
             "the card is not a supported card, or lacks the needed application"},
    ErrcInfo{Errc::card_data_invalid, "card_data_invalid", "data read from the card is malformed"},
    ErrcInfo{Errc::pin_format, "pin_format",
             "the PIN has the wrong format (it was not sent to the card)"},
    ErrcInfo{Errc::pin_wrong, "pin_wrong", "the PIN is wrong"},
    ErrcInfo{Errc::pin_blocked, "pin_blocked",
             "the PIN is blocked; only the municipal office can unblock it"},
    ErrcInfo{Errc::pin_last_try, "pin_last_try",
             "only one PIN try is left: refused without an explicit use-last-try flag"},
    ErrcInfo{Errc::pin_not_set, "pin_not_set",
             "the card has no PIN for this function (a PIN-less card)"},
    ErrcInfo{Errc::pin_state_unknown, "pin_state_unknown",
             "the card does not report its PIN retry counter"},
    ErrcInfo{Errc::cert_not_found, "cert_not_found",
             "no client certificate is installed for this institution"},
    ErrcInfo{Errc::cert_malformed, "cert_malformed",
             "the file is not a readable PKCS#12 or certificate"},
    ErrcInfo{Errc::cert_wrong_password, "cert_wrong_password", "the PKCS#12 password is wrong"},
    ErrcInfo{Errc::cert_legacy_encryption, "cert_legacy_encryption",
             "the PKCS#12 uses legacy encryption (RC2/3DES) that this OpenSSL cannot open"},
    ErrcInfo{Errc::cert_key_mismatch, "cert_key_mismatch",
             "the private key does not belong to the certificate"},
    ErrcInfo{Errc::cert_untrusted, "cert_untrusted",
             "the certificate does not chain to the configured certificate authority"},
    ErrcInfo{Errc::cert_expired, "cert_expired", "the certificate has expired"},
    ErrcInfo{Errc::cert_not_yet_valid, "cert_not_yet_valid", "the certificate is not valid yet"},
    ErrcInfo{Errc::cert_revoked, "cert_revoked", "the certificate has been revoked"},
    ErrcInfo{Errc::cert_wrong_institution, "cert_wrong_institution",
             "the certificate belongs to another medical institution"},
    ErrcInfo{Errc::cert_store, "cert_store", "the certificate store could not be read or written"},
    ErrcInfo{Errc::net_resolve, "net_resolve", "the host name could not be resolved"},
    ErrcInfo{Errc::net_refused, "net_refused", "the connection was refused"},
    ErrcInfo{Errc::net_unreachable, "net_unreachable", "the network or host is unreachable"},
    ErrcInfo{Errc::net_timeout, "net_timeout", "the network operation timed out"},
    ErrcInfo{Errc::net_closed, "net_closed", "the peer closed the connection"},
    ErrcInfo{Errc::proxy_refused, "proxy_refused", "the HTTP proxy refused the tunnel"},
    ErrcInfo{Errc::tls_handshake, "tls_handshake", "the TLS handshake failed"},
    ErrcInfo{Errc::tls_pin_mismatch, "tls_pin_mismatch",
             "no key of the server's verified chain matches a configured pin"},
    ErrcInfo{Errc::tls_server_cert_expired, "tls_server_cert_expired",
             "the server's certificate has expired or is not valid yet"},
    ErrcInfo{Errc::tls_server_cert_invalid, "tls_server_cert_invalid",
             "the server's certificate could not be verified"},
    ErrcInfo{Errc::tls_client_cert_rejected, "tls_client_cert_rejected",
             "the server rejected this terminal's client certificate"},
    ErrcInfo{Errc::clock_skew, "clock_skew", "this terminal's clock differs from the server's"},
    ErrcInfo{Errc::http_status, "http_status", "the server answered with an HTTP error status"},
    ErrcInfo{Errc::http_malformed, "http_malformed",
             "the server's HTTP answer could not be parsed"},
    ErrcInfo{Errc::elig_message_invalid, "elig_message_invalid",
             "an XmlMsg message is malformed or carries a value outside its code table"},
    ErrcInfo{Errc::elig_rejected, "elig_rejected",
             "the eligibility system ended the request abnormally (SegmentOfResult 9)"},
    ErrcInfo{Errc::elig_not_ready, "elig_not_ready",
             "the eligibility system is still processing the request (SegmentOfResult 2)"},
    ErrcInfo{Errc::elig_unauthorized, "elig_unauthorized",
             "the eligibility system refused the access token (missing, expired or revoked)"},
    ErrcInfo{Errc::face_reader_absent, "face_reader_absent",
             "the face reader is not connected (unplugged, or not found)"},
    ErrcInfo{Errc::face_reader_access, "face_reader_access",
             "the face reader's vendor interface cannot be opened or claimed"},
    ErrcInfo{Errc::face_reader_protocol, "face_reader_protocol",
             "the face reader sent something the vendor protocol does not allow"},
    ErrcInfo{Errc::face_reader_refused, "face_reader_refused",
             "the face reader refused the command (NAK)"},
    ErrcInfo{Errc::face_reader_unsupported, "face_reader_unsupported",
             "the face reader does not offer that feature"},
    ErrcInfo{Errc::ledger_invalid, "ledger_invalid",
             "a certificate ledger file is not a valid ledger record"},
    ErrcInfo{Errc::ledger_locked, "ledger_locked",
             "another terminal or process is writing the same ledger record"},
    ErrcInfo{Errc::ledger_conflict, "ledger_conflict",
             "the ledger record changed while it was being updated (nothing was written)"},
    ErrcInfo{Errc::ledger_transition, "ledger_transition",
             "that step is impossible in the certificate's current state"},
    ErrcInfo{Errc::api_bad_request, "api_bad_request",
             "the request is not valid HTTP/JSON for this route"},
    ErrcInfo{Errc::api_forbidden, "api_forbidden", "the caller is not allowed to use onshid's API"},
    ErrcInfo{Errc::api_not_found, "api_not_found", "no such route or resource"},
    ErrcInfo{Errc::api_method_not_allowed, "api_method_not_allowed",
             "the route does not accept this method"},
    ErrcInfo{Errc::api_too_large, "api_too_large", "the request is larger than onshid accepts"},
    ErrcInfo{Errc::idempotency_key_missing, "idempotency_key_missing",
             "a POST needs an Idempotency-Key header"},
    ErrcInfo{Errc::idempotency_conflict, "idempotency_conflict",
             "the Idempotency-Key was used before with a different request"},
    ErrcInfo{Errc::request_interrupted, "request_interrupted",
             "onshid stopped before the request finished; it was not answered"},
    ErrcInfo{Errc::journal_failed, "journal_failed",
             "the request journal could not be read or written"},
    ErrcInfo{Errc::upstream_not_configured, "upstream_not_configured",
             "no eligibility system is configured ([upstream] url)"},
    ErrcInfo{Errc::identity_not_confirmed, "identity_not_confirmed",
             "the patient's identity was not confirmed (face match, staff check or PIN)"},
    ErrcInfo{Errc::reader_not_found, "reader_not_found",
             "no card reader fits the request (see GET /v1/readers)"},
    ErrcInfo{Errc::reader_busy, "reader_busy", "another card session runs on that reader"},
    ErrcInfo{Errc::token_not_supported, "token_not_supported",
             "a smartphone's certificate has no face-reader path: use a plain reader, PIN mode"},
    ErrcInfo{Errc::pin_less_card, "pin_less_card",
             "a PIN-less card (暗証番号設定不要カード) has no PIN: face or 目視 only"},
};

constexpr bool table_is_dense() {
  for (std::size_t i = 0; i < kTable.size(); ++i) {
    if (static_cast<std::size_t>(kTable[i].code) != i) return false;
  }
  return true;
}
static_assert(table_is_dense(), "kTable must list every Errc in declaration order");
static_assert(kTable.size() == static_cast<std::size_t>(Errc::pin_less_card) + 1,
              "kTable must cover every Errc");

}  // namespace

const ErrcInfo& errc_info(Errc code) noexcept {
  const auto i = static_cast<std::size_t>(code);
  return i < kTable.size() ? kTable[i] : kTable[0];
}

std::string_view errc_name(Errc code) noexcept { return errc_info(code).name; }

std::string Error::to_string() const {
  std::string out =
      fmt::format("{}: {}", errc_name(code), message.empty() ? errc_info(code).text : message);
  if (native) out += fmt::format(" (0x{:X})", static_cast<std::uint64_t>(*native));
  if (retries_remaining)
    out +=
        fmt::format(" [{} {} left]", *retries_remaining, *retries_remaining == 1 ? "try" : "tries");
  return out;
}

}  // namespace onshi
