#include "tls_context.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <array>
#include <memory>
#include <string>

namespace onshi::sim::tlsserver {
namespace ssl = boost::asio::ssl;

namespace {

// Every error OpenSSL queued, oldest first, then the queue is empty.
std::string openssl_errors() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    std::array<char, 256> buffer{};
    ERR_error_string_n(code, buffer.data(), buffer.size());
    if (!text.empty()) text += "; ";
    text += buffer.data();
  }
  return text.empty() ? std::string("unknown OpenSSL error") : text;
}

Error file_error(std::string_view option, const std::filesystem::path& file) {
  return Error(Errc::invalid_argument,
               fmt::format("{} {}: {}", option, file.string(), openssl_errors()));
}

int protocol_version(TlsVersion version) {
  return version == TlsVersion::tls1_2 ? TLS1_2_VERSION : TLS1_3_VERSION;
}

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

// SSL_CTX_add1_chain_cert keeps the order and content exactly as given, which is what tests of a
// client's chain handling need (an unrelated extra certificate, a reversed chain).
Status add_chain(SSL_CTX* ctx, const std::filesystem::path& file) {
  BioPtr bio(BIO_new_file(file.c_str(), "r"), &BIO_free);
  if (!bio) return fail(file_error("--chain", file));
  int added = 0;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    const int ok = SSL_CTX_add1_chain_cert(ctx, cert);
    X509_free(cert);
    if (ok != 1) return fail(file_error("--chain", file));
    ++added;
  }
  ERR_clear_error();  // the loop ends on "no start line"
  if (added == 0) {
    return fail(Errc::invalid_argument,
                fmt::format("--chain {}: no PEM certificate in it", file.string()));
  }
  return {};
}

Status require_client_certificates(SSL_CTX* ctx, const TlsOptions& options) {
  const auto& ca = *options.client_ca;
  if (SSL_CTX_load_verify_locations(ctx, ca.c_str(), nullptr) != 1) {
    return fail(file_error("--client-ca", ca));
  }
  // The CertificateRequest names the acceptable CAs, as the eligibility system's front end does.
  if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca.c_str())) {
    SSL_CTX_set_client_CA_list(ctx, names);
  }
  ERR_clear_error();
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  if (!options.crl) return {};

  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  X509_LOOKUP* lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file());
  if (lookup == nullptr ||
      X509_load_crl_file(lookup, options.crl->c_str(), X509_FILETYPE_PEM) <= 0) {
    return fail(file_error("--crl", *options.crl));
  }
  X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  return {};
}

void configure_resumption(SSL_CTX* ctx, bool enabled) {
  // Needed for any resumption once client certificates are verified (OpenSSL refuses to resume
  // a session whose id context does not match).
  static constexpr unsigned char kContext[] = "onshi-tls-testserver";
  SSL_CTX_set_session_id_context(ctx, kContext, sizeof kContext - 1);
  if (enabled) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    return;
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  SSL_CTX_set_num_tickets(ctx, 0);  // TLS 1.3 would otherwise fall back to stateful tickets
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
}

}  // namespace

Result<TlsVersion> parse_tls_version(std::string_view text) {
  if (text == "1.2") return TlsVersion::tls1_2;
  if (text == "1.3") return TlsVersion::tls1_3;
  return fail(Errc::invalid_argument, fmt::format("TLS version \"{}\": use 1.2 or 1.3", text));
}

Result<ssl::context> make_server_context(const TlsOptions& options) {
  if (options.min > options.max) {
    return fail(Errc::invalid_argument, "--tls-min is above --tls-max");
  }
  if (options.crl && !options.client_ca) {
    return fail(Errc::invalid_argument, "--crl needs --client-ca");
  }
  ERR_clear_error();
  ssl::context context(ssl::context::tls_server);
  SSL_CTX* ctx = context.native_handle();
  SSL_CTX_set_min_proto_version(ctx, protocol_version(options.min));
  SSL_CTX_set_max_proto_version(ctx, protocol_version(options.max));
  // Send exactly --cert and --chain: never complete the chain from the client-CA store.
  SSL_CTX_set_mode(ctx, SSL_MODE_NO_AUTO_CHAIN);

  if (SSL_CTX_use_certificate_chain_file(ctx, options.cert.c_str()) != 1) {
    return fail(file_error("--cert", options.cert));
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, options.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    return fail(file_error("--key", options.key));
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return fail(Errc::invalid_argument,
                fmt::format("--key {} does not match --cert {}: {}", options.key.string(),
                            options.cert.string(), openssl_errors()));
  }
  if (options.chain) ONSHI_TRY(add_chain(ctx, *options.chain));
  if (options.client_ca) ONSHI_TRY(require_client_certificates(ctx, options));
  configure_resumption(ctx, options.session_tickets);
  return context;
}

}  // namespace onshi::sim::tlsserver
