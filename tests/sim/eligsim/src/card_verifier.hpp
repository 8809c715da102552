// The My Number card check of onshi-eligsim: the user-authentication certificate must chain to
// the JPKI test CA and be valid now; it must belong to a person of the persona manifest; and its
// proof must be fresh — PIN mode: the certificate key's signature over the challenge (what the
// card's JPKI AP signs after VERIFY); face and 目視 mode: the card-present proof of
// pcsc/card_present_proof.hpp over the same challenge. A copied certificate without the card
// proves nothing.
#pragma once

#include <openssl/x509_vfy.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "api_requests.hpp"
#include "onshi/bytes.hpp"
#include "onshi/result.hpp"
#include "onshi/sim/persona_manifest.hpp"

namespace onshi::sim::eligsim {

class CardVerifier {
 public:
  // `jpki_auth_ca`: PEM of the JPKI user-authentication CA (jpki-auth-ca.pem of the personas);
  // Errc::config_not_found / config_invalid at start when it is missing or holds no certificate.
  static Result<CardVerifier> load(const std::filesystem::path& jpki_auth_ca,
                                   const PersonaManifest& manifest);

  // The manifest card of the certificate when every check passes, or the problem (SIM21xx).
  std::variant<const ManifestCard*, Problem> check(const VerifyRequest& request,
                                                   ByteView challenge) const;

 private:
  std::shared_ptr<X509_STORE> store_;  // read once; X509_verify_cert only reads it
  const PersonaManifest* manifest_ = nullptr;
};

}  // namespace onshi::sim::eligsim
