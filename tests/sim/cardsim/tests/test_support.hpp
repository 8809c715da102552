// Helpers shared by the card emulator's unit tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "onshi/bytes.hpp"
#include "onshi/sim/card.hpp"
#include "onshi/sim/persona.hpp"

namespace onshi::sim::testing {

// The AID of the generic persona's application DF ("F0" + "ONSHISIM" + 01).
inline constexpr std::string_view kTestAid = "F0 4F 4E 53 48 49 53 49 4D 01";
inline constexpr std::size_t kLargeEfSize = 1500;

inline Bytes hex(std::string_view text) {
  auto bytes = from_hex(text);
  EXPECT_TRUE(bytes.has_value()) << "bad hex in test: " << text;
  return bytes.value_or(Bytes{});
}

inline Persona shipped_persona(std::string_view file) {
  auto persona =
      load_persona_file(std::string(ONSHI_CARDSIM_PERSONA_DIR) + "/" + std::string(file));
  if (!persona) ADD_FAILURE() << persona.error().to_string();
  return std::move(persona).value();
}

// A powered card of a shipped persona.
inline Card powered_card(std::string_view file = "generic.json") {
  Card card(shipped_persona(file));
  card.power_on();
  return card;
}

// An R-APDU split into its data and its status word.
struct Answer {
  Bytes data;
  std::uint16_t sw = 0;
};

inline Answer split(const Bytes& r_apdu) {
  if (r_apdu.size() < 2) {
    ADD_FAILURE() << "R-APDU shorter than SW1 SW2: " << to_hex(r_apdu);
    return {};
  }
  Answer a;
  a.data.assign(r_apdu.begin(), r_apdu.end() - 2);
  a.sw = static_cast<std::uint16_t>((r_apdu[r_apdu.size() - 2] << 8) | r_apdu.back());
  return a;
}

inline Answer send(Card& card, std::string_view apdu_hex) {
  return split(card.process(hex(apdu_hex)));
}

// The generic persona's large EF holds byte i = i mod 251 ("fill": "counter").
inline Bytes counter_bytes(std::size_t from, std::size_t count) {
  Bytes out(count);
  for (std::size_t i = 0; i < count; ++i) out[i] = static_cast<std::uint8_t>((from + i) % 251);
  return out;
}

}  // namespace onshi::sim::testing
