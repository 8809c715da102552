#include "onshi/tls/certificate.hpp"

#include <openssl/asn1.h>
#include <openssl/pem.h>

#include <fmt/format.h>

#include <ctime>
#include <fstream>
#include <sstream>

#include "ossl.hpp"

namespace onshi::tls {
namespace {

std::string name_text(const X509_NAME* name) {
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || !name) return {};
  // RFC 2253 order (most specific first), UTF-8 left as is, ", " between attributes.
  const unsigned long flags =
      (XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB & ~XN_FLAG_SEP_MASK) | XN_FLAG_SEP_CPLUS_SPC;
  if (X509_NAME_print_ex(bio.get(), name, 0, flags) < 0) return {};
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string{};
}

std::chrono::sys_seconds to_sys_seconds(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return std::chrono::sys_seconds{};
  return std::chrono::sys_seconds{std::chrono::seconds{timegm(&tm)}};
}

std::string base64(const std::uint8_t* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

}  // namespace

Certificate::Certificate(X509* owned) noexcept : x509_(owned, X509_free) {}

Result<Certificate> Certificate::from_der(ByteView der) {
  const unsigned char* p = der.data();
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (!x) return fail(Errc::cert_malformed, "not a DER certificate: " + ossl::take_error_text());
  if (p != der.data() + der.size()) {
    X509_free(x);
    return fail(Errc::cert_malformed, "trailing bytes after the DER certificate");
  }
  return Certificate(x);
}

Result<std::vector<Certificate>> Certificate::from_pem(std::string_view pem,
                                                       std::string_view source) {
  ossl::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return fail(Errc::internal, "out of memory");
  std::vector<Certificate> out;
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    out.emplace_back(x);
  }
  const unsigned long last = ERR_peek_last_error();
  const bool clean_end =
      ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
  const std::string reason = ossl::take_error_text();
  if (!clean_end && last != 0) {
    return fail(Errc::cert_malformed, fmt::format("{}: certificate {} does not parse: {}", source,
                                                  out.size() + 1, reason));
  }
  if (out.empty()) {
    return fail(Errc::cert_malformed, fmt::format("{}: contains no PEM certificate", source));
  }
  return out;
}

Result<std::vector<Certificate>> Certificate::load_pem_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::cert_not_found, fmt::format("{}: cannot be opened", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return from_pem(text.str(), path.string());
}

std::string Certificate::subject() const { return name_text(X509_get_subject_name(get())); }
std::string Certificate::issuer() const { return name_text(X509_get_issuer_name(get())); }

std::vector<std::pair<std::string, std::string>> Certificate::subject_attributes() const {
  std::vector<std::pair<std::string, std::string>> out;
  const X509_NAME* name = X509_get_subject_name(get());
  for (int i = 0; name && i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    const int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry));
    const char* short_name = nid != NID_undef ? OBJ_nid2sn(nid) : "?";
    unsigned char* utf8 = nullptr;
    const int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
    if (n < 0) continue;
    out.emplace_back(short_name,
                     std::string(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(n)));
    OPENSSL_free(utf8);
  }
  return out;
}

std::string Certificate::serial_hex() const {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(get()), nullptr);
  if (!bn) return {};
  char* text = BN_bn2hex(bn);
  std::string out = text ? text : "";
  OPENSSL_free(text);
  BN_free(bn);
  return out;
}

std::chrono::sys_seconds Certificate::not_before() const {
  return to_sys_seconds(X509_get0_notBefore(get()));
}
std::chrono::sys_seconds Certificate::not_after() const {
  return to_sys_seconds(X509_get0_notAfter(get()));
}

Sha256 Certificate::fingerprint() const {
  Sha256 out{};
  unsigned int size = 0;
  X509_digest(get(), EVP_sha256(), out.data(), &size);
  return out;
}

Sha256 Certificate::spki_sha256() const {
  Sha256 out{};
  unsigned char* der = nullptr;
  const int size = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(get()), &der);
  if (size > 0) {
    EVP_Digest(der, static_cast<std::size_t>(size), out.data(), nullptr, EVP_sha256(), nullptr);
  }
  OPENSSL_free(der);
  return out;
}

std::string Certificate::pin() const { return pin_text(spki_sha256()); }

std::string Certificate::key_description() const {
  const EVP_PKEY* key = X509_get0_pubkey(get());
  if (!key) return "unknown key";
  const int bits = EVP_PKEY_get_bits(key);
  if (EVP_PKEY_is_a(key, "RSA")) return fmt::format("RSA-{}", bits);
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) == 1) {
      const std::string_view g(group, len);
      if (g == "prime256v1") return "EC P-256";
      if (g == "secp384r1") return "EC P-384";
      return fmt::format("EC {}", g);
    }
    return fmt::format("EC-{}", bits);
  }
  return fmt::format("{}-{}", EVP_PKEY_get0_type_name(key), bits);
}

Bytes Certificate::der() const {
  unsigned char* der = nullptr;
  const int size = i2d_X509(get(), &der);
  Bytes out;
  if (size > 0) out.assign(der, der + size);
  OPENSSL_free(der);
  return out;
}

std::string Certificate::pem() const {
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), get()) != 1) return {};
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string pin_text(const Sha256& spki_sha256) {
  return "sha256//" + base64(spki_sha256.data(), spki_sha256.size());
}

std::string hex(const Sha256& digest) {
  std::string out;
  out.reserve(64);
  for (auto b : digest) out += fmt::format("{:02x}", b);
  return out;
}

}  // namespace onshi::tls
