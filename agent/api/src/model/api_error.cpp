#include "onshi/api/api_error.hpp"

namespace onshi::api {

// The HTTP status of each error code. A 4xx says "the request (or the state it asks about) must
// change before asking again"; a 5xx says "onshid or what stands behind it failed; the same
// request may work later". The switch has no default, so a new Errc does not compile (-Werror
// -Wswitch) until it is placed here.
//
//   400 Bad Request      the caller's request: invalid_argument, api_bad_request,
//                        idempotency_key_missing, pin_format (the PIN never reached the card)
//   403 Forbidden        api_forbidden
//   404 Not Found        api_not_found, pcsc_unknown_reader (the caller named a reader that
//                        pcscd does not know), reader_not_found (no reader fits a card session)
//   405                  api_method_not_allowed
//   409 Conflict         the request is fine but the state of a card, a ledger record or an
//                        earlier request stands in its way; change that state and ask again:
//                        idempotency_conflict, cancelled (someone cancelled it: the answer is
//                        final), card_absent, card_removed, card_reset, pcsc_sharing_violation,
//                        pin_last_try (refused without the explicit use-last-try flag),
//                        reader_busy (another card session holds the reader), ledger_locked,
//                        ledger_conflict, ledger_transition
//   413                  api_too_large
//   422 Unprocessable    the patient's card cannot do it, asking again will not help:
//                        card_unsupported, card_data_invalid, card_status, pcsc_protocol,
//                        pin_wrong, pin_blocked, pin_not_set, pin_state_unknown,
//                        identity_not_confirmed, token_not_supported, pin_less_card
//   500 Internal         onshid itself: internal, io, config_*, pcsc_service_mismatch,
//                        pcsc_access_denied, pcsc_failure, apdu_invalid, ledger_invalid,
//                        journal_failed, request_interrupted (the first attempt died with the
//                        agent; ask again with a new Idempotency-Key)
//   501 Not Implemented  not_supported, face_reader_unsupported
//   502 Bad Gateway      what stands behind onshid answered wrongly or refused: the network path
//                        (net_resolve, net_refused, net_unreachable, net_closed, proxy_refused),
//                        TLS (tls_*), HTTP (http_status, http_malformed), the eligibility system
//                        (elig_message_invalid, elig_rejected, elig_unauthorized), the card's or
//                        the face reader's protocol (apdu_malformed_response,
//                        face_reader_protocol, face_reader_refused)
//   503 Unavailable      a local prerequisite is missing or busy; a technician (or time) fixes it
//                        and the same request then works: cert_* (the terminal's client
//                        certificate), clock_skew, upstream_not_configured, pcsc_no_service,
//                        pcsc_no_readers, pcsc_reader_unavailable, face_reader_absent,
//                        face_reader_access, busy (the reader serves another verification),
//                        elig_not_ready (一括 still 処理中)
//   504 Gateway Timeout  timeout, net_timeout, card_unresponsive
int http_status_for(Errc code) noexcept {
  switch (code) {
    case Errc::invalid_argument:
    case Errc::api_bad_request:
    case Errc::idempotency_key_missing:
    case Errc::pin_format:
      return 400;
    case Errc::api_forbidden:
      return 403;
    case Errc::api_not_found:
    case Errc::pcsc_unknown_reader:
    case Errc::reader_not_found:
      return 404;
    case Errc::api_method_not_allowed:
      return 405;
    case Errc::idempotency_conflict:
    case Errc::cancelled:
    case Errc::card_absent:
    case Errc::card_removed:
    case Errc::card_reset:
    case Errc::pcsc_sharing_violation:
    case Errc::pin_last_try:
    case Errc::reader_busy:
    case Errc::ledger_locked:
    case Errc::ledger_conflict:
    case Errc::ledger_transition:
      return 409;
    case Errc::api_too_large:
      return 413;
    case Errc::card_unsupported:
    case Errc::card_data_invalid:
    case Errc::card_status:
    case Errc::pcsc_protocol:
    case Errc::pin_wrong:
    case Errc::pin_blocked:
    case Errc::pin_not_set:
    case Errc::pin_state_unknown:
    case Errc::identity_not_confirmed:
    case Errc::token_not_supported:
    case Errc::pin_less_card:
      return 422;
    case Errc::internal:
    case Errc::io:
    case Errc::config_not_found:
    case Errc::config_syntax:
    case Errc::config_invalid:
    case Errc::pcsc_service_mismatch:
    case Errc::pcsc_access_denied:
    case Errc::pcsc_failure:
    case Errc::apdu_invalid:
    case Errc::ledger_invalid:
    case Errc::journal_failed:
    case Errc::request_interrupted:
      return 500;
    case Errc::not_supported:
    case Errc::face_reader_unsupported:
      return 501;
    case Errc::net_resolve:
    case Errc::net_refused:
    case Errc::net_unreachable:
    case Errc::net_closed:
    case Errc::proxy_refused:
    case Errc::tls_handshake:
    case Errc::tls_pin_mismatch:
    case Errc::tls_server_cert_expired:
    case Errc::tls_server_cert_invalid:
    case Errc::tls_client_cert_rejected:
    case Errc::http_status:
    case Errc::http_malformed:
    case Errc::elig_message_invalid:
    case Errc::elig_rejected:
    case Errc::elig_unauthorized:
    case Errc::apdu_malformed_response:
    case Errc::face_reader_protocol:
    case Errc::face_reader_refused:
      return 502;
    case Errc::cert_not_found:
    case Errc::cert_malformed:
    case Errc::cert_wrong_password:
    case Errc::cert_legacy_encryption:
    case Errc::cert_key_mismatch:
    case Errc::cert_untrusted:
    case Errc::cert_expired:
    case Errc::cert_not_yet_valid:
    case Errc::cert_revoked:
    case Errc::cert_wrong_institution:
    case Errc::cert_store:
    case Errc::clock_skew:
    case Errc::upstream_not_configured:
    case Errc::pcsc_no_service:
    case Errc::pcsc_no_readers:
    case Errc::pcsc_reader_unavailable:
    case Errc::face_reader_absent:
    case Errc::face_reader_access:
    case Errc::busy:
    case Errc::elig_not_ready:
      return 503;
    case Errc::timeout:
    case Errc::net_timeout:
    case Errc::card_unresponsive:
      return 504;
  }
  return 500;  // a value outside the enumeration (a cast): onshid's fault
}

ApiError make_api_error(Errc code, std::string message, std::optional<std::string> field) {
  ApiError e;
  e.http_status = http_status_for(code);
  e.code = std::string(errc_name(code));
  e.message = message.empty() ? std::string(errc_info(code).text) : std::move(message);
  e.field = std::move(field);
  return e;
}

ApiError to_api_error(const Error& e, std::optional<std::string> field) {
  ApiError a = make_api_error(e.code, e.message, std::move(field));
  a.retries_remaining = e.retries_remaining;
  return a;
}

nlohmann::json to_json(const ApiError& e) {
  nlohmann::json inner = nlohmann::json::object();
  inner["code"] = e.code;
  inner["message"] = e.message;
  if (e.retries_remaining) inner["retries_remaining"] = *e.retries_remaining;
  if (e.field) inner["field"] = *e.field;
  if (e.details.is_object() ? !e.details.empty() : !e.details.is_null()) {
    inner["details"] = e.details;
  }
  return nlohmann::json{{"error", std::move(inner)}};
}

}  // namespace onshi::api
