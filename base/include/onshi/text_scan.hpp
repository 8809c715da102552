// One pass over text that comes from outside (configuration, ledger files from a share, card
// data): is it strict UTF-8, how many characters, and where is the first control character.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace onshi {

struct TextScan {
  bool valid_utf8 = true;
  std::size_t characters = 0;       // counted up to the first invalid byte
  std::optional<char32_t> control;  // the first control character (C0, DEL, C1)
  std::size_t control_at = 0;       // its 1-based character position
  bool bidi_control = false;        // a bidirectional override or isolate somewhere
};

// C0 controls, DEL and C1 controls.
bool is_control_character(char32_t c);
// Bidirectional overrides and isolates (U+202A-202E, U+2066-2069): they reorder what a person
// reads after them.
bool is_bidi_control(char32_t c);

// Strict UTF-8: no overlong forms, surrogates or values above U+10FFFF.
TextScan scan_text(std::string_view text);

}  // namespace onshi
