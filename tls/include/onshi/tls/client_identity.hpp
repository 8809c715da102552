// The terminal's client identity: its certificate, the chain sent with it, and its private key,
// opened from the PKCS#12 the 共通認証局 delivers (eligibility-system.md §3.1: the CA generates the
// key and ships it in the bundle) or from the store's PEM files.
#pragma once

#include <openssl/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "onshi/bytes.hpp"
#include "onshi/result.hpp"
#include "onshi/tls/certificate.hpp"

namespace onshi::tls {

struct ClientIdentity {
  Certificate leaf;
  std::vector<Certificate> chain;  // intermediates to send after the leaf (no trust anchors needed)
  std::shared_ptr<EVP_PKEY> key;
  // The bundle used RC2/3DES and needed OpenSSL's legacy provider (eligibility-system.md §3.1;
  // Windows-era exports).
  bool legacy_encryption = false;
};

// Opens a PKCS#12 bundle. Errors, each with what to do next:
//   cert_malformed          not PKCS#12, or no certificate/key inside
//   cert_wrong_password     the integrity MAC does not verify with this password
//   cert_legacy_encryption  RC2/3DES encryption and OpenSSL's legacy provider is not available
// The legacy provider is loaded only for the duration of this call, and only when needed.
Result<ClientIdentity> open_pkcs12(ByteView der, ByteView password);

// Reads the store's form: a PEM file with the leaf then its chain, and a PEM private key.
Result<ClientIdentity> load_identity_pem(const std::filesystem::path& chain_pem,
                                         const std::filesystem::path& key_pem);

// The unencrypted PKCS#8 PEM of the key (for the 0600 store file); wiped on destruction.
Result<SecretBytes> private_key_pem(const ClientIdentity& identity);

// Errc::cert_key_mismatch unless the private key belongs to the leaf certificate.
Status check_key_matches(const ClientIdentity& identity);

}  // namespace onshi::tls
