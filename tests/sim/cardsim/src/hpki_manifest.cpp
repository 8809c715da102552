#include "onshi/sim/hpki_manifest.hpp"

#include <algorithm>
#include <set>

#include "persona_json.hpp"

namespace onshi::sim {
namespace {

using namespace persona_json;

constexpr std::size_t kSha256HexSize = 64;
constexpr std::array kCertFields = {"signature_cert_sha256", "authentication_cert_sha256"};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool file_stem(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '_' || ch == '.';
  });
}

bool sha256_hex(std::string_view text) {
  return text.size() == kSha256HexSize && std::all_of(text.begin(), text.end(), [](char ch) {
           return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
         });
}

Result<std::string> required_string(const json& object, const char* key, const std::string& path) {
  if (!object.contains(key)) return invalid(join(path, key), "missing");
  return get_string(object, key, path);
}

// A certificate fingerprint or null.
Result<std::optional<std::string>> fingerprint(const json& card, const char* key,
                                               const std::string& path) {
  if (!card.contains(key)) return invalid(join(path, key), "missing");
  const json& v = card.at(key);
  if (v.is_null()) return std::optional<std::string>{};
  ONSHI_TRY_ASSIGN(std::string hex, get_string(card, key, path));
  if (!sha256_hex(hex))
    return invalid(join(path, key), "expected 64 lower-case hex digits or null");
  return std::optional<std::string>(std::move(hex));
}

Result<HpkiManifestCard> parse_card(const json& v, const std::string& path) {
  if (!v.is_object()) return invalid(path, fmt::format("expected an object, got {}", type_name(v)));
  ONSHI_TRY(check_keys(v, path,
                       {"persona", "profile", "signature_cert_sha256", "authentication_cert_sha256",
                        "holder", "role"}));
  HpkiManifestCard c;
  ONSHI_TRY_ASSIGN(c.persona, required_string(v, "persona", path));
  if (!file_stem(c.persona)) {
    return invalid(join(path, "persona"), "expected a file stem of A-Z a-z 0-9 . _ -");
  }
  ONSHI_TRY_ASSIGN(const std::string profile, required_string(v, "profile", path));
  const auto id = hpki::profile_from_name(profile);
  if (!id) return invalid(join(path, "profile"), "expected \"jma\" or \"jahis\"");
  c.profile = *id;
  ONSHI_TRY_ASSIGN(c.signature_cert_sha256, fingerprint(v, kCertFields[0], path));
  ONSHI_TRY_ASSIGN(c.authentication_cert_sha256, fingerprint(v, kCertFields[1], path));
  if (!c.signature_cert_sha256 && !c.authentication_cert_sha256) {
    return invalid(path, "a card needs a signature or an authentication certificate (both null)");
  }
  ONSHI_TRY_ASSIGN(c.holder, required_string(v, "holder", path));
  if (c.holder.empty()) return invalid(join(path, "holder"), "must not be empty");
  ONSHI_TRY_ASSIGN(c.role, required_string(v, "role", path));
  if (!one_of(c.role, {kHcRoles[0], kHcRoles[1], kHcRoles[2]})) {
    return invalid(join(path, "role"),
                   fmt::format("\"{}\" is not an hcRole onshi knows (\"{}\", \"{}\" or \"{}\", "
                               "certificate-profiles.md §2.3)",
                               c.role, kHcRoles[0], kHcRoles[1], kHcRoles[2]));
  }
  return c;
}

Result<HpkiManifest> parse_root(const json& root) {
  const std::string top = "(top level)";
  if (!root.is_object()) {
    return invalid(top, fmt::format("expected an object, got {}", type_name(root)));
  }
  ONSHI_TRY(check_keys(root, top, {"format", "version", "cards"}));
  ONSHI_TRY_ASSIGN(const std::string format, required_string(root, "format", ""));
  if (format != kHpkiManifestFormat) {
    return invalid("format", fmt::format("expected \"{}\"", kHpkiManifestFormat));
  }
  if (!root.contains("version")) return invalid("version", "missing");
  ONSHI_TRY_ASSIGN(const std::int64_t version, get_integer(root, "version", "", 1, 1000));
  if (version != kHpkiManifestVersion) {
    return invalid("version", fmt::format("version {} is not supported (expected {})", version,
                                          kHpkiManifestVersion));
  }
  if (!root.contains("cards")) return invalid("cards", "missing");
  const json& cards = root.at("cards");
  if (!cards.is_array() || cards.empty()) return invalid("cards", "expected a non-empty array");
  HpkiManifest manifest;
  std::set<std::string> personas;
  std::set<std::string> fingerprints;
  for (std::size_t i = 0; i < cards.size(); ++i) {
    const std::string path = fmt::format("cards[{}]", i);
    ONSHI_TRY_ASSIGN(HpkiManifestCard card, parse_card(cards[i], path));
    if (!personas.insert(card.persona).second) {
      return invalid(join(path, "persona"), fmt::format("\"{}\" appears twice", card.persona));
    }
    for (std::size_t f = 0; f < kCertFields.size(); ++f) {
      const auto& hex = f == 0 ? card.signature_cert_sha256 : card.authentication_cert_sha256;
      if (hex && !fingerprints.insert(*hex).second) {
        return invalid(join(path, kCertFields[f]), "the same certificate appears twice");
      }
    }
    manifest.cards.push_back(std::move(card));
  }
  return manifest;
}

nlohmann::ordered_json nullable(const std::optional<std::string>& value) {
  return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
}

}  // namespace

const HpkiManifestCard* HpkiManifest::find_persona(std::string_view persona) const {
  for (const auto& card : cards) {
    if (card.persona == persona) return &card;
  }
  return nullptr;
}

const HpkiManifestCard* HpkiManifest::find_by_cert(std::string_view sha256_hex) const {
  const std::string wanted = lower(sha256_hex);
  for (const auto& card : cards) {
    if (card.signature_cert_sha256 == wanted || card.authentication_cert_sha256 == wanted) {
      return &card;
    }
  }
  return nullptr;
}

Result<HpkiManifest> parse_hpki_manifest(std::string_view json_text) {
  const json root = json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (root.is_discarded()) return fail(Errc::config_invalid, "not valid JSON");
  return parse_root(root);
}

Result<HpkiManifest> load_hpki_manifest(const std::filesystem::path& file) {
  return persona_json::load_manifest_file(file, parse_hpki_manifest);
}

Result<std::string> hpki_manifest_json(const HpkiManifest& manifest) {
  using nlohmann::ordered_json;
  ordered_json cards = ordered_json::array();
  for (const auto& c : manifest.cards) {
    cards.push_back(
        ordered_json{{"persona", c.persona},
                     {"profile", hpki::profile(c.profile).name},
                     {"signature_cert_sha256", nullable(c.signature_cert_sha256)},
                     {"authentication_cert_sha256", nullable(c.authentication_cert_sha256)},
                     {"holder", c.holder},
                     {"role", c.role}});
  }
  const ordered_json root = {
      {"format", kHpkiManifestFormat}, {"version", kHpkiManifestVersion}, {"cards", cards}};
  std::string text = root.dump(2) + "\n";
  ONSHI_TRY(parse_hpki_manifest(text));  // never write what the reader would refuse
  return text;
}

}  // namespace onshi::sim
