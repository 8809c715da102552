// What the journal accepts to store: bounded, well-formed fields, and JSON that is an object with
// no member named like a PIN or a My Number. The server removes those before journaling
// (architecture.md, "A PIN never leaves the PIN path"); this is the last guard, so a mistake
// upstream is a refused request and never a secret on disk.
#pragma once

#include <cstddef>
#include <string_view>

#include "onshi/journal/journal.hpp"
#include "onshi/result.hpp"

namespace onshi::journal::detail {

inline constexpr std::size_t kMaxKind = 64;
inline constexpr std::size_t kMaxIdempotencyKey = 255;

// Errc::invalid_argument naming the field, or Errc::api_too_large for request_json.
Status check_new_request(const NewRequest& request);

// `text` (named `what` in errors) is a JSON object of at most `limit` bytes whose members nowhere
// carry a PIN or a My Number: Errc::api_too_large or Errc::invalid_argument.
Status check_stored_json(std::string_view what, std::string_view text, std::size_t limit);

// Whether a JSON member name means a PIN or a My Number ("pin", "PIN", "my_number",
// "myNumber", "individual-number", …).
bool is_secret_member(std::string_view name);

}  // namespace onshi::journal::detail
