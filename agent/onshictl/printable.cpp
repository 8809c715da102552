#include "printable.hpp"

#include "onshi/text_scan.hpp"

namespace onshi::ctl {
namespace {

// The length of the UTF-8 sequence at the start of `rest`, or 0 when it is not one.
std::size_t sequence_length(std::string_view rest) {
  for (std::size_t n = 1; n <= 4 && n <= rest.size(); ++n) {
    const TextScan s = scan_text(rest.substr(0, n));
    if (s.valid_utf8 && s.characters == 1) return n;
  }
  return 0;
}

char32_t decode(std::string_view seq) {
  const auto lead = static_cast<unsigned char>(seq[0]);
  if (seq.size() == 1) return lead;
  char32_t c = lead & (0xFFu >> (seq.size() + 1));
  for (std::size_t k = 1; k < seq.size(); ++k)
    c = c << 6 | (static_cast<unsigned char>(seq[k]) & 0x3Fu);
  return c;
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = sequence_length(text.substr(i));
    if (n == 0) {
      out += '?';
      ++i;
      continue;
    }
    const std::string_view seq = text.substr(i, n);
    const char32_t c = decode(seq);
    if (is_control_character(c) || is_bidi_control(c)) {
      out += '?';
    } else {
      out += seq;
    }
    i += n;
  }
  return out;
}

}  // namespace onshi::ctl
