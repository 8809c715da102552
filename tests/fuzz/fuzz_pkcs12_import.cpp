// The certificate import path: whatever file a technician hands to `onshictl cert import` (or a
// server's certificate bytes), opening and checking it must end in a ClientIdentity or an Error,
// never a crash, hang or leak. The first byte picks the entry point: PKCS#12 (with the test
// password, so real bundles in the corpus get past the MAC), DER certificate, or PEM text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "onshi/tls/certificate_status.hpp"
#include "onshi/tls/client_identity.hpp"
#include "onshi/tls/trust.hpp"

namespace {

using namespace onshi;
using namespace onshi::tls;

constexpr std::string_view kPassword = "onshi-test-pass";  // tests/sim/pki/onshi-test-pki

void exercise(const Certificate& c, const TrustAnchors* trust,
              const std::vector<Certificate>& untrusted) {
  (void)c.subject();
  (void)c.issuer();
  (void)c.subject_attributes();
  (void)c.serial_hex();
  (void)c.key_description();
  (void)c.pin();
  (void)c.der();
  (void)c.pem();
  (void)expiry_status(c.not_before(), c.not_after(), c.not_before());
  const auto matcher = SubjectMatcher::default_matcher();
  (void)matcher.mismatch(c, "2714206386", "受付1号機");
  if (trust) (void)trust->verify(c, untrusted, c.not_before());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ByteView input(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      auto id = open_pkcs12(input, ByteView(reinterpret_cast<const std::uint8_t*>(kPassword.data()),
                                            kPassword.size()));
      if (!id) {
        if (id.error().message.empty()) std::abort();
        return 0;
      }
      if (!id->key) std::abort();  // a parsed bundle always has its key
      (void)check_key_matches(*id);
      (void)private_key_pem(*id);
      const auto trust = TrustAnchors::from_certificates(id->chain);
      exercise(id->leaf, &trust, id->chain);
      break;
    }
    case 1: {
      auto c = Certificate::from_der(input);
      if (c) exercise(*c, nullptr, {});
      break;
    }
    default: {
      auto certs = Certificate::from_pem(
          std::string_view(reinterpret_cast<const char*>(input.data()), input.size()), "fuzz");
      if (certs) {
        if (certs->empty()) std::abort();
        const auto trust = TrustAnchors::from_certificates(*certs);
        for (const auto& c : *certs) exercise(c, &trust, *certs);
      }
      break;
    }
  }
  return 0;
}
