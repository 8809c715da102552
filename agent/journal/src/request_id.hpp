// Verification ids: "vf_" and 26 lowercase base32 characters (RFC 4648's alphabet) carrying 128
// random bits from OpenSSL, so an id can neither be guessed nor collide in practice.
#pragma once

#include <string>
#include <string_view>

#include "onshi/result.hpp"

namespace onshi::journal::detail {

inline constexpr std::string_view kIdPrefix = "vf_";
inline constexpr std::size_t kIdDigits = 26;  // ceil(128 / 5)

// Errc::internal when the random generator fails (never silently a weak id).
Result<std::string> new_request_id();
// Whether `id` has the form new_request_id() gives (the top digit carries 3 bits: a..h).
bool is_request_id(std::string_view id) noexcept;

}  // namespace onshi::journal::detail
