// Shared by the facesim unit tests: a card from the generated JPKI test personas, CCID message
// builders.
#pragma once

#include "../../cardsim/tests/jpki_test_support.hpp"
#include "onshi/facesim/ccid_message.hpp"

namespace onshi::facesim::testing {

inline sim::Card jpki_card() {
  return sim::Card(sim::testing::generated_persona(sim::testing::GeneratedPki::get().card()));
}
inline const std::string& jpki_auth_pin() {
  return sim::testing::GeneratedPki::get().card().auth_pin;
}

inline Bytes message(std::uint8_t type, std::uint8_t seq, ByteView data = {},
                     std::uint16_t level = 0, std::uint8_t byte7 = 0) {
  Bytes m{type,
          0,
          0,
          0,
          0,
          0,
          seq,
          byte7,
          static_cast<std::uint8_t>(level),
          static_cast<std::uint8_t>(level >> 8)};
  const auto n = static_cast<std::uint32_t>(data.size());
  for (int i = 0; i < 4; ++i) m[1 + i] = static_cast<std::uint8_t>(n >> (8 * i));
  for (const std::uint8_t b : data) m.push_back(b);
  return m;
}

inline Bytes hex(std::string_view h) { return *from_hex(h); }

}  // namespace onshi::facesim::testing
