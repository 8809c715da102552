#include "onshi/sim/ossl.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <algorithm>
#include <climits>
#include <limits>

namespace onshi::sim::ossl {

Error error(std::string_view what, Errc code) {
  std::string reason;
  for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) {
    if (reason.empty()) {
      char buffer[256];
      ERR_error_string_n(e, buffer, sizeof buffer);
      reason = buffer;
    }
  }
  if (reason.empty()) return Error{code, std::string(what)};
  return Error{code, fmt::format("{}: {}", what, reason)};
}

Result<X509Ptr> parse_der_certificate(ByteView der) {
  if (der.size() > static_cast<std::size_t>(std::numeric_limits<long>::max())) {
    return fail(Errc::invalid_argument, "certificate too large");
  }
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) return error("not a DER X.509 certificate", Errc::invalid_argument);
  if (p != der.data() + der.size()) {
    return fail(Errc::invalid_argument, "trailing bytes after the DER certificate");
  }
  return cert;
}

Result<Bytes> to_der(X509* cert) {
  unsigned char* out = nullptr;
  const int n = i2d_X509(cert, &out);
  if (n <= 0) return error("cannot encode the certificate");
  Bytes der(out, out + n);
  OPENSSL_free(out);
  return der;
}

Result<Bytes> certificate_to_der(ByteView pem_or_der) {
  constexpr std::string_view kPem = "-----BEGIN";
  const std::string_view head(reinterpret_cast<const char*>(pem_or_der.data()),
                              std::min(pem_or_der.size(), kPem.size()));
  if (head != kPem) {
    ONSHI_TRY(parse_der_certificate(pem_or_der));
    return Bytes(pem_or_der.begin(), pem_or_der.end());
  }
  BioPtr bio(BIO_new_mem_buf(pem_or_der.data(), static_cast<int>(pem_or_der.size())));
  if (!bio) return error("out of memory");
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return error("not a PEM certificate", Errc::invalid_argument);
  return to_der(cert.get());
}

Result<PkeyPtr> parse_pem_private_key(ByteView pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return error("out of memory");
  // An empty passphrase callback result: an encrypted key fails instead of prompting on a tty.
  auto no_passphrase = [](char*, int, int, void*) { return 0; };
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key) return error("not an unencrypted PEM private key", Errc::invalid_argument);
  return key;
}

Result<Bytes> public_key_der(EVP_PKEY* key) {
  unsigned char* out = nullptr;
  const int n = i2d_PUBKEY(key, &out);
  if (n <= 0) return error("cannot encode the public key");
  Bytes der(out, out + n);
  OPENSSL_free(out);
  return der;
}

Result<PkeyPtr> parse_public_key_der(ByteView der) {
  if (der.size() > static_cast<std::size_t>(std::numeric_limits<long>::max())) {
    return fail(Errc::invalid_argument, "public key too large");
  }
  const unsigned char* p = der.data();
  PkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!key) return error("not a DER SubjectPublicKeyInfo", Errc::invalid_argument);
  if (p != der.data() + der.size()) {
    return fail(Errc::invalid_argument, "trailing bytes after the SubjectPublicKeyInfo");
  }
  return key;
}

std::string base64_encode(ByteView bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');  // + the NUL EVP_EncodeBlock writes
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(std::max(n, 0)));
  return out;
}

std::optional<Bytes> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0 || text.size() > static_cast<std::size_t>(INT_MAX)) return std::nullopt;
  Bytes out(text.size() / 4 * 3);
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes and skips surrounding blanks: take the
  // padding off, and accept only what encodes back to the very same text.
  std::size_t size = static_cast<std::size_t>(n);
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '=' && size > 0; --i) --size;
  out.resize(size);
  if (base64_encode(out) != text) return std::nullopt;
  return out;
}

}  // namespace onshi::sim::ossl
