#include "onshi/tls/https_client.hpp"

namespace onshi::tls {

Result<bool> reload_identity(HttpsClient& client, const CertificateStore& store,
                             const std::string& institution) {
  auto stored = store.current(institution);
  if (!stored) return std::move(stored).error();
  if (client.identity_fingerprint() == stored->leaf.fingerprint()) return false;
  auto identity = store.load_current_identity(institution);
  if (!identity) return std::move(identity).error();
  if (auto s = client.set_identity(std::move(*identity)); !s) return std::move(s).error();
  return true;
}

}  // namespace onshi::tls
