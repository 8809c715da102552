// What the TLS test server reports about a connection's client certificate: in /echo, and in the
// log line of each handshake, including why the verifier rejected one.
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace onshi::sim::tlsserver {

struct PeerIdentity {
  std::optional<std::string> subject;             // RFC 2253, e.g. "CN=client,O=onshi"
  std::optional<std::string> fingerprint_sha256;  // lowercase hex of SHA-256 over the DER
  // The subject's attributes in certificate order, short name and UTF-8 value ("CN",
  // "2714206386"), unescaped (RFC 2253 escapes non-ASCII).
  std::vector<std::pair<std::string, std::string>> subject_entries;
};

// The client certificate of an established connection (also after resumption); empty when the
// client sent none.
PeerIdentity peer_identity(SSL* ssl);

std::string rfc2253_name(const X509_NAME* name);

// The first certificate the verifier rejected on a connection.
struct VerifyFailure {
  int error = X509_V_OK;
  int depth = 0;
  std::string subject;

  // "certificate has expired (depth 0, subject CN=client)": OpenSSL's own reason first.
  std::string describe() const;
};

// From inside a verify callback that got preverify_ok == 0.
VerifyFailure verify_failure(X509_STORE_CTX* store);

}  // namespace onshi::sim::tlsserver
