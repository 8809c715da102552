// The files generate_jpki_personas writes: their names, PEM and text writers, and the persona
// JSON of one holder. Internal header of the test PKI.
#pragma once

#include <openssl/types.h>

#include <filesystem>
#include <string>

#include "onshi/bytes.hpp"
#include "onshi/result.hpp"
#include "onshi/sim/jpki_test_pki.hpp"

namespace onshi::sim::testpki {

inline constexpr std::string_view kAuthCaFile = "jpki-auth-ca.pem";
inline constexpr std::string_view kSignCaFile = "jpki-sign-ca.pem";
inline constexpr std::string_view kManifestFile = "manifest.json";

// <persona><suffix>, e.g. "jpki-card" + "-auth.pem".
struct PersonaFiles {
  std::string auth_cert;         // -auth.pem
  std::string auth_key;          // -auth-key.pem
  std::string sign_cert;         // -sign.pem
  std::string sign_key;          // -sign-key.pem
  std::string card_present_key;  // -card-present-key.pem
  std::string persona;           // .json
};
PersonaFiles persona_files(const std::string& persona);

Status write_text(const std::filesystem::path& file, std::string_view text);
Status write_pem_cert(const std::filesystem::path& file, X509* cert);
// Unencrypted and mode 0600: test keys.
Status write_pem_key(const std::filesystem::path& file, EVP_PKEY* key);

std::string sha256_hex(ByteView der);  // lower case

// The holder's persona JSON text (relative file names as persona_files() gives them).
std::string persona_json(const Holder& holder);

}  // namespace onshi::sim::testpki
