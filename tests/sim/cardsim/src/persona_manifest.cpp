#include "onshi/sim/persona_manifest.hpp"

#include <openssl/evp.h>

#include <set>

#include "onshi/check_digit.hpp"
#include "onshi/sim/kenmen.hpp"
#include "onshi/sim/ossl.hpp"
#include "persona_json.hpp"

namespace onshi::sim {
namespace {

using namespace persona_json;

constexpr std::size_t kSha256HexSize = 64;
constexpr std::size_t kMaxSymbolOrNumber = 20;  // OQS field lengths (eligibility-system.md §2)
constexpr std::string_view kRsa2048 = "rsa2048";
constexpr std::string_view kEcP384 = "ec-p384";

std::size_t utf8_length(std::string_view text) {
  std::size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

// U+FF61..U+FF9F (EF BD A1..BF, EF BE 80..9F) and the ASCII space.
bool half_width_katakana(std::string_view text) {
  if (text.empty()) return false;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    if (i + 3 > text.size()) return false;
    const auto b0 = static_cast<unsigned char>(text[i]);
    const auto b1 = static_cast<unsigned char>(text[i + 1]);
    const auto b2 = static_cast<unsigned char>(text[i + 2]);
    const bool ok = b0 == 0xEF && ((b1 == 0xBD && b2 >= 0xA1 && b2 <= 0xBF) ||
                                   (b1 == 0xBE && b2 >= 0x80 && b2 <= 0x9F));
    if (!ok) return false;
    i += 3;
  }
  return true;
}

Result<std::string> required_string(const json& object, const char* key, const std::string& path) {
  if (!object.contains(key)) return invalid(join(path, key), "missing");
  return get_string(object, key, path);
}

Result<bool> required_bool(const json& object, const char* key, const std::string& path) {
  if (!object.contains(key)) return invalid(join(path, key), "missing");
  return get_bool(object, key, path);
}

// 8 digits (法別 + 都道府県 + 保険者別 + 検証番号) or 6 for 国保 (no 法別); eligibility-system.md
// §2.
Status check_insurer_number(const std::string& value, const std::string& where) {
  if ((value.size() != 8 && value.size() != 6) || !all_digits(value)) {
    return invalid(where, "expected 8 digits (6 for 国民健康保険)");
  }
  const int expected = *check_digit_2_1(std::string_view(value).substr(0, value.size() - 1));
  if (value.back() - '0' != expected) {
    return invalid(where, fmt::format("the 検証番号 (last digit) should be {}", expected));
  }
  return {};
}

Result<InsuredPerson> insured_person(const json& card, const std::string& card_path) {
  const std::string path = join(card_path, "insured_person");
  if (!card.contains("insured_person")) return invalid(path, "missing");
  const json& v = card.at("insured_person");
  if (!v.is_object()) return invalid(path, fmt::format("expected an object, got {}", type_name(v)));
  ONSHI_TRY(check_keys(v, path,
                       {"name", "name_kana", "birth_date", "sex", "address", "post_number",
                        "insurer_number", "insured_card_symbol", "insured_identification_number",
                        "insured_branch_number", "personal_family_classification"}));
  InsuredPerson p;
  ONSHI_TRY_ASSIGN(p.name, required_string(v, "name", path));
  if (p.name.empty()) return invalid(join(path, "name"), "must not be empty");
  ONSHI_TRY_ASSIGN(p.name_kana, required_string(v, "name_kana", path));
  if (!half_width_katakana(p.name_kana)) {
    return invalid(join(path, "name_kana"),
                   "expected half-width katakana (U+FF61..U+FF9F, spaces)");
  }
  ONSHI_TRY_ASSIGN(p.birth_date, required_string(v, "birth_date", path));
  if (!is_yyyymmdd(p.birth_date)) {
    return invalid(join(path, "birth_date"), "expected a calendar date as YYYYMMDD");
  }
  ONSHI_TRY_ASSIGN(p.sex, required_string(v, "sex", path));
  if (!one_of(p.sex, {"1", "2"})) return invalid(join(path, "sex"), "expected \"1\" or \"2\"");
  ONSHI_TRY_ASSIGN(p.address, required_string(v, "address", path));
  if (p.address.empty()) return invalid(join(path, "address"), "must not be empty");
  ONSHI_TRY_ASSIGN(p.post_number, required_string(v, "post_number", path));
  const bool post_ok = p.post_number.size() == 8 && p.post_number[3] == '-' &&
                       all_digits(p.post_number.substr(0, 3)) &&
                       all_digits(p.post_number.substr(4));
  if (!post_ok) return invalid(join(path, "post_number"), "expected \"123-4567\"");
  ONSHI_TRY_ASSIGN(p.insurer_number, required_string(v, "insurer_number", path));
  ONSHI_TRY(check_insurer_number(p.insurer_number, join(path, "insurer_number")));
  ONSHI_TRY_ASSIGN(p.insured_card_symbol, required_string(v, "insured_card_symbol", path));
  if (utf8_length(p.insured_card_symbol) > kMaxSymbolOrNumber) {
    return invalid(join(path, "insured_card_symbol"), "longer than 20 characters");
  }
  // 後期高齢者医療 (法別 39) has no 記号 (eligibility-system.md §2).
  if (p.insurer_number.size() == 8 && p.insurer_number.starts_with("39") &&
      !p.insured_card_symbol.empty()) {
    return invalid(join(path, "insured_card_symbol"),
                   "must be empty for 後期高齢者医療 (insurer number 39...)");
  }
  ONSHI_TRY_ASSIGN(p.insured_identification_number,
                   required_string(v, "insured_identification_number", path));
  const std::size_t number_length = utf8_length(p.insured_identification_number);
  if (number_length == 0 || number_length > kMaxSymbolOrNumber) {
    return invalid(join(path, "insured_identification_number"), "expected 1 to 20 characters");
  }
  ONSHI_TRY_ASSIGN(p.insured_branch_number, required_string(v, "insured_branch_number", path));
  if (p.insured_branch_number.size() != 2 || !all_digits(p.insured_branch_number)) {
    return invalid(join(path, "insured_branch_number"), "expected 2 digits");
  }
  ONSHI_TRY_ASSIGN(p.personal_family_classification,
                   required_string(v, "personal_family_classification", path));
  if (!one_of(p.personal_family_classification, {"1", "2"})) {
    return invalid(join(path, "personal_family_classification"),
                   "expected \"1\" (本人) or \"2\" (家族)");
  }
  return p;
}

// null, or base64 of a DER SubjectPublicKeyInfo holding an RSA-2048 key.
Result<std::optional<Bytes>> card_present_public_key(const json& card, const std::string& path) {
  const std::string where = join(path, "card_present_public_key");
  if (!card.contains("card_present_public_key")) return invalid(where, "missing");
  const json& v = card.at("card_present_public_key");
  if (v.is_null()) return std::optional<Bytes>{};
  if (!v.is_string()) {
    return invalid(where, fmt::format("expected base64 or null, got {}", type_name(v)));
  }
  auto der = ossl::base64_decode(v.get<std::string>());
  if (!der) return invalid(where, "expected canonical base64 (RFC 4648, padded, no line breaks)");
  auto key = ossl::parse_public_key_der(*der);
  if (!key) return invalid(where, key.error().message);
  if (EVP_PKEY_get_base_id(key->get()) != EVP_PKEY_RSA ||
      EVP_PKEY_get_bits(key->get()) != kenmen::kCardPresentKeyBits) {
    return invalid(where, "expected an RSA-2048 public key");
  }
  return std::optional<Bytes>(std::move(*der));
}

Result<ManifestCard> parse_card(const json& v, const std::string& path) {
  if (!v.is_object()) return invalid(path, fmt::format("expected an object, got {}", type_name(v)));
  ONSHI_TRY(check_keys(v, path,
                       {"persona", "auth_cert_sha256", "token", "pin_less", "jpki_key",
                        "sign_certificate", "card_present_public_key", "insured_person"}));
  ManifestCard c;
  ONSHI_TRY_ASSIGN(c.persona, required_string(v, "persona", path));
  bool name_ok = !c.persona.empty();
  for (char ch : c.persona) {
    name_ok = name_ok && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                          (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.');
  }
  if (!name_ok) return invalid(join(path, "persona"), "expected a file stem of A-Z a-z 0-9 . _ -");
  ONSHI_TRY_ASSIGN(c.auth_cert_sha256, required_string(v, "auth_cert_sha256", path));
  bool hex_ok = c.auth_cert_sha256.size() == kSha256HexSize;
  for (char ch : c.auth_cert_sha256)
    hex_ok = hex_ok && ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'));
  if (!hex_ok) return invalid(join(path, "auth_cert_sha256"), "expected 64 lower-case hex digits");
  ONSHI_TRY_ASSIGN(const std::string token, required_string(v, "token", path));
  const auto variant = jpki::token_from_name(token);
  if (!variant) return invalid(join(path, "token"), "expected \"card\", \"android\" or \"ios\"");
  c.token = *variant;
  ONSHI_TRY_ASSIGN(c.pin_less, required_bool(v, "pin_less", path));
  ONSHI_TRY_ASSIGN(const std::string key, required_string(v, "jpki_key", path));
  if (!one_of(key, {kRsa2048, kEcP384})) {
    return invalid(join(path, "jpki_key"), "expected \"rsa2048\" or \"ec-p384\"");
  }
  c.jpki_key = one_of(key, {kRsa2048}) ? jpki::KeyType::rsa : jpki::KeyType::ec_p384;
  ONSHI_TRY_ASSIGN(c.sign_certificate, required_bool(v, "sign_certificate", path));
  if (c.pin_less && c.token != jpki::TokenVariant::card) {
    return invalid(join(path, "pin_less"), "only a physical card (token \"card\") can be PIN-less");
  }
  if (c.pin_less && c.sign_certificate) {
    return invalid(join(path, "sign_certificate"), "must be false on a PIN-less card");
  }
  ONSHI_TRY_ASSIGN(c.card_present_public_key, card_present_public_key(v, path));
  const bool phone = c.token != jpki::TokenVariant::card;
  if (phone && c.card_present_public_key) {
    return invalid(join(path, "card_present_public_key"),
                   "must be null for a smartphone token (it has no 券面事項入力補助AP)");
  }
  if (!phone && !c.card_present_public_key) {
    return invalid(join(path, "card_present_public_key"), "must be set for a card");
  }
  ONSHI_TRY_ASSIGN(c.insured_person, insured_person(v, path));
  return c;
}

Result<PersonaManifest> parse_root(const json& root) {
  const std::string top = "(top level)";
  if (!root.is_object())
    return invalid(top, fmt::format("expected an object, got {}", type_name(root)));
  ONSHI_TRY(check_keys(root, top, {"format", "version", "cards"}));
  ONSHI_TRY_ASSIGN(const std::string format, required_string(root, "format", ""));
  if (format != kManifestFormat) {
    return invalid("format", fmt::format("expected \"{}\"", kManifestFormat));
  }
  if (!root.contains("version")) return invalid("version", "missing");
  ONSHI_TRY_ASSIGN(const std::int64_t version, get_integer(root, "version", "", 1, 1000));
  if (version != kManifestVersion) {
    return invalid("version", fmt::format("version {} is not supported (expected {}); "
                                          "regenerate with onshi-jpki-personas",
                                          version, kManifestVersion));
  }
  if (!root.contains("cards")) return invalid("cards", "missing");
  const json& cards = root.at("cards");
  if (!cards.is_array() || cards.empty()) return invalid("cards", "expected a non-empty array");
  PersonaManifest manifest;
  std::set<std::string> personas;
  std::set<std::string> fingerprints;
  for (std::size_t i = 0; i < cards.size(); ++i) {
    const std::string path = fmt::format("cards[{}]", i);
    ONSHI_TRY_ASSIGN(ManifestCard card, parse_card(cards[i], path));
    if (!personas.insert(card.persona).second) {
      return invalid(join(path, "persona"), fmt::format("\"{}\" appears twice", card.persona));
    }
    if (!fingerprints.insert(card.auth_cert_sha256).second) {
      return invalid(join(path, "auth_cert_sha256"), "the same certificate appears twice");
    }
    manifest.cards.push_back(std::move(card));
  }
  return manifest;
}

// ordered_json: the fields in the README's order, for people reading the file.
nlohmann::ordered_json to_json(const ManifestCard& c) {
  const InsuredPerson& p = c.insured_person;
  using nlohmann::ordered_json;
  return ordered_json{
      {"persona", c.persona},
      {"auth_cert_sha256", c.auth_cert_sha256},
      {"token", jpki::token_name(c.token)},
      {"pin_less", c.pin_less},
      {"jpki_key", c.jpki_key == jpki::KeyType::rsa ? kRsa2048 : kEcP384},
      {"sign_certificate", c.sign_certificate},
      {"card_present_public_key",
       c.card_present_public_key ? ordered_json(ossl::base64_encode(*c.card_present_public_key))
                                 : ordered_json(nullptr)},
      {"insured_person",
       {{"name", p.name},
        {"name_kana", p.name_kana},
        {"birth_date", p.birth_date},
        {"sex", p.sex},
        {"address", p.address},
        {"post_number", p.post_number},
        {"insurer_number", p.insurer_number},
        {"insured_card_symbol", p.insured_card_symbol},
        {"insured_identification_number", p.insured_identification_number},
        {"insured_branch_number", p.insured_branch_number},
        {"personal_family_classification", p.personal_family_classification}}}};
}

}  // namespace

const ManifestCard* PersonaManifest::find_persona(std::string_view persona) const {
  for (const auto& card : cards) {
    if (card.persona == persona) return &card;
  }
  return nullptr;
}

const ManifestCard* PersonaManifest::find_by_auth_cert(std::string_view sha256_hex) const {
  std::string lower(sha256_hex);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& card : cards) {
    if (card.auth_cert_sha256 == lower) return &card;
  }
  return nullptr;
}

Result<PersonaManifest> parse_persona_manifest(std::string_view json_text) {
  const json root = json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (root.is_discarded()) return fail(Errc::config_invalid, "not valid JSON");
  return parse_root(root);
}

Result<PersonaManifest> load_persona_manifest(const std::filesystem::path& file) {
  return persona_json::load_manifest_file(file, parse_persona_manifest);
}

Result<std::string> persona_manifest_json(const PersonaManifest& manifest) {
  nlohmann::ordered_json cards = nlohmann::ordered_json::array();
  for (const auto& card : manifest.cards) cards.push_back(to_json(card));
  const nlohmann::ordered_json root = {
      {"format", kManifestFormat}, {"version", kManifestVersion}, {"cards", cards}};
  std::string text = root.dump(2) + "\n";
  // Never write what the reader would refuse.
  ONSHI_TRY(parse_persona_manifest(text));
  return text;
}

}  // namespace onshi::sim
