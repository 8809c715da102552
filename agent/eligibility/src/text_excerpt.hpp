// Text from the eligibility system (an HTML error page, an envelope's msg, an ErrorMessage) shown
// in an error message: the start of it, as characters a person can read and a log can hold.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace onshi::eligibility::detail {

// At most `max_characters` characters of `text` (counted in code points, the pending space
// included), then "…" when anything visible was left out. Never cut inside a UTF-8 sequence, so
// the result is always valid UTF-8. Leading and trailing whitespace is dropped and each run of
// ASCII whitespace (space, tab, CR, LF) inside becomes one space; a control character (C0 other
// than those, DEL, C1), a bidirectional override or isolate, and each byte that does not belong to
// a valid UTF-8 sequence become one '?'.
std::string text_excerpt(std::string_view text, std::size_t max_characters = 120);

}  // namespace onshi::eligibility::detail
