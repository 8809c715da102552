// What a persona section refers to outside the JSON: certificates ({"file": ...} or {"hex": ...})
// and private keys ({"file": ...}), files taken relative to the persona's directory. Errors are
// Errc::config_invalid naming the field, e.g. `jpki.auth_cert.file: cannot open x.pem`.
// Internal header.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "onshi/bytes.hpp"
#include "onshi/result.hpp"
#include "onshi/sim/ossl.hpp"

namespace onshi::sim::persona_files {

// At most 64 KiB: a certificate or a PEM key.
Result<Bytes> read_small_file(const std::filesystem::path& file, const std::string& where);

// section[key]: one X.509 certificate of at most jpki::kCertificateEfSize bytes, as DER.
Result<Bytes> certificate(const nlohmann::json& section, const char* key, const std::string& path,
                          const std::filesystem::path& base_dir);

// section[key] = {"file": "key.pem"}: an unencrypted PEM private key of any type.
Result<ossl::PkeyPtr> private_key(const nlohmann::json& section, const char* key,
                                  const std::string& path, const std::filesystem::path& base_dir);

// "RSA-2048", "EC secp384r1", "ED25519": for error messages.
std::string describe_key(EVP_PKEY* key);

}  // namespace onshi::sim::persona_files
