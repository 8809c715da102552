// A test PKI for My Number personas: test root CAs shaped like certificate-profiles.md §1.5 (with
// O=JPKI-TEST, the test hierarchy's name, §1.2), auth and sign end-entity certificates shaped
// like §1.3/§1.4 (RSA-2048, or EC P-384 for the invented variant), their keys, the
// 券面事項入力補助AP's card-present keys, persona JSON files and the persona manifest. Everything
// it writes is test material: fictional holders, test PINs and My Numbers, unencrypted keys.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "onshi/result.hpp"
#include "onshi/sim/jpki.hpp"
#include "onshi/sim/kenmen.hpp"
#include "onshi/sim/persona_manifest.hpp"

namespace onshi::sim::testpki {

// Policy OIDs (certificate-profiles.md §1.3/§1.4). The auth OID is the production one (no test
// OID is known for it); the sign OID is the one test cards carry.
inline constexpr const char* kAuthPolicyOid = "1.2.392.200149.8.5.1.3.30";
inline constexpr const char* kSignTestPolicyOid = "1.2.392.200149.8.5.1.0.20";
// Only seen in a synthetic generator (§1.4, [SYN]).
inline constexpr const char* kCpsUri = "http://www.jpki.go.jp/cps.html";
// subjectAltName otherName type-ids of the sign certificate, in card order (§1.4).
inline constexpr const char* kOidName = "1.2.392.200149.8.5.5.1";
inline constexpr const char* kOidBirthDate = "1.2.392.200149.8.5.5.4";
inline constexpr const char* kOidSex = "1.2.392.200149.8.5.5.3";
inline constexpr const char* kOidAddress = "1.2.392.200149.8.5.5.5";
inline constexpr const char* kOidNameSubstitutes = "1.2.392.200149.8.5.5.2";
inline constexpr const char* kOidAddressSubstitutes = "1.2.392.200149.8.5.5.6";

// The shipped personas, in the order default_holders() lists them (the first two keep the
// places they had before the manifest's version 2: other tests index them).
inline constexpr std::string_view kCardPersona = "jpki-card";              // classic 券面 layout
inline constexpr std::string_view kSmartphonePersona = "jpki-smartphone";  // Android, no 券面AP
inline constexpr std::string_view kCard2023Persona = "jpki-card-2023";     // 2023 券面 layout
inline constexpr std::string_view kChildPersona = "jpki-child";            // no sign certificate
inline constexpr std::string_view kPinLessPersona = "jpki-pinless";        // invented marker
inline constexpr std::string_view kP384Persona = "jpki-p384";              // invented EC variant

// The 券面事項入力補助AP of a card holder (cards-and-readers.md §1.7).
struct KenmenHolder {
  std::string pin;        // empty on a PIN-less card
  std::string my_number;  // 12 digits with a valid check digit; fictional
  kenmen::Layout layout = kenmen::Layout::classic;
};

// The insured person's data beyond the 券面 basic-4 (eligibility-system.md §2).
struct Insurance {
  std::string name_kana;  // half-width katakana
  std::string post_number;
  std::string insurer_number;  // 8 digits, or 6 for 国保
  std::string symbol;
  std::string number;
  std::string branch;
  std::string family_classification;  // "1" 本人, "2" 家族
};

// One fictional card holder.
struct Holder {
  std::string persona;  // persona name and file stem, e.g. "jpki-card"
  jpki::TokenVariant token = jpki::TokenVariant::card;
  // Test PINs (the emulator's trace prints them verbatim). auth_pin is empty on a PIN-less card,
  // sign_pin without a sign certificate.
  std::string auth_pin;
  std::string sign_pin;
  std::chrono::year_month_day birthday;
  std::string name;     // 氏名, surname U+3000 given name
  std::string sex;      // "1" male, "2" female
  std::string address;  // from the prefecture, no postal code
  std::string prefecture_romaji;
  std::string city_romaji;
  bool pin_less = false;  // 暗証番号設定不要 card (invented marker): no PINs, no sign cert
  bool sign_certificate = true;  // false e.g. under 15 (§1.3), and on a PIN-less card
  jpki::KeyType key_type = jpki::KeyType::rsa;  // ec_p384: the invented variant (§1.12)
  std::optional<KenmenHolder> kenmen;           // nullopt for a phone (no PIN-less key)
  Insurance insurance;
};

// The six shipped holders (k*Persona above, in that order).
std::vector<Holder> default_holders();

// The manifest's insured person for a holder: the 券面 basic-4 data plus `insurance`.
InsuredPerson insured_person(const Holder& holder);

struct GeneratedPersona {
  std::string name;
  std::filesystem::path persona_file;
  std::filesystem::path auth_cert_pem;
  std::string auth_cert_sha256;  // lower-case hex of the DER's SHA-256
  std::string auth_pin;          // empty on a PIN-less card
  std::string sign_pin;          // empty without a sign certificate
  std::string kenmen_pin;  // empty without the 券面事項入力補助AP or on a PIN-less card
  std::filesystem::path card_present_key_pem;  // empty for a phone
};

struct Generated {
  std::vector<GeneratedPersona> personas;  // in the order of the holders
  std::filesystem::path manifest;
  PersonaManifest manifest_content;  // what manifest.json holds

  // The persona of that name, or nullptr.
  const GeneratedPersona* find(std::string_view name) const;
};

// Writes into `out_dir` (created if missing): jpki-auth-ca.pem, jpki-sign-ca.pem, and per holder
// <persona>-auth.pem, -auth-key.pem, with a sign certificate -sign.pem, -sign-key.pem, with a
// 券面事項入力補助AP -card-present-key.pem, and <persona>.json; then manifest.json (version 2,
// see persona_manifest.hpp). Certificates are issued on `issue_date` (00:00 JST) and run to the
// holder's 5th birthday after it (23:59:59 JST, §1.2).
Result<Generated> generate_jpki_personas(const std::filesystem::path& out_dir,
                                         std::chrono::sys_days issue_date,
                                         const std::vector<Holder>& holders = default_holders());

// Reads back what generate_jpki_personas wrote into `dir`: the manifest, and for each of its
// cards the persona file's PINs and file names. Lets several processes share one generated set.
// Fails (Errc::config_not_found / config_invalid) if the manifest or a persona is missing or bad.
Result<Generated> load_generated_personas(const std::filesystem::path& dir);

// Today's date in JST, the calendar the certificates' validity follows.
std::chrono::sys_days today_jst();
// "発行日後5回目の誕生日" (certificate-profiles.md §1.2): the 5th birthday strictly after
// `issue`; a 29 February birthday falls on 28 February in common years.
std::chrono::sys_days fifth_birthday_after(std::chrono::sys_days issue,
                                           std::chrono::year_month_day birthday);
// 生年月日 as the sign certificate stores it: era digit (1 明治 … 5 令和) + Gregorian YYYYMMDD.
std::string jpki_birth_date(std::chrono::year_month_day birthday);

}  // namespace onshi::sim::testpki
