// load_generated_hpki_personas: a generated HPKI persona set read back from its files.
#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "hpki_persona_writer.hpp"
#include "onshi/sim/hpki_test_pki.hpp"

namespace onshi::sim::testpki {
namespace {

using nlohmann::json;

// hpki.<app>.pin.value if present, else "".
std::string pin_value(const json& persona, hpki::Application app) {
  const std::string key(hpki::application_name(app));
  if (!persona.contains("hpki") || !persona.at("hpki").contains(key)) return {};
  const json& application = persona.at("hpki").at(key);
  if (!application.contains("pin") || !application.at("pin").contains("value")) return {};
  const json& value = application.at("pin").at("value");
  return value.is_string() ? value.get<std::string>() : std::string{};
}

}  // namespace

Result<GeneratedHpki> load_generated_hpki_personas(const std::filesystem::path& dir) {
  GeneratedHpki generated;
  generated.root_cert = dir / kHpkiRootFile;
  generated.signature_ca_cert = dir / kHpkiSignCaFile;
  generated.authentication_ca_cert = dir / kHpkiAuthCaFile;
  generated.manifest = dir / kHpkiManifestFile;
  ONSHI_TRY_ASSIGN(generated.manifest_content, load_hpki_manifest(generated.manifest));
  for (const HpkiManifestCard& card : generated.manifest_content.cards) {
    const HpkiPersonaFiles files = hpki_persona_files(card.persona);
    GeneratedHpkiPersona p;
    p.name = card.persona;
    p.profile = card.profile;
    p.persona_file = dir / files.persona;
    p.holder = card.holder;
    p.role = card.role;
    std::ifstream in(p.persona_file);
    const json persona = json::parse(in, nullptr, false);
    if (!in || persona.is_discarded() || !persona.is_object() || !persona.contains("hpki")) {
      return fail(Errc::config_invalid,
                  fmt::format("{}: not a generated HPKI persona", p.persona_file.string()));
    }
    if (card.signature_cert_sha256) {
      p.signature_cert_pem = dir / files.signature_cert;
      p.signature_cert_sha256 = *card.signature_cert_sha256;
      p.signature_pin = pin_value(persona, hpki::Application::signature);
    }
    if (card.authentication_cert_sha256) {
      p.authentication_cert_pem = dir / files.authentication_cert;
      p.authentication_cert_sha256 = *card.authentication_cert_sha256;
      p.authentication_pin = pin_value(persona, hpki::Application::authentication);
    }
    generated.personas.push_back(std::move(p));
  }
  return generated;
}

}  // namespace onshi::sim::testpki
