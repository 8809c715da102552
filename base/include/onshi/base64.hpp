// Strict base64 (RFC 4648 §4): SPKI pins in the configuration, certificates and signatures in the
// eligibility system's messages.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "onshi/bytes.hpp"

namespace onshi {

// Standard alphabet with '=' padding, no line breaks.
std::string to_base64(ByteView bytes);

// Standard alphabet, '=' padding required, no whitespace, unused bits zero; nullopt otherwise or
// when the text is longer than `max_text` characters. The canonical-only rule matters: curl
// compares pins as base64 text, so a non-canonical spelling would never match.
std::optional<Bytes> from_base64(std::string_view text, std::size_t max_text = 4096);

}  // namespace onshi
