// What the My Number card's application handlers (JPKI AP, 券面事項入力補助AP) share: naming an
// EF by P2 or by READ BINARY's SFI form, and VERIFY as cards-and-readers.md §1.4 describes it.
// Internal header.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "onshi/sim/apdu.hpp"
#include "onshi/sim/command_handler.hpp"
#include "onshi/sim/pin_object.hpp"

namespace onshi::sim::handler {

inline constexpr std::uint8_t kInsVerify = 0x20;
inline constexpr std::uint8_t kInsReadBinary = 0xB0;
inline constexpr std::uint8_t kInsInternalAuthenticate = 0x88;
inline constexpr std::uint8_t kInsSign = 0x2A;      // CLA 80 (§1.5)
inline constexpr std::uint8_t kP2CurrentEf = 0x80;  // "key of the current EF" (§1.4, §1.5)
inline constexpr std::uint8_t kSfiFlag = 0x80;      // P2 = 80 | SFI; READ BINARY P1 = 100x xxxx
inline constexpr std::uint8_t kSfiMask = 0x1F;

std::uint16_t fid_of(const CardState& state, NodeId ef);

// The FID a VERIFY or `80 2A` P2 names: 80 = the current EF, 80|SFI = the EF with that SFI
// (SFI = FID on this card, §1.3). nullopt for P2 80 with no EF current.
std::optional<std::uint16_t> referenced_fid(std::uint8_t p2, const CardState& state);

// The EF a READ BINARY would read: the current EF, or the SFI of P1 = 100x xxxx in the current
// DF. nullopt when there is none (the core then answers).
std::optional<NodeId> read_target(const CommandApdu& command, const CardState& state);

// VERIFY `00 20 00 P2 [Lc data]` (§1.4): P1 ≠ 00 or P2 b8 = 0 → 6A86; `pin_for(fid)` null → 6A88;
// no data → the counter without spending a try; data → a try.
Response verify(const CommandApdu& command, CardState& state,
                const std::function<PinObject*(std::uint16_t fid)>& pin_for);

}  // namespace onshi::sim::handler
