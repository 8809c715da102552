// load_generated_personas: a generated persona set read back from its files.
#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "onshi/sim/jpki_test_pki.hpp"
#include "test_persona_writer.hpp"

namespace onshi::sim::testpki {
namespace {

using nlohmann::json;

// section/key/"value" if present, else "".
std::string pin_value(const json& persona, const char* section, const char* key) {
  if (!persona.contains(section) || !persona.at(section).contains(key)) return {};
  const json& pin = persona.at(section).at(key);
  return pin.contains("value") && pin.at("value").is_string() ? pin.at("value").get<std::string>()
                                                              : std::string{};
}

}  // namespace

Result<Generated> load_generated_personas(const std::filesystem::path& dir) {
  Generated generated;
  generated.manifest = dir / kManifestFile;
  ONSHI_TRY_ASSIGN(generated.manifest_content, load_persona_manifest(generated.manifest));
  for (const ManifestCard& card : generated.manifest_content.cards) {
    const PersonaFiles files = persona_files(card.persona);
    GeneratedPersona p;
    p.name = card.persona;
    p.persona_file = dir / files.persona;
    p.auth_cert_pem = dir / files.auth_cert;
    p.auth_cert_sha256 = card.auth_cert_sha256;
    std::ifstream in(p.persona_file);
    const json persona = json::parse(in, nullptr, false);
    if (!in || persona.is_discarded() || !persona.is_object() || !persona.contains("jpki")) {
      return fail(Errc::config_invalid,
                  fmt::format("{}: not a generated JPKI persona", p.persona_file.string()));
    }
    p.auth_pin = pin_value(persona, "jpki", "auth_pin");
    p.sign_pin = pin_value(persona, "jpki", "sign_pin");
    p.kenmen_pin = pin_value(persona, "kenmen", "pin");
    if (card.card_present_public_key) p.card_present_key_pem = dir / files.card_present_key;
    generated.personas.push_back(std::move(p));
  }
  return generated;
}

}  // namespace onshi::sim::testpki
