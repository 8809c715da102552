// The JSON envelopes of /auth and /mynumber/challenge (modelled on eligibility-system.md §1.11:
// {"status","msg","result":{…}}; tests/sim/eligsim/README.md, "The protocol"). They arrive over
// the network, so they are untrusted input: parsed strictly here and fuzzed by
// fuzz_eligibility_auth. Only HTTP 200 answers come here; other statuses are mapped before.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "onshi/result.hpp"

namespace onshi::eligibility::detail {

inline constexpr std::size_t kMaxEnvelopeBytes = 64 * 1024;
inline constexpr std::size_t kMaxEnvelopeDepth = 8;  // the envelope nests 2 deep
inline constexpr std::size_t kMaxTokenLength = 4096;
inline constexpr long long kMaxTokenLifetime = 86400;  // a day; eligsim gives 600 s
inline constexpr std::size_t kMaxChallengeIdLength = 256;
inline constexpr std::size_t kMinChallengeBytes = 16;  // eligsim sends 32
inline constexpr std::size_t kMaxChallengeBytes = 1024;
inline constexpr long long kMaxChallengeLifetime = 3600;

struct Token {
  std::string access_token;  // what the Authorization header carries
  std::chrono::seconds expires_in{};
};

struct ChallengeEnvelope {
  std::string id;
  std::string bytes;  // decoded
  std::chrono::seconds expires_in{};
};

// Errc::elig_message_invalid naming the member, unless: the text is one JSON object of at most
// 64 KiB, nested at most 8 deep, without a repeated member; `status` is a string; `msg`, if
// present, a string or null; `result` an object with `accessToken` 1-4096 printable ASCII
// characters (no space), `expiresIn` an integer 1..86400, and `idToken`, `refreshToken`,
// `linkSysCharCd`, if present, null or printable ASCII of at most 4096. A `status` other than
// "200" is the service's refusal: Errc::elig_rejected with the status and the start of `msg`.
// Unknown members are ignored. No message carries a token; every message is valid UTF-8.
Result<Token> parse_auth_envelope(std::string_view body);

// The same envelope with `result` {`challengeId` 1-256 printable ASCII, `challenge` canonical
// base64 of 16-1024 bytes, `expiresIn` 1..3600}.
Result<ChallengeEnvelope> parse_challenge_envelope(std::string_view body);

}  // namespace onshi::eligibility::detail
