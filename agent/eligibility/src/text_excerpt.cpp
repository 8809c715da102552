#include "text_excerpt.hpp"

#include <algorithm>

#include "onshi/text_scan.hpp"

namespace onshi::eligibility::detail {
namespace {

bool ascii_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The length of the UTF-8 sequence a lead byte starts (1 for a byte that starts none).
std::size_t sequence_length(unsigned char lead) {
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 1;
}

}  // namespace

std::string text_excerpt(std::string_view text, std::size_t max_characters) {
  std::string out;
  std::size_t characters = 0;
  bool space_pending = false;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (ascii_space(lead)) {
      space_pending = !out.empty();  // dropped at the start, and at the end by never landing
      ++i;
      continue;
    }
    // A visible character follows: it, and the space before it, must fit.
    if (characters + (space_pending ? 2 : 1) > max_characters) {
      out += "…";
      break;
    }
    if (space_pending) {
      out += ' ';
      ++characters;
      space_pending = false;
    }
    const std::size_t length = std::min(sequence_length(lead), text.size() - i);
    const std::string_view one = text.substr(i, length);
    const TextScan scan = scan_text(one);
    if (!scan.valid_utf8 || scan.characters != 1) {
      out += '?';
      ++i;  // only the lead byte: resynchronise on the next one
    } else if (scan.control || scan.bidi_control) {
      out += '?';
      i += length;  // a valid character, shown as one '?'
    } else {
      out.append(one);
      i += length;
    }
    ++characters;
  }
  return out;
}

}  // namespace onshi::eligibility::detail
