// The HPKI test hierarchy and end-entity certificates (certificate-profiles.md §2), and
// generate_hpki_personas.
#include <fmt/format.h>

#include "hpki_persona_writer.hpp"
#include "onshi/sim/hpki_test_pki.hpp"
#include "test_persona_writer.hpp"
#include "test_pki_time.hpp"
#include "x509_builder.hpp"

namespace onshi::sim::testpki {
namespace {

using namespace std::chrono;

constexpr int kCaYears = 10;        // an onshi choice; the MEDIS CAs run 20 years (§2.4)
constexpr int kEndEntityYears = 5;  // §2.1: 2022-02-07 to 2027-02-07 JST

// KU bits (RFC 5280 §4.2.1.3).
constexpr int kDigitalSignature = 0;
constexpr int kNonRepudiation = 1;
constexpr int kKeyCertSign = 5;
constexpr int kCrlSign = 6;

// The test hierarchy's names, shaped like MEDIS's (§2.1 issuer, §2.3 of cards-and-readers.md)
// and marked test everywhere. URIs are under .invalid (RFC 2606): nothing answers there.
const NameSpec kRootName = {{"C", "JP"}, {"O", "ONSHI TEST"}, {"OU", "HPKI TEST ROOT"}};
constexpr const char* kCpsUri = "http://hpki-test.onshi.invalid/cps/";

struct CaKind {
  const char* cn;
  const char* crl_uri;  // what its end-entity certificates name in CRLDP
};
constexpr CaKind kSignCa{"HPKI-01-OnshiTestSignCA-forNonRepudiation",
                         "http://hpki-test.onshi.invalid/sign/crl-sign.crl"};
constexpr CaKind kAuthCa{"HPKI-01-OnshiTestAuthCA-forAuthentication",
                         "http://hpki-test.onshi.invalid/auth/crl-auth.crl"};

struct Issued {
  ossl::PkeyPtr key;
  ossl::X509Ptr cert;
};

NameSpec ca_name(const CaKind& kind) {
  return {{"C", "JP"}, {"O", "ONSHI TEST"}, {"OU", "ONSHI TEST HPKI CA"}, {"CN", kind.cn}};
}

// A CA: self-signed when `issuer` is null (the root), else issued by it.
Result<Issued> make_ca(const NameSpec& name, const Issued* issuer, sys_days issue) {
  ONSHI_TRY_ASSIGN(ossl::PkeyPtr key, generate_rsa_key(hpki::kKeyBits));
  CertificateBuilder b;
  ONSHI_TRY(b.set_subject(name));
  ONSHI_TRY(b.set_issuer(issuer != nullptr ? X509_get_subject_name(issuer->cert.get())
                                           : X509_get_subject_name(b.get())));
  ONSHI_TRY(b.set_validity(jst_midnight(issue), jst_end_of_day(years_after(issue, kCaYears))));
  ONSHI_TRY(b.set_public_key(key.get()));
  ONSHI_TRY(b.set_random_serial());
  ONSHI_TRY(b.add_key_usage(true, {kKeyCertSign, kCrlSign}));
  ONSHI_TRY(b.add_basic_constraints_ca());
  if (issuer != nullptr) {
    ONSHI_TRY(
        b.add_key_identifier(NID_authority_key_identifier, "keyid:always", issuer->cert.get()));
  }
  ONSHI_TRY(b.add_key_identifier(NID_subject_key_identifier, "hash", nullptr));
  ONSHI_TRY_ASSIGN(ossl::X509Ptr cert, b.sign(issuer != nullptr ? issuer->key.get() : key.get()));
  return Issued{std::move(key), std::move(cert)};
}

// The keyUsage of an end-entity certificate. Signature: critical nonRepudiation only (§2.1,
// `03 02 06 40`). Authentication: the real profile was not found (§2.4 [NOT FOUND]); onshi
// uses critical digitalSignature, the usual bit for client authentication.
int key_usage_bit(hpki::Application app, const HpkiHolder& holder) {
  if (app == hpki::Application::signature && !holder.signature_key_usage_wrong) {
    return kNonRepudiation;
  }
  return kDigitalSignature;
}

// Shaped like the MEDIS test certificate (§2.1), extensions in its order: AKI (keyid, issuer,
// serial), SKI, KU, SAN DirName in Kanji, CRLDP URI, subjectDirectoryAttributes (hcRole,
// §2.2), certificatePolicies. The authentication certificate gets the same shape (its own
// profile is not public) with its own CA, CRL and key usage.
Result<Issued> make_end_entity(const Issued& ca, const CaKind& kind, hpki::Application app,
                               const HpkiHolder& holder, sys_days issue) {
  ONSHI_TRY_ASSIGN(ossl::PkeyPtr key, generate_rsa_key(hpki::kKeyBits));
  CertificateBuilder b;
  // serialNumber comes out a PrintableString, O and CN UTF8String (§2.1), by OpenSSL's table.
  ONSHI_TRY(b.set_subject({{"C", "JP"},
                           {"O", holder.institution_romaji},
                           {"CN", holder.name_romaji},
                           {"serialNumber", holder.serial_number}}));
  ONSHI_TRY(b.set_issuer(X509_get_subject_name(ca.cert.get())));
  ONSHI_TRY(
      b.set_validity(jst_midnight(issue), jst_end_of_day(years_after(issue, kEndEntityYears))));
  ONSHI_TRY(b.set_public_key(key.get()));
  ONSHI_TRY(b.set_random_serial());
  ONSHI_TRY(b.add_key_identifier(NID_authority_key_identifier, "keyid:always,issuer:always",
                                 ca.cert.get()));
  ONSHI_TRY(b.add_key_identifier(NID_subject_key_identifier, "hash", nullptr));
  ONSHI_TRY(b.add_key_usage(true, {key_usage_bit(app, holder)}));
  ONSHI_TRY(b.add_dirname_alt_name(NID_subject_alt_name, {{"C", "JP"},
                                                          {"O", holder.institution_kanji},
                                                          {"CN", holder.name_kanji},
                                                          {"serialNumber", holder.serial_number}}));
  ONSHI_TRY(b.add_crl_uri(kind.crl_uri));
  ONSHI_TRY_ASSIGN(const Bytes hc_role, hc_role_extension_value(holder.role));
  ONSHI_TRY(b.add_der_extension(NID_subject_directory_attributes, hc_role, false));
  // §2.4: the only HPKI policy OID seen; the authentication CP's OID is not public either.
  ONSHI_TRY(b.add_policy(kHpkiPolicyOid, kCpsUri, true));
  ONSHI_TRY_ASSIGN(ossl::X509Ptr cert, b.sign(ca.key.get()));
  return Issued{std::move(key), std::move(cert)};
}

// Issues one application's certificate and key into `out_dir`; returns the DER's SHA-256.
Result<std::string> write_application(const std::filesystem::path& out_dir, const Issued& ca,
                                      const CaKind& kind, hpki::Application app,
                                      const HpkiHolder& holder, sys_days issue,
                                      const std::string& cert_file, const std::string& key_file) {
  ONSHI_TRY_ASSIGN(const Issued issued, make_end_entity(ca, kind, app, holder, issue));
  ONSHI_TRY(write_pem_cert(out_dir / cert_file, issued.cert.get()));
  ONSHI_TRY(write_pem_key(out_dir / key_file, issued.key.get()));
  ONSHI_TRY_ASSIGN(const Bytes der, ossl::to_der(issued.cert.get()));
  return sha256_hex(der);
}

}  // namespace

const GeneratedHpkiPersona* GeneratedHpki::find(std::string_view name) const {
  for (const auto& p : personas) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

Result<GeneratedHpki> generate_hpki_personas(const std::filesystem::path& out_dir,
                                             sys_days issue_date,
                                             const std::vector<HpkiHolder>& holders) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec)
    return fail(Errc::io, fmt::format("cannot create {}: {}", out_dir.string(), ec.message()));

