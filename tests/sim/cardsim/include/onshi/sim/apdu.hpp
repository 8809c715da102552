// Command APDUs as the card sees them (ISO 7816-3 §12.1, ISO 7816-4 §5.1) and the response type.
#pragma once

#include <cstdint>
#include <optional>

#include "onshi/bytes.hpp"
#include "onshi/result.hpp"

namespace onshi::sim {

// The seven encodings of ISO 7816-3 §12.1.3 (S = short, E = extended length fields).
enum class ApduCase : std::uint8_t { case1, case2s, case3s, case4s, case2e, case3e, case4e };

struct CommandApdu {
  std::uint8_t cla = 0;
  std::uint8_t ins = 0;
  std::uint8_t p1 = 0;
  std::uint8_t p2 = 0;
  Bytes data;                       // the command data field (Nc = data.size())
  std::optional<std::uint32_t> ne;  // Ne decoded: Le=00 -> 256, extended Le=0000 -> 65536
  ApduCase apdu_case = ApduCase::case1;

  bool extended() const noexcept {
    return apdu_case == ApduCase::case2e || apdu_case == ApduCase::case3e ||
           apdu_case == ApduCase::case4e;
  }
};

// Strict decoder: every length field must agree exactly with the number of bytes present.
// Fails (Errc::apdu_invalid, with the reason) on anything ISO 7816-3 does not allow; the card
// answers such input with 6700.
Result<CommandApdu> decode_command_apdu(ByteView raw);

// Encodes in the form named by apdu_case; the inverse of decode_command_apdu for every APDU it
// accepts. Fails when the fields do not fit that case.
Result<Bytes> encode_command_apdu(const CommandApdu& apdu);

struct Response {
  Bytes data;
  std::uint16_t sw = 0x9000;

  static Response status(std::uint16_t status_word) { return Response{{}, status_word}; }
  std::uint8_t sw1() const noexcept { return static_cast<std::uint8_t>(sw >> 8); }
  std::uint8_t sw2() const noexcept { return static_cast<std::uint8_t>(sw & 0xFF); }
  // data || SW1 SW2, the R-APDU on the wire.
  Bytes to_bytes() const;
};

}  // namespace onshi::sim
