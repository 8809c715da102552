#include "onshi/pcsc/certificate_info.hpp"

#include "ossl_ptr.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/x509.h>

#include <memory>

namespace onshi::pcsc {
namespace {

std::string name_text(const X509_NAME* name) {
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  if (!bio) return {};
  // RFC 2253 order, UTF-8 kept as UTF-8 (Japanese names must stay readable).
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

Result<std::chrono::sys_seconds> to_time(const ASN1_TIME* t, std::string_view what) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    return fail(Errc::card_data_invalid, fmt::format("certificate {} time is invalid", what));
  }
  const auto day = std::chrono::year{tm.tm_year + 1900} / (tm.tm_mon + 1) / tm.tm_mday;
  return std::chrono::sys_days{day} + std::chrono::hours{tm.tm_hour} +
         std::chrono::minutes{tm.tm_min} + std::chrono::seconds{tm.tm_sec};
}

}  // namespace

std::string iso8601_utc(std::chrono::sys_seconds t) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", t);
}

Result<CertificateInfo> certificate_info(ByteView der) {
  const unsigned char* p = der.data();
  ossl::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) return fail(Errc::card_data_invalid, "the certificate is not valid DER X.509");
  if (p != der.data() + der.size()) {
    return fail(Errc::card_data_invalid, "bytes follow the certificate");
  }
  CertificateInfo info;
  info.subject = name_text(X509_get_subject_name(cert.get()));
  info.issuer = name_text(X509_get_issuer_name(cert.get()));
  if (BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr)) {
    if (char* hex = BN_bn2hex(serial)) {
      info.serial_hex = hex;
      OPENSSL_free(hex);
    }
    BN_free(serial);
  }
  ONSHI_TRY_ASSIGN(info.not_before, to_time(X509_get0_notBefore(cert.get()), "notBefore"));
  ONSHI_TRY_ASSIGN(info.not_after, to_time(X509_get0_notAfter(cert.get()), "notAfter"));
  info.sha256_hex = to_hex(hash(HashAlgorithm::sha256, der));
  for (auto& c : info.sha256_hex)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  ONSHI_TRY_ASSIGN(info.key, certificate_key(der));
  return info;
}

}  // namespace onshi::pcsc
