#include "jpki_persona.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <array>

#include "jpki_signature.hpp"
#include "onshi/sim/persona.hpp"
#include "persona_files.hpp"
#include "persona_json.hpp"
#include "persona_pin.hpp"

namespace onshi::sim {
namespace {

using namespace persona_json;

constexpr std::size_t kMaxJpkiFileCount = 12;  // the DF and at most eleven EFs
constexpr std::array<const char*, 3> kSignFields = {"sign_cert", "sign_key", "sign_pin"};

std::string_view key_type_name(jpki::KeyType type) {
  return type == jpki::KeyType::rsa ? "RSA" : "EC P-384";
}

// section[key] = {"file": ...}: an RSA or EC P-384 private key matching `cert`.
Result<std::shared_ptr<EVP_PKEY>> jpki_key(const json& section, const char* key,
                                           const std::string& path,
                                           const std::filesystem::path& base_dir, const Bytes& cert,
                                           const char* cert_key) {
  const std::string where = join(path, key);
  ONSHI_TRY_ASSIGN(ossl::PkeyPtr parsed, persona_files::private_key(section, key, path, base_dir));
  // RSA as on the real card (§1.3), or the invented ECDSA P-384 variant (§1.12).
  if (!jpki::key_type_of(parsed.get())) {
    return invalid(where + ".file",
                   fmt::format("expected an RSA or EC P-384 (secp384r1) private key, got {}",
                               persona_files::describe_key(parsed.get())));
  }
  auto x509 = ossl::parse_der_certificate(cert);
  if (!x509) return invalid(join(path, cert_key), x509.error().message);
  if (EVP_PKEY_eq(X509_get0_pubkey(x509->get()), parsed.get()) != 1) {
    return invalid(where, fmt::format("does not match the public key of {}", join(path, cert_key)));
  }
  return std::shared_ptr<EVP_PKEY>(parsed.release(), EVP_PKEY_free);
}

Result<jpki::TokenVariant> token(const json& section, const std::string& path) {
  if (!section.contains("token")) return jpki::TokenVariant::card;
  ONSHI_TRY_ASSIGN(const std::string name, get_string(section, "token", path));
  if (const auto variant = jpki::token_from_name(name)) return *variant;
  return invalid(join(path, "token"),
                 fmt::format("\"{}\" is not \"card\", \"android\" or \"ios\"", name));
}

// Whether the persona has a sign certificate: sign_cert, sign_key and sign_pin come together
// (all absent e.g. for children under 15, §1.3). A PIN-less card has none of them and no
// auth_pin either.
Result<bool> has_sign_certificate(const json& section, const std::string& path, bool pin_less) {
  if (pin_less) {
    for (const char* key : {"auth_pin", "sign_cert", "sign_key", "sign_pin"}) {
      if (section.contains(key)) {
        return invalid(join(path, key), "must be absent on a PIN-less card (jpki.pin_less)");
      }
    }
    return false;
  }
  std::size_t present = 0;
  for (const char* key : kSignFields) present += section.contains(key) ? 1 : 0;
  if (present == 0 || present == kSignFields.size()) return present != 0;
  for (const char* key : kSignFields) {
    if (!section.contains(key)) {
      return invalid(join(path, key), "missing (sign_cert, sign_key and sign_pin come together)");
    }
  }
  return true;
}

Bytes padded_certificate(const Bytes& der) {
  Bytes data = der;
  data.resize(jpki::kCertificateEfSize, 0xFF);  // filler (§1.6)
  return data;
}

template <std::size_t N>
Bytes bytes_of(const std::array<std::uint8_t, N>& a) {
  return Bytes(a.begin(), a.end());
}

Status add_ef(FileTree& files, NodeId df, const std::string& path, std::string name,
              std::uint16_t fid, Bytes data) {
  // Every JPKI EF's SFI equals its FID (§1.3).
  auto added = files.add_ef(df, EfSpec{std::move(name), fid, static_cast<std::uint8_t>(fid),
                                       std::move(data)});
  if (!added) return invalid(path, added.error().message);
  return {};
}

}  // namespace

Result<jpki::JpkiPersona> parse_jpki_section(const json& section, const std::string& path,
                                             const std::filesystem::path& base_dir,
                                             FileTree& files) {
  if (!section.is_object()) {
    return invalid(path, fmt::format("expected an object, got {}", type_name(section)));
  }
  ONSHI_TRY(check_keys(section, path,
                       {"token", "pin_less", "auth_cert", "auth_ca_cert", "sign_cert",
                        "sign_ca_cert", "auth_key", "sign_key", "auth_pin", "sign_pin"}));
  if (files.size() + kMaxJpkiFileCount > kMaxPersonaFiles + 1) {
    return invalid(path, fmt::format("more than {} files", kMaxPersonaFiles));
  }
  jpki::JpkiPersona persona;
  ONSHI_TRY_ASSIGN(persona.token, token(section, path));
  if (section.contains("pin_less")) {
    ONSHI_TRY_ASSIGN(persona.pin_less, get_bool(section, "pin_less", path));
  }
  if (persona.pin_less && persona.token != jpki::TokenVariant::card) {
    return invalid(join(path, "pin_less"), "only a physical card (token \"card\") can be PIN-less");
  }
  ONSHI_TRY_ASSIGN(const bool sign, has_sign_certificate(section, path, persona.pin_less));

  ONSHI_TRY_ASSIGN(const Bytes auth_cert,
                   persona_files::certificate(section, "auth_cert", path, base_dir));
  ONSHI_TRY_ASSIGN(const Bytes auth_ca,
                   persona_files::certificate(section, "auth_ca_cert", path, base_dir));
  Bytes sign_cert;
  if (sign) {
    ONSHI_TRY_ASSIGN(sign_cert, persona_files::certificate(section, "sign_cert", path, base_dir));
  }
  ONSHI_TRY_ASSIGN(const Bytes sign_ca,
                   persona_files::certificate(section, "sign_ca_cert", path, base_dir));
  ONSHI_TRY_ASSIGN(persona.auth_key,
                   jpki_key(section, "auth_key", path, base_dir, auth_cert, "auth_cert"));
  if (sign) {
    ONSHI_TRY_ASSIGN(persona.sign_key,
                     jpki_key(section, "sign_key", path, base_dir, sign_cert, "sign_cert"));
    const auto auth_type = *jpki::key_type_of(persona.auth_key.get());
    const auto sign_type = *jpki::key_type_of(persona.sign_key.get());
    if (auth_type != sign_type) {
      return invalid(
          join(path, "sign_key"),
          fmt::format("is {} but {} is {}: both JPKI keys must be of one type",
                      key_type_name(sign_type), join(path, "auth_key"), key_type_name(auth_type)));
    }
  }
  if (!persona.pin_less) {
    if (!section.contains("auth_pin")) return invalid(join(path, "auth_pin"), "missing");
    ONSHI_TRY_ASSIGN(persona.auth_pin, parse_pin(section, "auth_pin", path, jpki::kAuthPinTries,
                                                 PinFormat::four_digits));
  }
  if (sign) {
    ONSHI_TRY_ASSIGN(persona.sign_pin, parse_pin(section, "sign_pin", path, jpki::kSignPinTries,
                                                 PinFormat::sign_password));
  }

  auto df = files.add_df(FileTree::kMf, DfSpec{"JPKI AP", bytes_of(jpki::kAid), {}, {}});
  if (!df) return invalid(path, df.error().message);
  if (sign) {
    ONSHI_TRY(add_ef(files, *df, path, "sign certificate", jpki::kEfSignCert,
                     padded_certificate(sign_cert)));
  }
  ONSHI_TRY(add_ef(files, *df, path, "sign CA certificate", jpki::kEfSignCaCert,
                   padded_certificate(sign_ca)));
  ONSHI_TRY(add_ef(files, *df, path, "token info", jpki::kEfTokenInfo,
                   jpki::token_info(persona.token)));
  ONSHI_TRY(add_ef(files, *df, path, "certificate availability", jpki::kEfCertAvailability,
                   sign ? bytes_of(jpki::kBothCertificatesPresent)
                        : bytes_of(jpki::kOnlyAuthCertificatePresent)));
  ONSHI_TRY(add_ef(files, *df, path, "auth certificate", jpki::kEfAuthCert,
                   padded_certificate(auth_cert)));
  ONSHI_TRY(add_ef(files, *df, path, "auth CA certificate", jpki::kEfAuthCaCert,
                   padded_certificate(auth_ca)));
  // Key and PIN EFs hold nothing readable: the handler answers READ BINARY on them with 6982.
  ONSHI_TRY(add_ef(files, *df, path, "auth key", jpki::kEfAuthKey, {}));
  if (!persona.pin_less) ONSHI_TRY(add_ef(files, *df, path, "auth PIN", jpki::kEfAuthPin, {}));
  if (sign) {
    ONSHI_TRY(add_ef(files, *df, path, "sign key", jpki::kEfSignKey, {}));
    ONSHI_TRY(add_ef(files, *df, path, "sign PIN", jpki::kEfSignPin, {}));
  }
  if (persona.pin_less) {
    // Invented by onshi (the real marker is not public): see jpki::kEfPinLessMarker.
    ONSHI_TRY(add_ef(files, *df, path, "PIN-less marker (invented by onshi)",
                     jpki::kEfPinLessMarker, jpki::pin_less_marker()));
  }
  return persona;
}

}  // namespace onshi::sim
