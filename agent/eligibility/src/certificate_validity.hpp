// The client certificate is checked against the clock before every call that would connect
// (architecture.md, "Invariants": expired or not-yet-valid certificates are refused before any
// connection). The TLS handshake would fail anyway, but later, less clearly, and only after
// showing the eligibility system a certificate it must refuse.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "onshi/result.hpp"
#include "onshi/tls/certificate.hpp"

namespace onshi::eligibility::detail {

// Errc::cert_not_found without a certificate, cert_not_yet_valid before its notBefore,
// cert_expired after its notAfter (both inclusive, as RFC 5280 §4.1.2.5 and OpenSSL count), each
// naming the date in Japan time and saying that nothing was sent. The next action (apply, import,
// check the clock) is the agent's to add: it knows the certificate's ledger.
Status check_client_certificate(const std::optional<tls::Certificate>& leaf,
                                std::string_view institution, std::chrono::sys_seconds now);

}  // namespace onshi::eligibility::detail
