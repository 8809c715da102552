// A test PKI for My Number personas: test root CAs shaped like certificate-profiles.md §1.5 (with
// O=JPKI-TEST, the test hierarchy's name, §1.2), auth and sign RSA-2048 end-entity certificates
// shaped like §1.3/§1.4, their keys, persona JSON files and the persona manifest. Everything it
// writes is test material: fictional holders, test PINs, unencrypted keys.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "onshi/result.hpp"
#include "onshi/sim/jpki.hpp"

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

// One fictional card holder.
struct Holder {
  std::string persona;  // persona name and file stem, e.g. "jpki-card"
  jpki::TokenVariant token = jpki::TokenVariant::card;
  std::string auth_pin;  // test values: the emulator's trace prints them verbatim
  std::string sign_pin;
  std::chrono::year_month_day birthday;
  std::string name;     // 氏名, surname U+3000 given name
  std::string sex;      // "1" male, "2" female, "3" unknown
  std::string address;  // from the prefecture, no postal code
  std::string prefecture_romaji;
  std::string city_romaji;
};

// The two shipped holders: a physical card and an Android smartphone token.
std::vector<Holder> default_holders();

struct GeneratedPersona {
  std::string name;
  std::filesystem::path persona_file;
  std::filesystem::path auth_cert_pem;
  std::string auth_cert_sha256;  // lower-case hex of the DER's SHA-256
  std::string auth_pin;
  std::string sign_pin;
};

struct Generated {
  std::vector<GeneratedPersona> personas;
  std::filesystem::path manifest;
};

// Writes into `out_dir` (created if missing): jpki-auth-ca.pem, jpki-sign-ca.pem, and per holder
// <persona>-auth.pem, -auth-key.pem, -sign.pem, -sign-key.pem, <persona>.json; then
// manifest.json. Certificates are issued on `issue_date` (00:00 JST) and run to the holder's 5th
// birthday after it (23:59:59 JST, §1.2).
Result<Generated> generate_jpki_personas(const std::filesystem::path& out_dir,
                                         std::chrono::sys_days issue_date,
                                         const std::vector<Holder>& holders = default_holders());

// Today's date in JST, the calendar the certificates' validity follows.
std::chrono::sys_days today_jst();
// "発行日後5回目の誕生日" (certificate-profiles.md §1.2): the 5th birthday strictly after
// `issue`; a 29 February birthday falls on 28 February in common years.
std::chrono::sys_days fifth_birthday_after(std::chrono::sys_days issue,
                                           std::chrono::year_month_day birthday);
// 生年月日 as the sign certificate stores it: era digit (1 明治 … 5 令和) + Gregorian YYYYMMDD.
std::string jpki_birth_date(std::chrono::year_month_day birthday);

}  // namespace onshi::sim::testpki
