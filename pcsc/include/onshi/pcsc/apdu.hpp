// Command and response APDUs (ISO/IEC 7816-3 §12.1, 7816-4 §5.1): encoding of the four cases in
// short and extended form, and parsing of responses. Pure functions: no PC/SC here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "onshi/bytes.hpp"
#include "onshi/result.hpp"

namespace onshi::pcsc {

inline constexpr std::size_t kShortMaxData = 255;
inline constexpr std::size_t kShortMaxLe = 256;
inline constexpr std::size_t kExtendedMaxData = 65535;
inline constexpr std::size_t kExtendedMaxLe = 65536;

struct CommandApdu {
  std::uint8_t cla = 0x00;
  std::uint8_t ins = 0x00;
  std::uint8_t p1 = 0x00;
  std::uint8_t p2 = 0x00;
  Bytes data;                         // Lc = data.size(); empty means no Lc field
  std::optional<std::size_t> le;      // expected length; 256 (short) / 65536 (extended) = "all"
  bool force_extended = false;        // extended form even when short would do

  // Case 1..4 per ISO 7816-3: 1 = no data, no Le; 2 = Le only; 3 = data only; 4 = both.
  int iso_case() const noexcept;
  // Whether encode() uses the extended form.
  bool needs_extended() const noexcept;
  // Bytes to send; fails with apdu_invalid on a length that no form can carry.
  Result<Bytes> encode() const;
};

struct ResponseApdu {
  Bytes data;
  std::uint8_t sw1 = 0;
  std::uint8_t sw2 = 0;

  std::uint16_t sw() const noexcept { return static_cast<std::uint16_t>((sw1 << 8) | sw2); }
  bool ok() const noexcept { return sw1 == 0x90 && sw2 == 0x00; }

  // SW1 SW2 must be present; anything shorter is apdu_malformed_response.
  static Result<ResponseApdu> parse(ByteView raw);
};

}  // namespace onshi::pcsc
