#include "onshi/pcsc/apdu.hpp"

#include <fmt/format.h>

namespace onshi::pcsc {

int CommandApdu::iso_case() const noexcept {
  if (data.empty()) return le ? 2 : 1;
  return le ? 4 : 3;
}

bool CommandApdu::needs_extended() const noexcept {
  return force_extended || data.size() > kShortMaxData || (le && *le > kShortMaxLe);
}

Result<Bytes> CommandApdu::encode() const {
  if (data.size() > kExtendedMaxData) {
    return fail(Errc::apdu_invalid,
                fmt::format("command data of {} bytes exceeds {}", data.size(), kExtendedMaxData));
  }
  if (le && (*le == 0 || *le > kExtendedMaxLe)) {
    return fail(Errc::apdu_invalid, fmt::format("Le {} is not 1..{}", *le, kExtendedMaxLe));
  }
  const int c = iso_case();
  if (force_extended && c == 1) {
    return fail(Errc::apdu_invalid, "a case 1 command has no extended form");
  }
  const bool extended = needs_extended();

  Bytes out{cla, ins, p1, p2};
  out.reserve(4 + 3 + data.size() + 3);
  if (!data.empty()) {
    if (extended) {
      out.push_back(0x00);
      out.push_back(static_cast<std::uint8_t>(data.size() >> 8));
      out.push_back(static_cast<std::uint8_t>(data.size() & 0xFF));
    } else {
      out.push_back(static_cast<std::uint8_t>(data.size()));
    }
    out.insert(out.end(), data.begin(), data.end());
  }
  if (le) {
    // 256 (short) and 65536 (extended) are encoded as zero.
    if (extended) {
      if (data.empty()) out.push_back(0x00);  // case 2E starts with a zero byte
      const std::size_t v = *le == kExtendedMaxLe ? 0 : *le;
      out.push_back(static_cast<std::uint8_t>(v >> 8));
      out.push_back(static_cast<std::uint8_t>(v & 0xFF));
    } else {
      out.push_back(static_cast<std::uint8_t>(*le == kShortMaxLe ? 0 : *le));
    }
  }
  return out;
}

Result<ResponseApdu> ResponseApdu::parse(ByteView raw) {
  if (raw.size() < 2) {
    return fail(Errc::apdu_malformed_response,
                fmt::format("response of {} byte(s) has no status word", raw.size()));
  }
  ResponseApdu r;
  r.data.assign(raw.begin(), raw.end() - 2);
  r.sw1 = raw[raw.size() - 2];
  r.sw2 = raw[raw.size() - 1];
  return r;
}

}  // namespace onshi::pcsc
