// A test PKI for HPKI personas: a test root and signature / authentication CAs named clearly as
// test (O=ONSHI TEST), end-entity certificates shaped like the MEDIS test signature certificate
// of certificate-profiles.md §2.1 with the hcRole of §2.2, RSA-2048 keys, persona JSON files
// (the "hpki" section) and the HPKI manifest. Everything it writes is test material: fictional
// holders and institutions, test PINs, unencrypted keys.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "onshi/bytes.hpp"
#include "onshi/result.hpp"
#include "onshi/sim/hpki.hpp"
#include "onshi/sim/hpki_manifest.hpp"

namespace onshi::sim::testpki {

// The shipped HPKI personas, in default_hpki_holders() order.
inline constexpr std::string_view kHpkiJmaDoctorPersona = "hpki-jma-doctor";
inline constexpr std::string_view kHpkiJahisClinicPersona = "hpki-jahis-clinic";
inline constexpr std::string_view kHpkiJahisSignOnlyPersona = "hpki-jahis-sign-only";
// Negative case: its signature certificate has keyUsage digitalSignature, not nonRepudiation.
inline constexpr std::string_view kHpkiBadKeyUsagePersona = "hpki-bad-keyusage";

// certificate-profiles.md §2.1: the policy of the MEDIS test certificate (critical).
inline constexpr const char* kHpkiPolicyOid = "1.2.392.100495.1.5.1.1.0.1";
// §2.2: id-hcpki-at-healthcareactor (ISO 17090) and the JP HPKI hcRole coding scheme.
inline constexpr const char* kHcActorOid = "1.0.17090.0.1";
inline constexpr const char* kHcRoleSchemeOid = "1.2.392.100495.1.6.1.1";

// One fictional HPKI card holder.
struct HpkiHolder {
  std::string persona;  // persona name and file stem
  hpki::ProfileId profile = hpki::ProfileId::jma;
  bool signature = true;           // the card carries the signature application
  bool authentication = true;      // ... and / or the authentication application
  std::string role;                // one of kHcRoles (hpki_manifest.hpp)
  std::string institution_romaji;  // subject O
  std::string institution_kanji;   // SAN DirName O
  std::string name_romaji;         // subject CN, given name first ("Sanjushi Kagurazaka")
  std::string name_kanji;          // SAN DirName CN, surname U+3000 given name
  std::string serial_number;       // subject serialNumber, "Test" + digits
  // Test PINs, 4–16 printable ASCII (the emulator's trace prints them verbatim); empty
  // without the application.
  std::string signature_pin;
  std::string authentication_pin;
  // The negative case: the signature certificate says digitalSignature, not nonRepudiation.
  bool signature_key_usage_wrong = false;
};

// The four shipped holders (k*Persona above, in that order).
std::vector<HpkiHolder> default_hpki_holders();

struct GeneratedHpkiPersona {
  std::string name;
  hpki::ProfileId profile = hpki::ProfileId::jma;
  std::filesystem::path persona_file;
  // Empty without the application.
  std::filesystem::path signature_cert_pem;
  std::filesystem::path authentication_cert_pem;
  std::string signature_cert_sha256;  // lower-case hex of the DER's SHA-256
  std::string authentication_cert_sha256;
  std::string signature_pin;
  std::string authentication_pin;
  std::string holder;  // the subject CN
  std::string role;
};

struct GeneratedHpki {
  std::vector<GeneratedHpkiPersona> personas;  // in the order of the holders
  std::filesystem::path root_cert;
  std::filesystem::path signature_ca_cert;
  std::filesystem::path authentication_ca_cert;
  std::filesystem::path manifest;
  HpkiManifest manifest_content;  // what hpki-manifest.json holds

  // The persona of that name, or nullptr.
  const GeneratedHpkiPersona* find(std::string_view name) const;
};

// Writes into `out_dir` (created if missing): hpki-root.pem, hpki-sign-ca.pem, hpki-auth-ca.pem,
// per holder <persona>-sign.pem / -sign-key.pem and / or -auth.pem / -auth-key.pem, and
// <persona>.json; then hpki-manifest.json. End-entity certificates run five years on JST day
// boundaries from `issue_date` (00:00 JST to 23:59:59 JST of the same date five years on, like
// the MEDIS test certificate, §2.1).
Result<GeneratedHpki> generate_hpki_personas(
    const std::filesystem::path& out_dir, std::chrono::sys_days issue_date,
    const std::vector<HpkiHolder>& holders = default_hpki_holders());

// Reads back what generate_hpki_personas wrote into `dir` (manifest, persona files' PINs), so
// several processes can share one generated set. Errc::config_not_found / config_invalid if
// the manifest or a persona is missing or bad.
Result<GeneratedHpki> load_generated_hpki_personas(const std::filesystem::path& dir);

// The value (DER) of the subjectDirectoryAttributes extension carrying `role` as hcRole, in the
// structure of certificate-profiles.md §2.2. Fails for an empty role.
Result<Bytes> hc_role_extension_value(std::string_view role);

}  // namespace onshi::sim::testpki
