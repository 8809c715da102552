#include "onshi/sim/atr.hpp"

#include <fmt/format.h>

namespace onshi::sim {
namespace {
constexpr std::size_t kMaxAtrSize = 33;  // ISO 7816-3 §8.2.1
}

Status check_atr(ByteView atr) {
  auto problem = [](std::string why) { return fail(Errc::invalid_argument, std::move(why)); };
  if (atr.size() < 2) return problem("an ATR has at least TS and T0");
  if (atr.size() > kMaxAtrSize) return problem(fmt::format("{} bytes, at most 33", atr.size()));
  if (atr[0] != 0x3B && atr[0] != 0x3F) {
    return problem(fmt::format("TS is {:02X}, expected 3B or 3F", atr[0]));
  }

  std::size_t pos = 1;
  std::uint8_t y = atr[pos] >> 4;  // which of TAi TBi TCi TDi follow
  const std::size_t historical = atr[pos] & 0x0F;
  ++pos;
  bool tck_required = false;
  while (y != 0) {
    const bool td_follows = (y & 0x8) != 0;
    const std::size_t count = static_cast<std::size_t>(((y & 1) + ((y >> 1) & 1) + ((y >> 2) & 1)));
    pos += count;
    if (!td_follows) break;
    if (pos >= atr.size()) return problem("the ATR ends inside its interface bytes");
    const std::uint8_t td = atr[pos++];
    if ((td & 0x0F) != 0) tck_required = true;  // any protocol other than T=0 => TCK present
    y = td >> 4;
  }
  const std::size_t expected = pos + historical + (tck_required ? 1 : 0);
  if (atr.size() != expected) {
    return problem(fmt::format("T0 and TDi announce {} bytes{}, the ATR has {}", expected,
                               tck_required ? " (including TCK)" : "", atr.size()));
  }
  if (tck_required) {
    std::uint8_t x = 0;
    for (std::size_t i = 1; i < atr.size(); ++i) x ^= atr[i];
    if (x != 0) {
      const std::uint8_t right = static_cast<std::uint8_t>(atr.back() ^ x);
      return problem(fmt::format("TCK is {:02X}, expected {:02X}", atr.back(), right));
    }
  }
  return {};
}

}  // namespace onshi::sim
