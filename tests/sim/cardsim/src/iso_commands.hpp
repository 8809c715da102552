// The generic ISO 7816-4 commands of the card core, one free function each (internal header).
#pragma once

#include <random>

#include "onshi/sim/apdu.hpp"
#include "onshi/sim/command_handler.hpp"
#include "onshi/sim/persona.hpp"

namespace onshi::sim {

inline constexpr std::uint8_t kInsSelect = 0xA4;
inline constexpr std::uint8_t kInsReadBinary = 0xB0;
inline constexpr std::uint8_t kInsGetChallenge = 0x84;
inline constexpr std::uint8_t kInsGetResponse = 0xC0;

// SELECT `00 A4`: P1 00 (MF / child by FID), 01 (child DF), 02 (EF in the current DF), 04 (DF
// name: the full AID, cards-and-readers.md §1.2, or a leading part of it for DFs that allow
// it, §2.1); P2 0C (no answer data) or 00 (FCI `6F`). Selecting a DF drops the MSE state.
Response select_file(const CommandApdu& command, CardState& state);

// READ BINARY `00 B0` (§1.6): 15-bit offset, or P1 = 100x xxxx for SFI + 8-bit offset.
Response read_binary(const CommandApdu& command, CardState& state, const Behaviour& behaviour);

// GET CHALLENGE `00 84 00 00 Le`: Le random bytes (short Le only).
Response get_challenge(const CommandApdu& command, std::mt19937_64& random);

}  // namespace onshi::sim
