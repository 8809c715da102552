#include "onshi/sim/jpki_test_pki.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>

#include "test_persona_writer.hpp"
#include "test_pki_time.hpp"
#include "x509_builder.hpp"

namespace onshi::sim::testpki {
namespace {

using namespace std::chrono;

constexpr int kRsaBits = 2048;                     // certificate-profiles.md §1.2
constexpr int kCaYears = 10;                       // §1.5: the roots run ten years
constexpr std::size_t kAuthCnLength = 23;          // §1.3: real test card's CN length
constexpr std::string_view kCnAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::string_view kReceptionId = "TESTWIN01";  // 9-char 受付窓口識別記号 (§1.4), invented

// KU bits (RFC 5280 §4.2.1.3).
constexpr int kDigitalSignature = 0;
constexpr int kNonRepudiation = 1;
constexpr int kKeyCertSign = 5;
constexpr int kCrlSign = 6;

const NameSpec kJlisAltName = {{"C", "JP"}, {"O", "公的個人認証サービス"}};  // IAN (§1.2)

struct CaKind {
  const char* ou;      // §1.2 issuer DN
  const char* alt_ou;  // §1.5 SAN OU
};
constexpr CaKind kAuthCa{"JPKI for user authentication", "公的個人認証サービス利用者証明用"};
constexpr CaKind kSignCa{"JPKI for digital signature", "公的個人認証サービス署名用"};

struct Issued {
  ossl::PkeyPtr key;
  ossl::X509Ptr cert;
};

NameSpec ca_name(const CaKind& kind) {
  // O=JPKI-TEST marks the test hierarchy (§1.2); the OUs keep the production layout.
  return {{"C", "JP"},
          {"O", "JPKI-TEST"},
          {"OU", kind.ou},
          {"OU", "Japan Agency for Local Authority Information Systems"}};
}

std::string random_text(std::size_t length) {
  Bytes random(length);
  RAND_bytes(random.data(), static_cast<int>(random.size()));
  std::string out;
  for (std::uint8_t b : random) out.push_back(kCnAlphabet[b % kCnAlphabet.size()]);
  return out;
}

std::size_t utf8_length(std::string_view text) {
  std::size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

Result<Issued> make_ca(const CaKind& kind, sys_days issue) {
  ONSHI_TRY_ASSIGN(ossl::PkeyPtr key, generate_rsa_key(kRsaBits));
  CertificateBuilder b;
  ONSHI_TRY(b.set_subject(ca_name(kind)));
  ONSHI_TRY(b.set_issuer(X509_get_subject_name(b.get())));
  ONSHI_TRY(b.set_validity(jst_midnight(issue), jst_end_of_day(years_after(issue, kCaYears))));
  ONSHI_TRY(b.set_public_key(key.get()));
  ONSHI_TRY(b.set_random_serial());
  // §1.5 order: KU, SAN, BasicConstraints, CRLDP (own DN), SKI.
  ONSHI_TRY(b.add_key_usage(true, {kKeyCertSign, kCrlSign}));
  ONSHI_TRY(b.add_dirname_alt_name(NID_subject_alt_name,
                                   {{"C", "JP"},
                                    {"O", "公的個人認証サービス"},
                                    {"OU", kind.alt_ou},
                                    {"OU", "地方公共団体情報システム機構"}}));
  ONSHI_TRY(b.add_basic_constraints_ca());
  ONSHI_TRY(b.add_crl_dirname(X509_get_subject_name(b.get())));
  ONSHI_TRY(b.add_key_identifier(NID_subject_key_identifier, "hash", nullptr));
  ONSHI_TRY_ASSIGN(ossl::X509Ptr cert, b.sign(key.get()));
  return Issued{std::move(key), std::move(cert)};
}

// The end-entity part both profiles share (§1.2, §4): validity, key, serial, and after the
// profile-specific extensions CP, IAN, CRLDP, AKI, SKI.
Status end_entity_common(CertificateBuilder& b, const Issued& ca, EVP_PKEY* key, sys_days issue,
                         const Holder& holder) {
  ONSHI_TRY(b.set_issuer(X509_get_subject_name(ca.cert.get())));
  ONSHI_TRY(b.set_validity(jst_midnight(issue),
                           jst_end_of_day(fifth_birthday_after(issue, holder.birthday))));
  ONSHI_TRY(b.set_public_key(key));
  return b.set_random_serial();
}

Status end_entity_tail(CertificateBuilder& b, const Issued& ca, const NameSpec& crl_name) {
  ONSHI_TRY(b.add_dirname_alt_name(NID_issuer_alt_name, kJlisAltName));
  ONSHI_TRY_ASSIGN(const ossl::NamePtr crl, make_name(crl_name));
  ONSHI_TRY(b.add_crl_dirname(crl.get()));
  ONSHI_TRY(b.add_key_identifier(NID_authority_key_identifier, "keyid:always", ca.cert.get()));
  return b.add_key_identifier(NID_subject_key_identifier, "hash", nullptr);  // last (§1.2)
}

// RSA-2048 as on the real card (§1.2), or EC P-384 for the invented variant (cards §1.12).
Result<ossl::PkeyPtr> end_entity_key(const Holder& holder) {
  if (holder.key_type == jpki::KeyType::ec_p384) return generate_ec_p384_key();
  return generate_rsa_key(kRsaBits);
}

Result<Issued> make_auth(const Issued& ca, sys_days issue, const Holder& holder) {
  ONSHI_TRY_ASSIGN(ossl::PkeyPtr key, end_entity_key(holder));
  CertificateBuilder b;
  // §1.3: C=JP, CN=<opaque identifier>, no personal data, no SAN.
  ONSHI_TRY(b.set_subject({{"C", "JP"}, {"CN", random_text(kAuthCnLength)}}));
  ONSHI_TRY(end_entity_common(b, ca, key.get(), issue, holder));
  ONSHI_TRY(b.add_key_usage(true, {kDigitalSignature}));
  ONSHI_TRY(b.add_policy(kAuthPolicyOid, kCpsUri, true));
  ONSHI_TRY(end_entity_tail(b, ca, ca_name(kAuthCa)));
  ONSHI_TRY_ASSIGN(ossl::X509Ptr cert, b.sign(ca.key.get()));
  return Issued{std::move(key), std::move(cert)};
}

Result<Issued> make_sign(const Issued& ca, sys_days issue, const Holder& holder,
                         std::size_t sequence) {
  ONSHI_TRY_ASSIGN(ossl::PkeyPtr key, end_entity_key(holder));
  // §1.4 CN: YYYYMMDDhhmmss (request time) + 5-digit sequence + 9-char reception id.
  const year_month_day d{issue};
  const std::string cn = fmt::format("{:04}{:02}{:02}100000{:05}{}", static_cast<int>(d.year()),
                                     static_cast<unsigned>(d.month()),
                                     static_cast<unsigned>(d.day()), sequence, kReceptionId);
  CertificateBuilder b;
  ONSHI_TRY(b.set_subject({{"C", "JP"},
                           {"L", holder.prefecture_romaji},
                           {"L", holder.city_romaji},
                           {"CN", cn}}));
  ONSHI_TRY(end_entity_common(b, ca, key.get(), issue, holder));
  ONSHI_TRY(b.add_key_usage(true, {kDigitalSignature, kNonRepudiation}));
  // §1.4: six otherNames in card order; substitute-character maps are one '0' per character.
  ONSHI_TRY(b.add_other_name_san({
      {kOidName, holder.name},
      {kOidBirthDate, jpki_birth_date(holder.birthday)},
      {kOidSex, holder.sex},
      {kOidAddress, holder.address},
      {kOidNameSubstitutes, std::string(utf8_length(holder.name), '0')},
      {kOidAddressSubstitutes, std::string(utf8_length(holder.address), '0')},
  }));
  ONSHI_TRY(b.add_policy(kSignTestPolicyOid, kCpsUri, true));
  // §1.4 CRLDP: a per-municipality DirName below the sign CA's name ([SYN], plausible).
  NameSpec crl = {{"C", "JP"},
                  {"O", "JPKI-TEST"},
                  {"OU", kSignCa.ou},
                  {"OU", "CRL Distribution Points"},
                  {"OU", holder.prefecture_romaji},
                  {"CN", holder.city_romaji}};
  ONSHI_TRY(end_entity_tail(b, ca, crl));
  ONSHI_TRY_ASSIGN(ossl::X509Ptr cert, b.sign(ca.key.get()));
  return Issued{std::move(key), std::move(cert)};
}

}  // namespace

sys_days today_jst() { return floor<days>(system_clock::now() + kJst); }

sys_days fifth_birthday_after(sys_days issue, year_month_day birthday) {
  const year_month_day start{issue};
  sys_days this_year = clamp_day(start.year(), birthday.month(), birthday.day());
  // The first birthday strictly after the issue day, then four more.
  const year first = this_year > issue ? start.year() : start.year() + years(1);
  return clamp_day(first + years(4), birthday.month(), birthday.day());
}

std::string jpki_birth_date(year_month_day birthday) {
  // §1.4: 1 明治, 2 大正, 3 昭和, 4 平成, 5 令和 (era start dates).
  const sys_days d{birthday};
  int era = 1;
  if (d >= sys_days{year{2019} / May / 1}) {
    era = 5;
  } else if (d >= sys_days{year{1989} / January / 8}) {
    era = 4;
  } else if (d >= sys_days{year{1926} / December / 25}) {
    era = 3;
  } else if (d >= sys_days{year{1912} / July / 30}) {
    era = 2;
  }
  return fmt::format("{}{:04}{:02}{:02}", era, static_cast<int>(birthday.year()),
                     static_cast<unsigned>(birthday.month()),
                     static_cast<unsigned>(birthday.day()));
}

const GeneratedPersona* Generated::find(std::string_view name) const {
  for (const auto& p : personas) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

Result<Generated> generate_jpki_personas(const std::filesystem::path& out_dir, sys_days issue_date,
                                         const std::vector<Holder>& holders) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return fail(Errc::io, fmt::format("cannot create {}: {}", out_dir.string(), ec.message()));

  ONSHI_TRY_ASSIGN(const Issued auth_ca, make_ca(kAuthCa, issue_date));
  ONSHI_TRY_ASSIGN(const Issued sign_ca, make_ca(kSignCa, issue_date));
  ONSHI_TRY(write_pem_cert(out_dir / kAuthCaFile, auth_ca.cert.get()));
  ONSHI_TRY(write_pem_cert(out_dir / kSignCaFile, sign_ca.cert.get()));

  Generated generated;
  for (std::size_t i = 0; i < holders.size(); ++i) {
    const Holder& h = holders[i];
    const PersonaFiles files = persona_files(h.persona);
    GeneratedPersona persona{h.persona,
                             out_dir / files.persona,
                             out_dir / files.auth_cert,
                             {},
                             h.auth_pin,
                             h.sign_pin,
                             {},
                             {}};
    ManifestCard card;
    card.persona = h.persona;
    card.token = h.token;
    card.pin_less = h.pin_less;
    card.jpki_key = h.key_type;
    card.sign_certificate = h.sign_certificate;
    card.insured_person = insured_person(h);

    ONSHI_TRY_ASSIGN(const Issued auth, make_auth(auth_ca, issue_date, h));
    ONSHI_TRY(write_pem_cert(persona.auth_cert_pem, auth.cert.get()));
    ONSHI_TRY(write_pem_key(out_dir / files.auth_key, auth.key.get()));
    ONSHI_TRY_ASSIGN(const Bytes auth_der, ossl::to_der(auth.cert.get()));
    persona.auth_cert_sha256 = sha256_hex(auth_der);
    card.auth_cert_sha256 = persona.auth_cert_sha256;
    if (h.sign_certificate) {
      ONSHI_TRY_ASSIGN(const Issued sign, make_sign(sign_ca, issue_date, h, i + 1));
      ONSHI_TRY(write_pem_cert(out_dir / files.sign_cert, sign.cert.get()));
      ONSHI_TRY(write_pem_key(out_dir / files.sign_key, sign.key.get()));
    }
    if (h.kenmen) {
      // The 券面事項入力補助AP's own PIN-less key (§1.5): RSA-2048 in every variant, since the
      // invented P-384 variant changes only the JPKI keys.
      ONSHI_TRY_ASSIGN(const ossl::PkeyPtr key, generate_rsa_key(kenmen::kCardPresentKeyBits));
      persona.card_present_key_pem = out_dir / files.card_present_key;
      ONSHI_TRY(write_pem_key(persona.card_present_key_pem, key.get()));
      ONSHI_TRY_ASSIGN(card.card_present_public_key, ossl::public_key_der(key.get()));
      if (!h.pin_less) persona.kenmen_pin = h.kenmen->pin;
    }
    ONSHI_TRY(write_text(persona.persona_file, persona_json(h)));
    generated.personas.push_back(std::move(persona));
    generated.manifest_content.cards.push_back(std::move(card));
  }
  // The persona manifest (issue 3): which insured person each card stands for.
  ONSHI_TRY_ASSIGN(const std::string manifest, persona_manifest_json(generated.manifest_content));
  generated.manifest = out_dir / kManifestFile;
  ONSHI_TRY(write_text(generated.manifest, manifest));
  return generated;
}

}  // namespace onshi::sim::testpki
