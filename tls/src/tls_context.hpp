// The SSL_CTX of one generation of (identity, pins, options). Connections hold it by shared_ptr,
// so a request that started before a rotation finishes with the context it started with.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "onshi/result.hpp"
#include "onshi/tls/client_identity.hpp"
#include "onshi/tls/https_client.hpp"

namespace onshi::tls::detail {

// TLS 1.2 suites: forward-secret AEAD only (Mozilla "intermediate" without DHE). TLS 1.3 keeps
// OpenSSL's default suites, all of which are AEAD.
inline constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

struct TlsContext {
  boost::asio::ssl::context ssl;
  std::vector<Sha256> pins;
  std::uint64_t generation = 0;
  bool has_identity = false;

  explicit TlsContext(SSL_CTX* owned) : ssl(owned) {}
};

Result<std::shared_ptr<TlsContext>> make_tls_context(const ClientOptions& options,
                                                     const std::optional<ClientIdentity>& identity,
                                                     std::vector<Sha256> pins,
                                                     std::uint64_t generation);

}  // namespace onshi::tls::detail
