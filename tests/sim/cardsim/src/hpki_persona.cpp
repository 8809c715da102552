#include "hpki_persona.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "hpki_files.hpp"
#include "onshi/sim/ossl.hpp"
#include "onshi/sim/persona.hpp"
#include "persona_files.hpp"
#include "persona_json.hpp"
#include "persona_pin.hpp"

namespace onshi::sim {
namespace {

using namespace persona_json;

// Per application at most: the DF and seven EFs (JAHIS Table B.1, §2.1).
constexpr std::size_t kMaxFilesPerApplication = 8;
constexpr std::uint8_t kFiller = 0xFF;  // certificate EF filler (§1.6)

struct Certificates {
  Bytes cert;
  Bytes ca_cert;
};

// Whether `issuer` issued `subject`: the names chain and the signature verifies.
bool issued_by(X509* subject, X509* issuer) {
  return X509_check_issued(issuer, subject) == X509_V_OK &&
         X509_verify(subject, X509_get0_pubkey(issuer)) == 1;
}

Status check_issued(const Bytes& subject_der, const std::string& subject_path,
                    const Bytes& issuer_der, const std::string& issuer_path) {
  auto subject = ossl::parse_der_certificate(subject_der);
  if (!subject) return invalid(subject_path, subject.error().message);
  auto issuer = ossl::parse_der_certificate(issuer_der);
  if (!issuer) return invalid(issuer_path, issuer.error().message);
  if (!issued_by(subject->get(), issuer->get())) {
    return invalid(subject_path, fmt::format("is not issued by {} (issuer name or signature "
                                             "do not match)",
                                             issuer_path));
  }
  return {};
}

// An unencrypted PEM RSA-2048 key (§2.1 "Keys"; the PSO takes one 256-byte block) that
// matches the certificate.
Result<std::shared_ptr<EVP_PKEY>> application_key(const json& app, const std::string& path,
                                                  const std::filesystem::path& base_dir,
                                                  const Bytes& cert) {
  const std::string where = join(path, "key");
  ONSHI_TRY_ASSIGN(ossl::PkeyPtr key, persona_files::private_key(app, "key", path, base_dir));
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA ||
      EVP_PKEY_get_bits(key.get()) != hpki::kKeyBits) {
    return invalid(where + ".file", fmt::format("expected an RSA-2048 private key, got {}",
                                                persona_files::describe_key(key.get())));
  }
  auto x509 = ossl::parse_der_certificate(cert);
  if (!x509) return invalid(join(path, "cert"), x509.error().message);
  if (EVP_PKEY_eq(X509_get0_pubkey(x509->get()), key.get()) != 1) {
    return invalid(where, fmt::format("does not match the public key of {}", join(path, "cert")));
  }
  return std::shared_ptr<EVP_PKEY>(key.release(), EVP_PKEY_free);
}

struct ParsedApplication {
  hpki::ApplicationPersona persona;
  Certificates certificates;
};

Result<ParsedApplication> parse_application(const json& section, hpki::Application app,
                                            const std::string& section_path,
                                            const std::filesystem::path& base_dir) {
  const std::string path = join(section_path, hpki::application_name(app));
  const json& v = section.at(std::string(hpki::application_name(app)));
  if (!v.is_object()) return invalid(path, fmt::format("expected an object, got {}", type_name(v)));
  ONSHI_TRY(check_keys(v, path, {"cert", "key", "ca_cert", "pin"}));
  ParsedApplication parsed;
  ONSHI_TRY_ASSIGN(parsed.certificates.cert, persona_files::certificate(v, "cert", path, base_dir));
  ONSHI_TRY_ASSIGN(parsed.certificates.ca_cert,
                   persona_files::certificate(v, "ca_cert", path, base_dir));
  ONSHI_TRY(check_issued(parsed.certificates.cert, join(path, "cert"), parsed.certificates.ca_cert,
                         join(path, "ca_cert")));
  ONSHI_TRY_ASSIGN(parsed.persona.key,
                   application_key(v, path, base_dir, parsed.certificates.cert));
  if (!v.contains("pin")) return invalid(join(path, "pin"), "missing");
  ONSHI_TRY_ASSIGN(parsed.persona.pin, parse_pin(v, "pin", path, hpki::kPinTries, PinFormat::hpki));
  return parsed;
}

Result<hpki::ProfileId> profile_of(const json& section, const std::string& path) {
  if (!section.contains("profile")) return invalid(join(path, "profile"), "missing");
  ONSHI_TRY_ASSIGN(const std::string name, get_string(section, "profile", path));
  if (const auto id = hpki::profile_from_name(name)) return *id;
  return invalid(join(path, "profile"), "expected \"jma\" or \"jahis\"");
}

Bytes certificate_ef(const Bytes& der, std::size_t ef_size) {
  Bytes data = der;
  if (ef_size > data.size()) data.resize(ef_size, kFiller);
  return data;
}

class ApplicationBuilder {
 public:
  ApplicationBuilder(FileTree& files, const std::string& path) : files_(files), path_(path) {}

