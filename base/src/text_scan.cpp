#include "onshi/text_scan.hpp"

namespace onshi {
bool is_control_character(char32_t c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F); }

bool is_bidi_control(char32_t c) {
  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

TextScan scan_text(std::string_view text) {
  TextScan out;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    char32_t c = 0;
    if (lead < 0x80) {
      length = 1;
      c = lead;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
      c = lead & 0x1Fu;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      c = lead & 0x0Fu;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      c = lead & 0x07u;
    } else {
      out.valid_utf8 = false;
      return out;
    }
    if (text.size() - i < length) {
      out.valid_utf8 = false;
      return out;
    }
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0u) != 0x80u) {
        out.valid_utf8 = false;
        return out;
      }
      c = c << 6 | (next & 0x3Fu);
    }
    if ((length == 3 && c < 0x800) || (length == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
        (c >= 0xD800 && c <= 0xDFFF)) {
      out.valid_utf8 = false;
      return out;
    }
    ++out.characters;
    if (!out.control && is_control_character(c)) {
      out.control = c;
      out.control_at = out.characters;
    }
    out.bidi_control = out.bidi_control || is_bidi_control(c);
    i += length;
  }
  return out;
}

}  // namespace onshi
