#include "jpki_rig.hpp"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>

namespace onshi::test {
namespace {

struct Generated {
  std::filesystem::path dir;
  sim::testpki::Generated pki;
  sim::PersonaManifest manifest;
};
std::optional<Generated> g_generated;

}  // namespace

void JpkiRig::SetUpTestSuite() {
  if (g_generated) return;
  Generated g;
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
    if (g_generated) {
      std::error_code ec;
      std::filesystem::remove_all(g_generated->dir, ec);
    }
  }
} g_cleanup;
}  // namespace

const std::filesystem::path& JpkiRig::persona_dir() { return g_generated->dir; }

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