  Result<NodeId> add(const hpki::Profile& profile, hpki::Application app,
                     const Certificates& certificates, const Bytes& trust_point) {
    const auto aid = hpki::aid(profile, app);
    DfSpec spec{fmt::format("HPKI {} AP ({})", hpki::application_name(app), profile.name),
                Bytes(aid.begin(), aid.end()),
                std::nullopt,
                {profile.partial_name_select, true}};  // FCI `6F L 84 L <DF name>` (§2.1)
    auto df = files_.add_df(FileTree::kMf, std::move(spec));
    if (!df) return invalid(path_, df.error().message);
    if (profile.cia_info) ONSHI_TRY(ef(*df, "EF.CIAInfo", *profile.cia_info, hpki::cia_info()));
    if (profile.object_directory) {
      ONSHI_TRY(ef(*df, "EF.OD", *profile.object_directory, hpki::object_directory()));
    }
    // Key and PIN IEFs hold nothing readable: the handler answers READ BINARY with 6981.
    ONSHI_TRY(ef(*df, "PIN", profile.pin, {}));
    ONSHI_TRY(ef(*df, "private key", profile.key, {}));
    ONSHI_TRY(ef(*df, "certificate", profile.certificate,
                 certificate_ef(certificates.cert, profile.certificate_ef_size)));
    if (profile.trust_point) {
      ONSHI_TRY(ef(*df, "trust point", *profile.trust_point,
                   certificate_ef(trust_point, profile.certificate_ef_size)));
    }
    if (profile.ca_certificate) {
      ONSHI_TRY(ef(*df, "CA certificate", *profile.ca_certificate,
                   certificate_ef(certificates.ca_cert, profile.certificate_ef_size)));
    }
    return *df;
  }

 private:
  Status ef(NodeId df, std::string name, const hpki::EfRef& ref, Bytes data) {
    auto added = files_.add_ef(df, EfSpec{std::move(name), ref.fid, ref.sfi, std::move(data)});
    if (!added) return invalid(path_, added.error().message);
    return {};
  }

  FileTree& files_;
  const std::string& path_;
};

}  // namespace

Result<hpki::HpkiPersona> parse_hpki_section(const json& section, const std::string& path,
                                             const std::filesystem::path& base_dir,
                                             FileTree& files) {
  if (!section.is_object()) {
    return invalid(path, fmt::format("expected an object, got {}", type_name(section)));
  }
  ONSHI_TRY(check_keys(section, path, {"profile", "trust_point", "signature", "authentication"}));
  hpki::HpkiPersona persona;
  ONSHI_TRY_ASSIGN(persona.profile, profile_of(section, path));
  const hpki::Profile& profile = hpki::profile(persona.profile);
  const bool has_signature = section.contains("signature");
  const bool has_authentication = section.contains("authentication");
  if (!has_signature && !has_authentication) {
    // §2.1: a card carries either application or both.
    return invalid(path, "needs \"signature\", \"authentication\" or both");
  }
  if (files.size() + 2 * kMaxFilesPerApplication > kMaxPersonaFiles + 1) {
    return invalid(path, fmt::format("more than {} files", kMaxPersonaFiles));
  }

  // The trust point has an EF only in the JAHIS example (Table B.1, SFI 19); the JMA card's
  // files beyond 0002 / 000C / 0016 are not public (§2.2).
  Bytes trust_point;
  const std::string trust_path = join(path, "trust_point");
  if (profile.trust_point) {
    ONSHI_TRY_ASSIGN(trust_point,
                     persona_files::certificate(section, "trust_point", path, base_dir));
    auto root = ossl::parse_der_certificate(trust_point);
    if (!root) return invalid(trust_path, root.error().message);
    if (!issued_by(root->get(), root->get())) {
      return invalid(trust_path, "expected a self-signed root certificate");
    }
  } else if (section.contains("trust_point")) {
    return invalid(trust_path,
                   fmt::format("the \"{}\" profile has no trust-point EF", profile.name));
  }

  ApplicationBuilder builder(files, path);
  for (const auto app : {hpki::Application::signature, hpki::Application::authentication}) {
    if (!section.contains(std::string(hpki::application_name(app)))) continue;
    ONSHI_TRY_ASSIGN(ParsedApplication parsed, parse_application(section, app, path, base_dir));
    if (profile.trust_point) {
      const std::string app_path = join(path, hpki::application_name(app));
      ONSHI_TRY(check_issued(parsed.certificates.ca_cert, join(app_path, "ca_cert"), trust_point,
                             trust_path));
    }
    ONSHI_TRY(builder.add(profile, app, parsed.certificates, trust_point));
    auto& slot = app == hpki::Application::signature ? persona.signature : persona.authentication;
    slot = std::move(parsed.persona);
  }
  return persona;
}

}  // namespace onshi::sim
