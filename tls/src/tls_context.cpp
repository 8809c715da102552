#include "tls_context.hpp"

#include <fmt/format.h>

#include "ossl.hpp"

namespace onshi::tls::detail {

Result<std::shared_ptr<TlsContext>> make_tls_context(const ClientOptions& options,
                                                     const std::optional<ClientIdentity>& identity,
                                                     std::vector<Sha256> pins,
                                                     std::uint64_t generation) {
  ossl::SslCtx ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return fail(Errc::internal, "SSL_CTX_new: " + ossl::take_error_text());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx.get(), TLS1_3_VERSION);
  if (SSL_CTX_set_cipher_list(ctx.get(), kTls12Ciphers) != 1) {
    return fail(Errc::internal, "cipher list: " + ossl::take_error_text());
  }
  // No renegotiation, no compression; sessions are cached by the client itself, and only after the
  // pin check passed (https_client.cpp), never by OpenSSL's internal cache.
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_session_cache_mode(ctx.get(),
                                 SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (options.server_ca_file) {
    if (SSL_CTX_load_verify_locations(ctx.get(), options.server_ca_file->c_str(), nullptr) != 1) {
      return fail(Errc::cert_malformed,
                  fmt::format("{}: cannot load the server CA certificates: {}",
                              options.server_ca_file->string(), ossl::take_error_text()));
    }
  } else if (SSL_CTX_set_default_verify_paths(ctx.get()) != 1) {
    return fail(Errc::internal, "the system trust store: " + ossl::take_error_text());
  }
  if (identity) {
    if (SSL_CTX_use_certificate(ctx.get(), identity->leaf.get()) != 1 ||
        SSL_CTX_use_PrivateKey(ctx.get(), identity->key.get()) != 1 ||
        SSL_CTX_check_private_key(ctx.get()) != 1) {
      return fail(Errc::cert_key_mismatch,
                  "the client certificate and key do not fit together: " + ossl::take_error_text());
    }
    for (const auto& c : identity->chain) {
      if (SSL_CTX_add1_chain_cert(ctx.get(), c.get()) != 1) {
        return fail(Errc::internal, "chain certificate: " + ossl::take_error_text());
      }
    }
  }
  auto out = std::make_shared<TlsContext>(ctx.release());
  out->pins = std::move(pins);
  out->generation = generation;
  out->has_identity = identity.has_value();
  return out;
}

}  // namespace onshi::tls::detail
