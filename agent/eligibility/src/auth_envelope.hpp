// The answers of /auth and /mynumber/challenge (modelled on eligibility-system.md §1.11's
// envelope {"status","msg","result"}): untrusted input, parsed strictly; fuzzed by
// fuzz_eligibility_auth.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "onshi/result.hpp"

namespace onshi::eligibility::detail {

inline constexpr std::size_t kMaxTokenLength = 4096;
inline constexpr std::size_t kMaxEnvelopeBytes = 64 * 1024;

struct Token {
  std::string access_token;
  std::chrono::seconds expires_in{};
};

struct ChallengeEnvelope {
  std::string id;
  std::string bytes;  // decoded
  std::chrono::seconds expires_in{};
};

// Errc::elig_message_invalid naming the field for anything but a "200" envelope whose token is
// printable ASCII of 1..4096 characters and whose expiresIn is an integer 1..86400.
Result<Token> parse_auth_envelope(std::string_view body);
// The challenge: an id of printable ASCII (1..256), base64 bytes (16..1024 decoded), expiresIn
// 1..3600.
Result<ChallengeEnvelope> parse_challenge_envelope(std::string_view body);

}  // namespace onshi::eligibility::detail
