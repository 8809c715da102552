// A persona's PIN objects ({"value": "1234", "tries_left": 3}), shared by the "jpki", "kenmen"
// and "hpki" sections. Errors name the field and never repeat the value. Internal header.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "onshi/result.hpp"
#include "onshi/sim/jpki.hpp"

namespace onshi::sim {

enum class PinFormat : std::uint8_t {
  four_digits,    // JPKI auth PIN, 券面事項入力補助用暗証番号 (§1.4, §1.7)
  sign_password,  // 6–16 of A–Z and 0–9 (§1.4)
  hpki,           // 4–16 printable ASCII characters (§2.1 AOD: utf8 (ASCII), 4..16)
};

// section[key]; tries_left defaults to `max_tries`. The caller checks presence first.
Result<jpki::PinSpec> parse_pin(const nlohmann::json& section, const char* key,
                                const std::string& path, std::uint8_t max_tries, PinFormat format);

}  // namespace onshi::sim
