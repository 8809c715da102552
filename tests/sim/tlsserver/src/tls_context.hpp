// The TLS test server's one SSL_CTX, built from its command-line options.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <filesystem>
#include <optional>
#include <string_view>

#include "onshi/result.hpp"

namespace onshi::sim::tlsserver {

enum class TlsVersion { tls1_2, tls1_3 };

// "1.2" or "1.3".
Result<TlsVersion> parse_tls_version(std::string_view text);

struct TlsOptions {
  std::filesystem::path cert;                      // PEM: the leaf (and any certificates after it)
  std::filesystem::path key;                       // PEM, unencrypted
  std::optional<std::filesystem::path> chain;      // PEM: sent after the leaf, verbatim
  std::optional<std::filesystem::path> client_ca;  // require and verify a client certificate
  std::optional<std::filesystem::path> crl;        // PEM CRLs for the client chain
  TlsVersion min = TlsVersion::tls1_2;
  TlsVersion max = TlsVersion::tls1_3;
  // Off means no resumption at all: no tickets (TLS 1.2 or 1.3) and no session-ID cache.
  bool session_tickets = true;
};

// Fails with the file and OpenSSL's reason for an unreadable certificate, key, CA file or CRL,
// a key that does not match the certificate, or a version range with min above max.
Result<boost::asio::ssl::context> make_server_context(const TlsOptions& options);

}  // namespace onshi::sim::tlsserver
