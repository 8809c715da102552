// Strict base64 (RFC 4648 §4) for SPKI pins.
#pragma once

#include <optional>
#include <string_view>

#include "onshi/bytes.hpp"

namespace onshi::config::detail {

// Standard alphabet, '=' padding required, no whitespace, unused bits zero. The canonical-only
// rule matters: curl compares pins as base64 text, so a non-canonical spelling would never match.
std::optional<Bytes> decode_base64(std::string_view text);

}  // namespace onshi::config::detail
