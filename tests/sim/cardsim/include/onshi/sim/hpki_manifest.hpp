// The HPKI manifest (hpki-manifest.json) that onshi-hpki-personas writes next to its personas:
// for each card, its profile, the SHA-256 of each application's certificate, the holder and
// the hcRole. Format and rules: tests/sim/cardsim/README.md "The HPKI manifest".
#pragma once

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "onshi/result.hpp"
#include "onshi/sim/hpki.hpp"

namespace onshi::sim {

inline constexpr std::string_view kHpkiManifestFormat = "onshi-hpki-manifest";
inline constexpr int kHpkiManifestVersion = 1;

// The hcRole strings found in public sources (certificate-profiles.md §2.3): "Medical Doctor"
// [REAL], the two directors [CODE]. The full MHLW table was not found; no others are invented.
inline constexpr std::array<std::string_view, 3> kHcRoles = {
    "Medical Doctor", "Director of Hospital", "Director of Clinic"};

struct HpkiManifestCard {
  std::string persona;  // its file is <persona>.json beside the manifest
  hpki::ProfileId profile = hpki::ProfileId::jma;
  // Lower-case hex SHA-256 of each application's certificate DER; nullopt without the
  // application. At least one is set.
  std::optional<std::string> signature_cert_sha256;
  std::optional<std::string> authentication_cert_sha256;
  std::string holder;  // the certificates' subject CN (romaji)
  std::string role;    // one of kHcRoles

  bool operator==(const HpkiManifestCard&) const = default;
};

struct HpkiManifest {
  std::vector<HpkiManifestCard> cards;

  const HpkiManifestCard* find_persona(std::string_view persona) const;
  // Either application's certificate; `sha256_hex` in lower or upper case.
  const HpkiManifestCard* find_by_cert(std::string_view sha256_hex) const;

  bool operator==(const HpkiManifest&) const = default;
};

// Parses and validates a version 1 HPKI manifest. Unknown fields are errors; every error is
// Errc::config_invalid naming the field, e.g. `cards[0].role: "Pharmacist" is not an hcRole
// onshi knows (...)`.
Result<HpkiManifest> parse_hpki_manifest(std::string_view json_text);
// Reads and parses `file`; Errc::config_not_found when it cannot be read.
Result<HpkiManifest> load_hpki_manifest(const std::filesystem::path& file);
// The manifest as JSON text (2-space indent, final newline); fails with the reader's message
// if parse_hpki_manifest would refuse it.
Result<std::string> hpki_manifest_json(const HpkiManifest& manifest);

}  // namespace onshi::sim
