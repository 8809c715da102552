// What a technician or the receipt software sees of a card certificate: subject, issuer, serial,
// validity and fingerprint. Parsed with OpenSSL from untrusted card bytes.
#pragma once

#include <chrono>
#include <string>

#include "onshi/bytes.hpp"
#include "onshi/pcsc/card_crypto.hpp"
#include "onshi/result.hpp"

namespace onshi::pcsc {

struct CertificateInfo {
  std::string subject;  // RFC 2253, UTF-8 ("CN=...,C=JP")
  std::string issuer;
  std::string serial_hex;
  std::chrono::sys_seconds not_before{};
  std::chrono::sys_seconds not_after{};
  std::string sha256_hex;  // lower-case fingerprint of the DER
  KeyInfo key;
};

// Errc::card_data_invalid for anything that is not exactly one DER certificate.
Result<CertificateInfo> certificate_info(ByteView der);

// "2026-11-25T00:00:00Z"
std::string iso8601_utc(std::chrono::sys_seconds t);

}  // namespace onshi::pcsc
