#include "jpki_persona.hpp"

#include <openssl/evp.h>

#include <fstream>
#include <iterator>

#include "onshi/sim/ossl.hpp"
#include "onshi/sim/persona.hpp"
#include "persona_json.hpp"

namespace onshi::sim {
namespace {

using namespace persona_json;

constexpr std::size_t kMaxReferencedFile = 64 * 1024;  // a certificate or a PEM key
constexpr std::size_t kJpkiFileCount = 11;              // the DF and its ten EFs

Result<Bytes> read_small_file(const std::filesystem::path& file, const std::string& where) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return invalid(where, fmt::format("cannot open {}", file.string()));
  Bytes content;
  content.reserve(4096);
  char c = 0;
  while (content.size() <= kMaxReferencedFile && in.get(c)) {
    content.push_back(static_cast<std::uint8_t>(c));
  }
  if (content.size() > kMaxReferencedFile) {
    return invalid(where, fmt::format("{} is larger than {} bytes", file.string(),
                                      kMaxReferencedFile));
  }
  return content;
}

// {"file": "x.pem"} (PEM or DER, relative to the persona's directory) or {"hex": "30 82 ..."}.
Result<Bytes> certificate(const json& section, const char* key, const std::string& path,
                          const std::filesystem::path& base_dir) {
  const std::string where = join(path, key);
  if (!section.contains(key)) return invalid(where, "missing");
  const json& v = section.at(key);
  if (!v.is_object()) {
    return invalid(where, fmt::format("expected {{\"file\": ...}} or {{\"hex\": ...}}, got {}",
                                      type_name(v)));
  }
  ONSHI_TRY(check_keys(v, where, {"file", "hex"}));
  if (v.contains("file") == v.contains("hex")) {
    return invalid(where, "needs exactly one of \"file\" and \"hex\"");
  }
  Bytes raw;
  std::string source = where;
  if (v.contains("hex")) {
    ONSHI_TRY_ASSIGN(raw, get_hex(v, "hex", where, 1, jpki::kCertificateEfSize));
    source += ".hex";
  } else {
    ONSHI_TRY_ASSIGN(const std::string name, get_string(v, "file", where));
    source += ".file";
    ONSHI_TRY_ASSIGN(raw, read_small_file(base_dir / name, source));
  }
  auto der = ossl::certificate_to_der(raw);
  if (!der) return invalid(source, der.error().message);
  if (der->size() > jpki::kCertificateEfSize) {
    return invalid(source, fmt::format("the certificate ({} bytes) does not fit the {}-byte EF",
                                       der->size(), jpki::kCertificateEfSize));
  }
  return std::move(*der);
}

// {"file": "key.pem"}: an unencrypted RSA private key matching `cert`.
Result<std::shared_ptr<EVP_PKEY>> private_key(const json& section, const char* key,
                                              const std::string& path,
                                              const std::filesystem::path& base_dir,
                                              const Bytes& cert, const char* cert_key) {
  const std::string where = join(path, key);
  if (!section.contains(key)) return invalid(where, "missing");
  const json& v = section.at(key);
  if (!v.is_object()) {
    return invalid(where, fmt::format("expected {{\"file\": ...}}, got {}", type_name(v)));
  }
  ONSHI_TRY(check_keys(v, where, {"file"}));
  if (!v.contains("file")) return invalid(where + ".file", "missing");
  ONSHI_TRY_ASSIGN(const std::string name, get_string(v, "file", where));
  ONSHI_TRY_ASSIGN(Bytes pem, read_small_file(base_dir / name, where + ".file"));
  auto parsed = ossl::parse_pem_private_key(pem);
  secure_wipe(pem.data(), pem.size());
  if (!parsed) return invalid(where + ".file", parsed.error().message);
  // The handler pads PKCS#1 v1.5 / PSS (§1.5); the invented ECDSA variant is not implemented.
  if (EVP_PKEY_get_base_id(parsed->get()) != EVP_PKEY_RSA) {
    return invalid(where + ".file", "only RSA keys are supported");
  }
  auto x509 = ossl::parse_der_certificate(cert);
  if (!x509) return invalid(join(path, cert_key), x509.error().message);
  if (EVP_PKEY_eq(X509_get0_pubkey(x509->get()), parsed->get()) != 1) {
    return invalid(where, fmt::format("does not match the public key of {}", join(path, cert_key)));
  }
  return std::shared_ptr<EVP_PKEY>(parsed->release(), EVP_PKEY_free);
}

// §1.4: auth PIN exactly 4 digits; sign password 6–16 of A–Z and 0–9.
bool pin_format_ok(std::string_view pin, bool auth) {
  if (auth) {
    if (pin.size() != jpki::kAuthPinLength) return false;
  } else if (pin.size() < jpki::kSignPinMinLength || pin.size() > jpki::kSignPinMaxLength) {
    return false;
  }
  for (char c : pin) {
    const bool digit = c >= '0' && c <= '9';
    const bool upper = c >= 'A' && c <= 'Z';
    if (!digit && !(upper && !auth)) return false;
  }
  return true;
}

// {"value": "1234", "tries_left": 3}; tries_left defaults to the maximum.
Result<jpki::PinSpec> pin(const json& section, const char* key, const std::string& path,
                          std::uint8_t max_tries, bool auth) {
  const std::string where = join(path, key);
  if (!section.contains(key)) return invalid(where, "missing");
  const json& v = section.at(key);
  if (!v.is_object()) return invalid(where, fmt::format("expected an object, got {}", type_name(v)));
  ONSHI_TRY(check_keys(v, where, {"value", "tries_left"}));
  if (!v.contains("value")) return invalid(where + ".value", "missing");
  ONSHI_TRY_ASSIGN(std::string value, get_string(v, "value", where));
  const bool ok = pin_format_ok(value, auth);
  const ByteView bytes(reinterpret_cast<const std::uint8_t*>(value.data()), value.size());
  jpki::PinSpec spec{std::make_shared<const SecretBytes>(bytes), max_tries, max_tries};
  secure_wipe(value.data(), value.size());
  if (!ok) {
    // The message never repeats the value.
    return invalid(where + ".value", auth ? "expected exactly 4 digits"
                                          : "expected 6 to 16 characters of A-Z and 0-9");
  }
  if (v.contains("tries_left")) {
    ONSHI_TRY_ASSIGN(const std::int64_t tries, get_integer(v, "tries_left", where, 0, max_tries));
    spec.tries_left = static_cast<std::uint8_t>(tries);
  }
  return spec;
}

Result<jpki::TokenVariant> token(const json& section, const std::string& path) {
  if (!section.contains("token")) return jpki::TokenVariant::card;
  ONSHI_TRY_ASSIGN(const std::string name, get_string(section, "token", path));
  if (name == "card") return jpki::TokenVariant::card;
  if (name == "android") return jpki::TokenVariant::android;
  if (name == "ios") return jpki::TokenVariant::ios;
  return invalid(join(path, "token"),
                 fmt::format("\"{}\" is not \"card\", \"android\" or \"ios\"", name));
}

Bytes padded_certificate(const Bytes& der) {
  Bytes data = der;
  data.resize(jpki::kCertificateEfSize, 0xFF);  // filler (§1.6)
  return data;
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
                       {"token", "auth_cert", "auth_ca_cert", "sign_cert", "sign_ca_cert",
                        "auth_key", "sign_key", "auth_pin", "sign_pin"}));
  if (files.size() + kJpkiFileCount > kMaxPersonaFiles + 1) {
    return invalid(path, fmt::format("more than {} files", kMaxPersonaFiles));
  }
  jpki::JpkiPersona persona;
  ONSHI_TRY_ASSIGN(persona.token, token(section, path));
  ONSHI_TRY_ASSIGN(const Bytes auth_cert, certificate(section, "auth_cert", path, base_dir));
  ONSHI_TRY_ASSIGN(const Bytes auth_ca, certificate(section, "auth_ca_cert", path, base_dir));
  ONSHI_TRY_ASSIGN(const Bytes sign_cert, certificate(section, "sign_cert", path, base_dir));
  ONSHI_TRY_ASSIGN(const Bytes sign_ca, certificate(section, "sign_ca_cert", path, base_dir));
  ONSHI_TRY_ASSIGN(persona.auth_key,
                   private_key(section, "auth_key", path, base_dir, auth_cert, "auth_cert"));
  ONSHI_TRY_ASSIGN(persona.sign_key,
                   private_key(section, "sign_key", path, base_dir, sign_cert, "sign_cert"));
  ONSHI_TRY_ASSIGN(persona.auth_pin,
                   pin(section, "auth_pin", path, jpki::kAuthPinTries, /*auth=*/true));
  ONSHI_TRY_ASSIGN(persona.sign_pin,
                   pin(section, "sign_pin", path, jpki::kSignPinTries, /*auth=*/false));

  auto df = files.add_df(FileTree::kMf,
                         DfSpec{"JPKI AP", Bytes(jpki::kAid.begin(), jpki::kAid.end()), {}});
  if (!df) return invalid(path, df.error().message);
  ONSHI_TRY(add_ef(files, *df, path, "sign certificate", jpki::kEfSignCert,
                   padded_certificate(sign_cert)));
  ONSHI_TRY(add_ef(files, *df, path, "sign CA certificate", jpki::kEfSignCaCert,
                   padded_certificate(sign_ca)));
  ONSHI_TRY(add_ef(files, *df, path, "token info", jpki::kEfTokenInfo,
                   jpki::token_info(persona.token)));
  ONSHI_TRY(add_ef(files, *df, path, "certificate availability", jpki::kEfCertAvailability,
                   Bytes(jpki::kBothCertificatesPresent.begin(),
                         jpki::kBothCertificatesPresent.end())));
  ONSHI_TRY(add_ef(files, *df, path, "auth certificate", jpki::kEfAuthCert,
                   padded_certificate(auth_cert)));
  ONSHI_TRY(add_ef(files, *df, path, "auth CA certificate", jpki::kEfAuthCaCert,
                   padded_certificate(auth_ca)));
  // Key and PIN EFs hold nothing readable: the handler answers READ BINARY on them with 6982.
  ONSHI_TRY(add_ef(files, *df, path, "auth key", jpki::kEfAuthKey, {}));
  ONSHI_TRY(add_ef(files, *df, path, "auth PIN", jpki::kEfAuthPin, {}));
  ONSHI_TRY(add_ef(files, *df, path, "sign key", jpki::kEfSignKey, {}));
  ONSHI_TRY(add_ef(files, *df, path, "sign PIN", jpki::kEfSignPin, {}));
  return persona;
}

}  // namespace onshi::sim
