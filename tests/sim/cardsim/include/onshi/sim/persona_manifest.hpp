// The persona manifest (manifest.json) that onshi-jpki-personas writes next to the personas:
// for each generated card, its auth certificate's fingerprint, what kind of card it is, its
// card-present public key and the insured person (被保険者) it stands for. Tests and the reference
// eligibility service (tests/sim/eligsim) read it. Format and rules: tests/sim/cardsim/README.md
// "The persona manifest (version 2)".
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "onshi/bytes.hpp"
#include "onshi/result.hpp"
#include "onshi/sim/jpki.hpp"

namespace onshi::sim {

inline constexpr std::string_view kManifestFormat = "onshi-persona-manifest";
inline constexpr int kManifestVersion = 2;

// The insured person a card stands for, as the eligibility system would answer for it
// (identifier rules: eligibility-system.md §2). name, birth_date, sex and address equal the
// card's 券面 basic-4 data.
struct InsuredPerson {
  std::string name;                            // 漢字氏名, surname U+3000 given name
  std::string name_kana;                       // half-width katakana (and half-width spaces)
  std::string birth_date;                      // YYYYMMDD
  std::string sex;                             // "1" male, "2" female
  std::string address;                         // from the prefecture, no postal code
  std::string post_number;                     // "123-4567"
  std::string insurer_number;                  // 8 digits, or 6 for 国保; last = 検証番号
  std::string insured_card_symbol;             // 記号: up to 20 characters, empty allowed
  std::string insured_identification_number;   // 番号: 1 to 20 characters
  std::string insured_branch_number;           // 枝番: 2 digits
  std::string personal_family_classification;  // "1" 本人, "2" 家族

  bool operator==(const InsuredPerson&) const = default;
};

struct ManifestCard {
  std::string persona;           // persona name; its file is <persona>.json beside the manifest
  std::string auth_cert_sha256;  // lower-case hex SHA-256 of the auth certificate DER
  jpki::TokenVariant token = jpki::TokenVariant::card;
  bool pin_less = false;
  jpki::KeyType jpki_key = jpki::KeyType::rsa;  // "rsa2048" or "ec-p384"
  bool sign_certificate = true;
  // DER SubjectPublicKeyInfo of the 券面事項入力補助AP's RSA-2048 card-present key; nullopt for
  // a phone (no such AP).
  std::optional<Bytes> card_present_public_key;
  InsuredPerson insured_person;

  bool operator==(const ManifestCard&) const = default;
};

struct PersonaManifest {
  std::vector<ManifestCard> cards;

  const ManifestCard* find_persona(std::string_view persona) const;
  // `sha256_hex` in lower or upper case.
  const ManifestCard* find_by_auth_cert(std::string_view sha256_hex) const;

  bool operator==(const PersonaManifest&) const = default;
};

// Parses and validates a version 2 manifest. Unknown fields are errors; every error is
// Errc::config_invalid naming the field, e.g.
// `cards[1].insured_person.insurer_number: the 検証番号 (last digit) should be 3`.
Result<PersonaManifest> parse_persona_manifest(std::string_view json_text);
// Reads and parses `file`; Errc::config_not_found when it cannot be read.
Result<PersonaManifest> load_persona_manifest(const std::filesystem::path& file);

// The manifest as JSON text (2-space indent, final newline). Fails with the reader's message if
// the manifest would not pass parse_persona_manifest, so nothing invalid is ever written.
Result<std::string> persona_manifest_json(const PersonaManifest& manifest);

}  // namespace onshi::sim
