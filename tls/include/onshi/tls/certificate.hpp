// An X.509 certificate as onshi shows and checks it: names in UTF-8, times as sys_seconds, the
// SHA-256 fingerprint, and the SPKI pin in curl's form (anchors-and-conventions.md §3.4).
#pragma once

#include <openssl/types.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "onshi/bytes.hpp"
#include "onshi/result.hpp"

namespace onshi::tls {

using Sha256 = std::array<std::uint8_t, 32>;

class Certificate {
 public:
  // Takes ownership of one reference.
  explicit Certificate(X509* owned) noexcept;

  static Result<Certificate> from_der(ByteView der);
  // Every certificate of a PEM text, in order; Errc::cert_malformed when there is none or one does
  // not parse. `source` names the text in messages.
  static Result<std::vector<Certificate>> from_pem(std::string_view pem, std::string_view source);
  static Result<std::vector<Certificate>> load_pem_file(const std::filesystem::path& path);

  X509* get() const noexcept { return x509_.get(); }

  // "CN=2714206386, OU=受付1号機, O=オンシ内科クリニック, C=JP" (most specific first, UTF-8).
  std::string subject() const;
  std::string issuer() const;
  // Every subject attribute, in certificate order (C first), by short name ("CN", "O", …).
  std::vector<std::pair<std::string, std::string>> subject_attributes() const;
  std::string serial_hex() const;  // upper-case hex, colon-free
  std::chrono::sys_seconds not_before() const;
  std::chrono::sys_seconds not_after() const;
  Sha256 fingerprint() const;           // SHA-256 of the DER certificate
  Sha256 spki_sha256() const;           // SHA-256 of the DER SubjectPublicKeyInfo
  std::string pin() const;              // "sha256//<base64 spki_sha256>"
  std::string key_description() const;  // "RSA-2048", "EC P-256", …
  Bytes der() const;
  std::string pem() const;

 private:
  std::shared_ptr<X509> x509_;
};

// "sha256//" + base64, as curl --pinnedpubkey takes it.
std::string pin_text(const Sha256& spki_sha256);
std::string hex(const Sha256& digest);  // lower-case, for JSON and file names

}  // namespace onshi::tls
