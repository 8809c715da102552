#include "onshi/pcsc/status_word.hpp"

#include <fmt/format.h>

namespace onshi::pcsc {
namespace {

struct Exact {
  std::uint16_t sw;
  std::string_view text;
};

// ISO/IEC 7816-4 Table 5/6 and the JPKI/HPKI observations in cards-and-readers.md §1.10.
constexpr Exact kExact[] = {
    {0x9000, "success"},
    {0x6200, "warning: state of non-volatile memory unchanged"},
    {0x6281, "warning: part of returned data may be corrupted"},
    {0x6282, "warning: end of file reached before reading Le bytes"},
    {0x6283, "warning: selected file deactivated"},
    {0x6300, "verification failed (no retry limit)"},
    {0x6400, "execution error: state of non-volatile memory unchanged"},
    {0x6581, "memory failure"},
    {0x6700, "wrong length"},
    {0x6800, "function in CLA not supported"},
    {0x6881, "logical channel not supported"},
    {0x6882, "secure messaging not supported"},
    {0x6883, "last command of the chain expected"},
    {0x6884, "command chaining not supported"},
    {0x6900, "command not allowed"},
    {0x6981, "command incompatible with file structure"},
    {0x6982, "security status not satisfied"},
    {0x6983, "authentication method blocked (PIN locked)"},
    {0x6984, "reference data not usable"},
    {0x6985, "conditions of use not satisfied"},
    {0x6986, "command not allowed (no current EF)"},
    {0x6987, "expected secure messaging data objects missing"},
    {0x6988, "incorrect secure messaging data objects"},
    {0x6A80, "incorrect parameters in the data field"},
    {0x6A81, "function not supported"},
    {0x6A82, "file or application not found"},
    {0x6A83, "record not found"},
    {0x6A84, "not enough memory space in the file"},
    {0x6A86, "incorrect parameters P1-P2"},
    {0x6A87, "Nc inconsistent with P1-P2"},
    {0x6A88, "referenced data not found"},
    {0x6B00, "wrong parameters P1-P2 (offset outside the EF)"},
    {0x6D00, "instruction not supported"},
    {0x6E00, "class not supported"},
    {0x6F00, "no precise diagnosis"},
};

}  // namespace

std::optional<int> sw_retries(std::uint16_t sw) noexcept {
  if ((sw & 0xFFF0) == 0x63C0) return sw & 0x0F;
  return std::nullopt;
}

std::string sw_text(std::uint16_t sw) {
  for (const auto& e : kExact) {
    if (e.sw == sw) return std::string(e.text);
  }
  const unsigned sw1 = sw >> 8;
  const unsigned sw2 = sw & 0xFF;
  if (auto n = sw_retries(sw)) {
    return fmt::format("verification failed, {} {} remaining", *n, *n == 1 ? "try" : "tries");
  }
  if (sw1 == 0x61) return fmt::format("{} more response bytes available (GET RESPONSE)", sw2 == 0 ? 256u : sw2);
  if (sw1 == 0x6C) return fmt::format("wrong Le: the card has exactly {} bytes", sw2 == 0 ? 256u : sw2);
  if (sw1 == 0x62) return "warning: state of non-volatile memory unchanged";
  if (sw1 == 0x63) return "warning: state of non-volatile memory changed";
  if (sw1 == 0x64) return "execution error: state of non-volatile memory unchanged";
  if (sw1 == 0x65) return "execution error: state of non-volatile memory changed";
  if (sw1 == 0x66) return "security-related issue";
  if (sw1 == 0x67) return "wrong length";
  if (sw1 == 0x68) return "function in CLA not supported";
  if (sw1 == 0x69) return "command not allowed";
  if (sw1 == 0x6A) return "wrong parameters P1-P2";
  return "unknown status word";
}

std::string describe_sw(std::uint16_t sw) { return fmt::format("SW={:04X} ({})", sw, sw_text(sw)); }

Error sw_error(std::uint16_t sw, std::string_view command) {
  Error e{Errc::card_status, fmt::format("{}: {}", command, describe_sw(sw)), sw};
  if (auto n = sw_retries(sw)) e.retries_remaining = *n;
  return e;
}

}  // namespace onshi::pcsc
