// onshictl's exit codes, the same for every command (README "onshictl").
#pragma once

#include "onshi/error.hpp"

namespace onshi::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;      // CLI11's own
inline constexpr int kExitNoService = 3;  // pcscd is not running
inline constexpr int kExitPin = 4;        // PIN wrong, blocked, refused (last try), or malformed
inline constexpr int kExitNoCard = 5;     // no card, or not a card this command can use
// The terminal's client certificate: refused at import (wrong password, legacy encryption
// unavailable, not this CA, dates, revoked, another institution, …), missing, or not usable.
inline constexpr int kExitCertificate = 6;
// The network path to the eligibility system: name resolution, TCP, proxy, TLS, pins, clock skew,
// HTTP.
inline constexpr int kExitNetwork = 7;

// The exit codes, for `onshictl --help` (README "onshictl" says the same).
inline constexpr const char* kExitCodesHelp =
    "Exit codes: 0 done, 1 failed, 2 usage, 3 pcscd not running, 4 PIN wrong, blocked, refused or\n"
    "malformed, 5 no card or not a usable card, 6 client certificate refused, missing or not\n"
    "usable, 7 network path or TLS failed (name, connect, proxy, handshake, pins, clock, HTTP).";

inline int exit_code_for(Errc code) {
  switch (code) {
    case Errc::pcsc_no_service:
      return kExitNoService;
    case Errc::pin_format:
    case Errc::pin_wrong:
    case Errc::pin_blocked:
    case Errc::pin_last_try:
    case Errc::pin_not_set:
    case Errc::pin_state_unknown:
      return kExitPin;
    case Errc::card_absent:
    case Errc::card_removed:
    case Errc::card_unsupported:
    case Errc::pcsc_no_readers:
      return kExitNoCard;
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
      return kExitCertificate;
    case Errc::net_resolve:
    case Errc::net_refused:
    case Errc::net_unreachable:
    case Errc::net_timeout:
    case Errc::net_closed:
    case Errc::proxy_refused:
    case Errc::tls_handshake:
    case Errc::tls_pin_mismatch:
    case Errc::tls_server_cert_expired:
    case Errc::tls_server_cert_invalid:
    case Errc::tls_client_cert_rejected:
    case Errc::clock_skew:
    case Errc::http_status:
    case Errc::http_malformed:
      return kExitNetwork;
    default:
      return kExitFailure;
  }
}

}  // namespace onshi::ctl
