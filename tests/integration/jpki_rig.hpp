// The rig for My Number card tests: PcscRig plus the generated JPKI personas and their manifest
// (made once per test process: key generation is the slow part).
#pragma once

#include <filesystem>
#include <string>

#include "onshi/sim/jpki_test_pki.hpp"
#include "onshi/sim/persona_manifest.hpp"
#include "pcsc_rig.hpp"

namespace onshi::test {

class JpkiRig : public PcscRig {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

  // The generated persona of that name (jpki-card, jpki-card-2023, jpki-child, jpki-smartphone,
  // jpki-pinless, jpki-p384); fails the test when missing.
  static const sim::testpki::GeneratedPersona& persona(const std::string& name);
  static const sim::ManifestCard& manifest_card(const std::string& name);
  static const std::filesystem::path& persona_dir();
  // Where the manifest and the persona files are (the shared set ctest made, or this process's).
  static std::filesystem::path manifest_dir();

  // Inserts the persona into slot 0 (emulator only: skips on hardware).
  sim::VpcdCardSlot& insert_named(const std::string& name, int slot = 0);
  // The persona's auth certificate, DER, as the generator wrote it.
  static Bytes auth_certificate_der(const std::string& name);
};

}  // namespace onshi::test
