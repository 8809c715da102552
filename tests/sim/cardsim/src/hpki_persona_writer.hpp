// The files generate_hpki_personas writes: their names and the persona JSON of one holder.
// Internal header of the test PKI.
#pragma once

#include <string>
#include <string_view>

#include "onshi/sim/hpki_test_pki.hpp"

namespace onshi::sim::testpki {

inline constexpr std::string_view kHpkiRootFile = "hpki-root.pem";
inline constexpr std::string_view kHpkiSignCaFile = "hpki-sign-ca.pem";
inline constexpr std::string_view kHpkiAuthCaFile = "hpki-auth-ca.pem";
inline constexpr std::string_view kHpkiManifestFile = "hpki-manifest.json";

// <persona><suffix>, e.g. "hpki-jma-doctor" + "-sign.pem".
struct HpkiPersonaFiles {
  std::string signature_cert;       // -sign.pem
  std::string signature_key;        // -sign-key.pem
  std::string authentication_cert;  // -auth.pem
  std::string authentication_key;   // -auth-key.pem
  std::string persona;              // .json
};
HpkiPersonaFiles hpki_persona_files(const std::string& persona);

// The holder's persona JSON text (relative file names as hpki_persona_files() gives them).
std::string hpki_persona_json(const HpkiHolder& holder);

}  // namespace onshi::sim::testpki
