#include "onshi/sim/apdu.hpp"

#include <fmt/format.h>

namespace onshi::sim {
namespace {

constexpr std::size_t kHeaderSize = 4;
constexpr std::uint32_t kMaxShortNe = 256;
constexpr std::uint32_t kMaxExtendedNe = 65536;
constexpr std::size_t kMaxShortNc = 255;
constexpr std::size_t kMaxExtendedNc = 65535;

Unexpected malformed(std::string why) {
  return fail(Errc::apdu_invalid, "malformed command APDU: " + std::move(why));
}

// Le=00 means 256 (short) and Le=0000 means 65536 (extended): ISO 7816-3 §12.1.3.
std::uint32_t short_ne(std::uint8_t le) { return le == 0 ? kMaxShortNe : le; }
std::uint32_t extended_ne(std::uint8_t hi, std::uint8_t lo) {
  const std::uint32_t v = (std::uint32_t{hi} << 8) | lo;
  return v == 0 ? kMaxExtendedNe : v;
}

}  // namespace

Result<CommandApdu> decode_command_apdu(ByteView raw) {
  if (raw.size() < kHeaderSize) {
    return malformed(fmt::format("{} bytes, a header needs 4", raw.size()));
  }
  CommandApdu apdu;
  apdu.cla = raw[0];
  apdu.ins = raw[1];
  apdu.p1 = raw[2];
  apdu.p2 = raw[3];
  const ByteView body = raw.subspan(kHeaderSize);

  if (body.empty()) {
    apdu.apdu_case = ApduCase::case1;
    return apdu;
  }
  if (body.size() == 1) {
    apdu.apdu_case = ApduCase::case2s;
    apdu.ne = short_ne(body[0]);
    return apdu;
  }
  if (body[0] != 0) {  // short Lc
    const std::size_t nc = body[0];
    if (body.size() == 1 + nc) {
      apdu.apdu_case = ApduCase::case3s;
    } else if (body.size() == 2 + nc) {
      apdu.apdu_case = ApduCase::case4s;
      apdu.ne = short_ne(body[1 + nc]);
    } else {
      return malformed(fmt::format("short Lc={} but {} bytes follow the header", nc, body.size()));
    }
    apdu.data.assign(body.begin() + 1, body.begin() + 1 + static_cast<std::ptrdiff_t>(nc));
    return apdu;
  }
  // A leading 00 opens an extended length field: 00 Le1 Le2, or 00 Lc1 Lc2 data [Le1 Le2].
  if (body.size() == 3) {
    apdu.apdu_case = ApduCase::case2e;
    apdu.ne = extended_ne(body[1], body[2]);
    return apdu;
  }
  if (body.size() < 3) {
    return malformed(
        fmt::format("{} bytes after the header start an extended length field", body.size()));
  }
  const std::size_t nc = (std::size_t{body[1]} << 8) | body[2];
  if (nc == 0) return malformed("extended Lc=0000 with more bytes after it");
  if (body.size() == 3 + nc) {
    apdu.apdu_case = ApduCase::case3e;
  } else if (body.size() == 5 + nc) {
    apdu.apdu_case = ApduCase::case4e;
    apdu.ne = extended_ne(body[3 + nc], body[4 + nc]);
  } else {
    return malformed(fmt::format("extended Lc={} but {} bytes follow the header", nc, body.size()));
  }
  apdu.data.assign(body.begin() + 3, body.begin() + 3 + static_cast<std::ptrdiff_t>(nc));
  return apdu;
}

Result<Bytes> encode_command_apdu(const CommandApdu& apdu) {
  Bytes out{apdu.cla, apdu.ins, apdu.p1, apdu.p2};
  const bool has_data = apdu.apdu_case == ApduCase::case3s || apdu.apdu_case == ApduCase::case4s ||
                        apdu.apdu_case == ApduCase::case3e || apdu.apdu_case == ApduCase::case4e;
  const bool has_le = apdu.apdu_case == ApduCase::case2s || apdu.apdu_case == ApduCase::case4s ||
                      apdu.apdu_case == ApduCase::case2e || apdu.apdu_case == ApduCase::case4e;
  const std::size_t max_nc = apdu.extended() ? kMaxExtendedNc : kMaxShortNc;
  const std::uint32_t max_ne = apdu.extended() ? kMaxExtendedNe : kMaxShortNe;

  if (has_data && (apdu.data.empty() || apdu.data.size() > max_nc)) {
    return fail(Errc::apdu_invalid, fmt::format("Nc={} does not fit this case", apdu.data.size()));
  }
  if (!has_data && !apdu.data.empty()) {
    return fail(Errc::apdu_invalid, "this case carries no command data");
  }
  if (has_le != apdu.ne.has_value()) {
    return fail(Errc::apdu_invalid, "Le presence does not match the case");
  }
  if (has_le && (*apdu.ne == 0 || *apdu.ne > max_ne)) {
    return fail(Errc::apdu_invalid, fmt::format("Ne={} does not fit this case", *apdu.ne));
  }

  if (apdu.extended()) out.push_back(0x00);
  if (has_data) {
    if (apdu.extended()) out.push_back(static_cast<std::uint8_t>(apdu.data.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(apdu.data.size() & 0xFF));
    out.insert(out.end(), apdu.data.begin(), apdu.data.end());
  }
  if (has_le) {
    // 256 and 65536 wrap to 00 / 0000 by the masks below.
    if (apdu.extended()) out.push_back(static_cast<std::uint8_t>((*apdu.ne >> 8) & 0xFF));
    out.push_back(static_cast<std::uint8_t>(*apdu.ne & 0xFF));
  }
  return out;
}

Bytes Response::to_bytes() const {
  Bytes out;
  out.reserve(data.size() + 2);
  out.insert(out.end(), data.begin(), data.end());
  out.push_back(sw1());
  out.push_back(sw2());
  return out;
}

}  // namespace onshi::sim
