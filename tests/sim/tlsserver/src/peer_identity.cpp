#include "peer_identity.hpp"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509_vfy.h>

#include <array>
#include <memory>

namespace onshi::sim::tlsserver {

std::string rfc2253_name(const X509_NAME* name) {
  if (name == nullptr) return {};
  const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return size > 0 && data != nullptr ? std::string(data, static_cast<std::size_t>(size))
                                     : std::string();
}

namespace {
std::vector<std::pair<std::string, std::string>> name_entries(const X509_NAME* name) {
  std::vector<std::pair<std::string, std::string>> entries;
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    const int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry));
    const char* short_name = nid == NID_undef ? "?" : OBJ_nid2sn(nid);
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
    if (length < 0) continue;
    entries.emplace_back(
        short_name, std::string(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(length)));
    OPENSSL_free(utf8);
  }
  return entries;
}
}  // namespace

PeerIdentity peer_identity(SSL* ssl) {
  PeerIdentity identity;
  const std::unique_ptr<X509, decltype(&X509_free)> cert(SSL_get1_peer_certificate(ssl),
                                                         &X509_free);
  if (!cert) return identity;
  identity.subject = rfc2253_name(X509_get_subject_name(cert.get()));
  identity.subject_entries = name_entries(X509_get_subject_name(cert.get()));
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (X509_digest(cert.get(), EVP_sha256(), digest.data(), &length) == 1) {
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
    identity.fingerprint_sha256 = std::move(hex);
  }
  return identity;
}

std::string VerifyFailure::describe() const {
  return fmt::format("{} (depth {}, subject {})", X509_verify_cert_error_string(error), depth,
                     subject.empty() ? std::string("unknown") : subject);
}

VerifyFailure verify_failure(X509_STORE_CTX* store) {
  VerifyFailure failure;
  failure.error = X509_STORE_CTX_get_error(store);
  failure.depth = X509_STORE_CTX_get_error_depth(store);
  if (X509* cert = X509_STORE_CTX_get_current_cert(store)) {
    failure.subject = rfc2253_name(X509_get_subject_name(cert));
  }
  return failure;
}

}  // namespace onshi::sim::tlsserver
