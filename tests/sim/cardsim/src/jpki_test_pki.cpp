#include "onshi/sim/jpki_test_pki.hpp"

#include <fmt/format.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "x509_builder.hpp"

namespace onshi::sim::testpki {
namespace {

using namespace std::chrono;
using nlohmann::json;

constexpr int kRsaBits = 2048;                     // certificate-profiles.md §1.2
constexpr hours kJst{9};                           // validity follows JST days (§1.2)
constexpr int kCaYears = 10;                       // §1.5: the roots run ten years
constexpr std::size_t kAuthCnLength = 23;          // §1.3: real test card's CN length
constexpr std::string_view kCnAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::string_view kReceptionId = "TESTWIN01";  // 9-char 受付窓口識別記号 (§1.4), invented
constexpr std::string_view kJpkiAtr = "3B E0 00 FF 81 31 FE 45 14";  // contact ATR (cards §1.1)
// A phone is read contactless; the reader makes the ATR up (§1.1). PC/SC-style, 8 zero
// historical bytes, so detection must go by SELECT.
constexpr std::string_view kContactlessAtr = "3B 88 80 01 00 00 00 00 00 00 00 00 09";

// KU bits (RFC 5280 §4.2.1.3).
constexpr int kDigitalSignature = 0;
constexpr int kNonRepudiation = 1;
constexpr int kKeyCertSign = 5;
constexpr int kCrlSign = 6;

const NameSpec kJlisAltName = {{"C", "JP"}, {"O", "公的個人認証サービス"}};  // IAN (§1.2)

struct CaKind {
  const char* file;
  const char* ou;      // §1.2 issuer DN
  const char* alt_ou;  // §1.5 SAN OU
};
constexpr CaKind kAuthCa{"jpki-auth-ca", "JPKI for user authentication",
                         "公的個人認証サービス利用者証明用"};
constexpr CaKind kSignCa{"jpki-sign-ca", "JPKI for digital signature",
                         "公的個人認証サービス署名用"};

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

sys_seconds jst_midnight(sys_days day) { return sys_seconds(day) - kJst; }
sys_seconds jst_end_of_day(sys_days day) { return sys_seconds(day) + hours(24) - kJst - seconds(1); }

sys_days clamp_day(year y, month m, day d) {
  const year_month_day ymd{y, m, d};
  if (ymd.ok()) return ymd;
  return year_month_day_last{y, month_day_last{m}};  // 29 Feb in a common year → 28 Feb
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
  const year_month_day start{issue};
  CertificateBuilder b;
  ONSHI_TRY(b.set_subject(ca_name(kind)));
  ONSHI_TRY(b.set_issuer(X509_get_subject_name(b.get())));
  ONSHI_TRY(b.set_validity(jst_midnight(issue),
                           jst_end_of_day(clamp_day(start.year() + years(kCaYears), start.month(),
                                                    start.day()))));
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

Result<Issued> make_auth(const Issued& ca, sys_days issue, const Holder& holder) {
  ONSHI_TRY_ASSIGN(ossl::PkeyPtr key, generate_rsa_key(kRsaBits));
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
  ONSHI_TRY_ASSIGN(ossl::PkeyPtr key, generate_rsa_key(kRsaBits));
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

Status write_text(const std::filesystem::path& file, std::string_view text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return fail(Errc::io, fmt::format("cannot write {}", file.string()));
  return {};
}

Status write_pem_cert(const std::filesystem::path& file, X509* cert) {
  ossl::BioPtr bio(BIO_new_file(file.c_str(), "wb"));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) {
    return ossl::error(fmt::format("cannot write {}", file.string()), Errc::io);
  }
  return {};
}

Status write_pem_key(const std::filesystem::path& file, EVP_PKEY* key) {
  {
    ossl::BioPtr bio(BIO_new_file(file.c_str(), "wb"));
    if (!bio ||
        PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
      return ossl::error(fmt::format("cannot write {}", file.string()), Errc::io);
    }
  }
  std::error_code ec;
  std::filesystem::permissions(file, std::filesystem::perms::owner_read |
                                         std::filesystem::perms::owner_write, ec);
  return {};
}

std::string sha256_hex(const Bytes& der) {
  Bytes digest(SHA256_DIGEST_LENGTH);
  SHA256(der.data(), der.size(), digest.data());
  std::string hex = to_hex(digest);
  for (char& c : hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return hex;
}

json persona_json(const Holder& h) {
  const bool card = h.token == jpki::TokenVariant::card;
  const std::string token = card ? "card"
                            : h.token == jpki::TokenVariant::android ? "android"
                                                                     : "ios";
  return json{
      {"name", h.persona},
      {"description",
       fmt::format("Generated by onshi-jpki-personas: a fictional My Number {} (token label {}). "
                   "TEST certificates, keys and PINs only; the emulator's trace prints PINs.",
                   card ? "card" : "smartphone token", jpki::token_label(h.token))},
      {"atr", std::string(card ? kJpkiAtr : kContactlessAtr)},
      {"files", json::array()},
      {"jpki",
       {{"token", token},
        {"auth_cert", {{"file", h.persona + "-auth.pem"}}},
        {"auth_ca_cert", {{"file", std::string(kAuthCa.file) + ".pem"}}},
        {"sign_cert", {{"file", h.persona + "-sign.pem"}}},
        {"sign_ca_cert", {{"file", std::string(kSignCa.file) + ".pem"}}},
        {"auth_key", {{"file", h.persona + "-auth-key.pem"}}},
        {"sign_key", {{"file", h.persona + "-sign-key.pem"}}},
        {"auth_pin", {{"value", h.auth_pin}, {"tries_left", jpki::kAuthPinTries}}},
        {"sign_pin", {{"value", h.sign_pin}, {"tries_left", jpki::kSignPinTries}}}}}};
}

}  // namespace

std::vector<Holder> default_holders() {
  // Fictional people and places (試験町/見本町 do not exist); test PINs.
  return {
      Holder{"jpki-card", jpki::TokenVariant::card, "1234", "TESTSIGN1",
             year{1990} / January / 2, "試験\u3000太郎", "1",
             "東京都千代田区試験町一丁目１番１号", "Tokyo-to", "Chiyoda-ku"},
      Holder{"jpki-smartphone", jpki::TokenVariant::android, "5678", "PHONE2468",
             year{1985} / July / 15, "見本\u3000花子", "2",
             "大阪府大阪市北区見本町二丁目２番２号", "Osaka-fu", "Osaka-shi"},
  };
}

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

Result<Generated> generate_jpki_personas(const std::filesystem::path& out_dir, sys_days issue_date,
                                         const std::vector<Holder>& holders) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return fail(Errc::io, fmt::format("cannot create {}: {}", out_dir.string(), ec.message()));

  ONSHI_TRY_ASSIGN(const Issued auth_ca, make_ca(kAuthCa, issue_date));
  ONSHI_TRY_ASSIGN(const Issued sign_ca, make_ca(kSignCa, issue_date));
  ONSHI_TRY(write_pem_cert(out_dir / (std::string(kAuthCa.file) + ".pem"), auth_ca.cert.get()));
  ONSHI_TRY(write_pem_cert(out_dir / (std::string(kSignCa.file) + ".pem"), sign_ca.cert.get()));

  Generated generated;
  json by_fingerprint = json::object();
  for (std::size_t i = 0; i < holders.size(); ++i) {
    const Holder& h = holders[i];
    ONSHI_TRY_ASSIGN(const Issued auth, make_auth(auth_ca, issue_date, h));
    ONSHI_TRY_ASSIGN(const Issued sign, make_sign(sign_ca, issue_date, h, i + 1));
    const auto stem = out_dir / h.persona;
    const std::filesystem::path auth_pem = stem.string() + "-auth.pem";
    ONSHI_TRY(write_pem_cert(auth_pem, auth.cert.get()));
    ONSHI_TRY(write_pem_key(stem.string() + "-auth-key.pem", auth.key.get()));
    ONSHI_TRY(write_pem_cert(stem.string() + "-sign.pem", sign.cert.get()));
    ONSHI_TRY(write_pem_key(stem.string() + "-sign-key.pem", sign.key.get()));
    const std::filesystem::path persona_file = stem.string() + ".json";
    ONSHI_TRY(write_text(persona_file, persona_json(h).dump(2) + "\n"));

    ONSHI_TRY_ASSIGN(const Bytes auth_der, ossl::to_der(auth.cert.get()));
    const std::string fingerprint = sha256_hex(auth_der);
    by_fingerprint[fingerprint] = h.persona;
    generated.personas.push_back(
        GeneratedPersona{h.persona, persona_file, auth_pem, fingerprint, h.auth_pin, h.sign_pin});
  }
  // The persona manifest (issue 3): auth-certificate SHA-256 → persona. The reference
  // eligibility service will read it to know which insured person a card stands for.
  const json manifest = {{"format", "onshi-persona-manifest"},
                         {"version", 1},
                         {"auth_cert_sha256", by_fingerprint}};
  generated.manifest = out_dir / "manifest.json";
  ONSHI_TRY(write_text(generated.manifest, manifest.dump(2) + "\n"));
  return generated;
}

}  // namespace onshi::sim::testpki
