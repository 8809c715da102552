#include "jpki_rig.hpp"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

namespace onshi::test {
namespace {

struct Generated {
  bool shared = false;  // ctest's, not ours to delete
  std::filesystem::path dir;
  sim::testpki::Generated pki;
  sim::PersonaManifest manifest;
};
std::optional<Generated> g_generated;

std::string pin_value(const nlohmann::json& section, const char* key) {
  if (!section.is_object() || !section.contains(key)) return {};
  return section[key].value("value", "");
}

// What the generator reported for a persona, read back from the files it wrote.
Result<sim::testpki::GeneratedPersona> load_generated_persona(const std::filesystem::path& dir,
                                                              const std::string& name) {
  sim::testpki::GeneratedPersona p;
  p.name = name;
  p.persona_file = dir / (name + ".json");
  std::ifstream in(p.persona_file);
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.contains("jpki"))
    return fail(Errc::config_invalid, p.persona_file.string() + ": not a JPKI persona");
  const auto& jp = j["jpki"];
  p.auth_cert_pem = dir / jp["auth_cert"].value("file", "");
  p.auth_pin = pin_value(jp, "auth_pin");
  p.sign_pin = pin_value(jp, "sign_pin");
  if (j.contains("kenmen")) p.kenmen_pin = pin_value(j["kenmen"], "pin");
  return p;
}

}  // namespace

void JpkiRig::SetUpTestSuite() {
  if (g_generated) return;
  Generated g;
  // ctest generates them once for the whole run (tests/integration/CMakeLists.txt).
  if (const char* root = std::getenv("ONSHI_TEST_PERSONAS"); root != nullptr && *root != '\0') {
    const std::string shared_dir = std::string(root) + "/jpki";
    const char* shared = shared_dir.c_str();
    auto manifest = sim::load_persona_manifest(std::filesystem::path(shared) / "manifest.json");
    ASSERT_TRUE(manifest) << manifest.error().to_string();
    for (const auto& card : manifest->cards) {
      auto p = load_generated_persona(shared, card.persona);
      ASSERT_TRUE(p) << p.error().to_string();
      g.pki.personas.push_back(std::move(p).value());
    }
    g.pki.manifest = std::filesystem::path(shared) / "manifest.json";
    g.manifest = std::move(manifest).value();
    g.shared = true;
    g_generated = std::move(g);
    return;
  }
  g.dir = std::filesystem::temp_directory_path() / ("onshi-jpki-rig-" + std::to_string(::getpid()));
  auto made = sim::testpki::generate_jpki_personas(g.dir, sim::testpki::today_jst());
  ASSERT_TRUE(made) << made.error().to_string();
  g.pki = std::move(made).value();
  auto manifest = sim::load_persona_manifest(g.pki.manifest);
  ASSERT_TRUE(manifest) << manifest.error().to_string();
  g.manifest = std::move(manifest).value();
  g_generated = std::move(g);
}

void JpkiRig::TearDownTestSuite() {}

namespace {
// Removes the generated keys when the test process ends.
struct Cleanup {
  ~Cleanup() {
    if (g_generated && !g_generated->shared) {
      std::error_code ec;
      std::filesystem::remove_all(g_generated->dir, ec);
    }
  }
} g_cleanup;
}  // namespace

const std::filesystem::path& JpkiRig::persona_dir() { return g_generated->dir; }

std::filesystem::path JpkiRig::manifest_dir() { return g_generated->pki.manifest.parent_path(); }

const sim::testpki::GeneratedPersona& JpkiRig::persona(const std::string& name) {
  for (const auto& p : g_generated->pki.personas) {
    if (p.name == name) return p;
  }
  ADD_FAILURE() << "no generated persona " << name;
  return g_generated->pki.personas.front();
}

const sim::ManifestCard& JpkiRig::manifest_card(const std::string& name) {
  const auto* card = g_generated->manifest.find_persona(name);
  if (card == nullptr) {
    ADD_FAILURE() << "no manifest entry for " << name;
    return g_generated->manifest.cards.front();
  }
  return *card;
}

sim::VpcdCardSlot& JpkiRig::insert_named(const std::string& name, int slot) {
  auto loaded = sim::load_persona_file(persona(name).persona_file);
  EXPECT_TRUE(loaded) << loaded.error().to_string();
  return insert_persona(slot, std::move(loaded).value());
}

Bytes JpkiRig::auth_certificate_der(const std::string& name) {
  std::ifstream in(persona(name).auth_cert_pem);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  BIO* bio = BIO_new_mem_buf(text.data(), static_cast<int>(text.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (cert == nullptr) return {};
  unsigned char* der = nullptr;
  const int n = i2d_X509(cert, &der);
  Bytes out(der, der + std::max(n, 0));
  OPENSSL_free(der);
  X509_free(cert);
  return out;
}

}  // namespace onshi::test
