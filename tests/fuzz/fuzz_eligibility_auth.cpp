// The eligibility system's auth and challenge envelopes are untrusted: whatever arrives, the
// parsers give a token within its limits or a specific error, never a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "auth_envelope.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace onshi::eligibility::detail;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto t = parse_auth_envelope(text)) {
    if (t->access_token.empty() || t->access_token.size() > kMaxTokenLength) std::abort();
    if (t->expires_in.count() < 1 || t->expires_in.count() > 86400) std::abort();
  } else if (t.error().message.empty()) {
    std::abort();
  }
  if (auto c = parse_challenge_envelope(text)) {
    if (c->bytes.size() < 16 || c->bytes.size() > 1024 || c->id.empty()) std::abort();
  }
  return 0;
}