  ONSHI_TRY_ASSIGN(const Issued root, make_ca(kRootName, nullptr, issue_date));
  ONSHI_TRY_ASSIGN(const Issued sign_ca, make_ca(ca_name(kSignCa), &root, issue_date));
  ONSHI_TRY_ASSIGN(const Issued auth_ca, make_ca(ca_name(kAuthCa), &root, issue_date));
  GeneratedHpki generated;
  generated.root_cert = out_dir / kHpkiRootFile;
  generated.signature_ca_cert = out_dir / kHpkiSignCaFile;
  generated.authentication_ca_cert = out_dir / kHpkiAuthCaFile;
  ONSHI_TRY(write_pem_cert(generated.root_cert, root.cert.get()));
  ONSHI_TRY(write_pem_cert(generated.signature_ca_cert, sign_ca.cert.get()));
  ONSHI_TRY(write_pem_cert(generated.authentication_ca_cert, auth_ca.cert.get()));

  for (const HpkiHolder& h : holders) {
    const HpkiPersonaFiles files = hpki_persona_files(h.persona);
    GeneratedHpkiPersona persona;
    persona.name = h.persona;
    persona.profile = h.profile;
    persona.persona_file = out_dir / files.persona;
    persona.holder = h.name_romaji;
    persona.role = h.role;
    HpkiManifestCard card{h.persona, h.profile, std::nullopt, std::nullopt, h.name_romaji, h.role};
    if (h.signature) {
      ONSHI_TRY_ASSIGN(persona.signature_cert_sha256,
                       write_application(out_dir, sign_ca, kSignCa, hpki::Application::signature, h,
                                         issue_date, files.signature_cert, files.signature_key));
      persona.signature_cert_pem = out_dir / files.signature_cert;
      persona.signature_pin = h.signature_pin;
      card.signature_cert_sha256 = persona.signature_cert_sha256;
    }
    if (h.authentication) {
      ONSHI_TRY_ASSIGN(
          persona.authentication_cert_sha256,
          write_application(out_dir, auth_ca, kAuthCa, hpki::Application::authentication, h,
                            issue_date, files.authentication_cert, files.authentication_key));
      persona.authentication_cert_pem = out_dir / files.authentication_cert;
      persona.authentication_pin = h.authentication_pin;
      card.authentication_cert_sha256 = persona.authentication_cert_sha256;
    }
    ONSHI_TRY(write_text(persona.persona_file, hpki_persona_json(h)));
    generated.personas.push_back(std::move(persona));
    generated.manifest_content.cards.push_back(std::move(card));
  }
  ONSHI_TRY_ASSIGN(const std::string manifest, hpki_manifest_json(generated.manifest_content));
  generated.manifest = out_dir / kHpkiManifestFile;
  ONSHI_TRY(write_text(generated.manifest, manifest));
  return generated;
}

}  // namespace onshi::sim::testpki
