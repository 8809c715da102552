#include "onshi/pcsc/jpki_ap.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "onshi/pcsc/status_word.hpp"

namespace onshi::pcsc::jpki {
namespace {

// A certificate EF is well under this; the largest seen are about 2 kB (§1.6).
constexpr std::size_t kMaxCertificateSize = 0x7FFF;
constexpr std::size_t kTokenLabelSize = 32;  // §1.3: the first 32 bytes of EF 0006

CommandApdu select_ef(std::uint16_t fid) {
  return {0x00, 0xA4, 0x02, 0x0C, {static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid)}, std::nullopt};
}

CommandApdu read_binary(std::size_t offset, std::size_t length) {
  return {0x00, 0xB0, static_cast<std::uint8_t>((offset >> 8) & 0x7F),
          static_cast<std::uint8_t>(offset & 0xFF), {}, length};
}

Status expect_ok(const ResponseApdu& r, std::string_view what) {
  if (r.ok()) return {};
  return sw_error(r.sw(), what);
}

Status select_file(Card& card, std::uint16_t fid) {
  ONSHI_TRY_ASSIGN(auto r, card.transmit(select_ef(fid)));
  return expect_ok(r, fmt::format("SELECT EF {:04X}", fid));
}

}  // namespace

std::string_view token_name(Token t) noexcept {
  switch (t) {
    case Token::card:
      return "card";
    case Token::android:
      return "android";
    case Token::ios:
      return "ios";
    case Token::unknown:
      break;
  }
  return "unknown";
}

Token token_from_label(std::string_view label) noexcept {
  if (label.rfind("JPKIAPICCTOKEN", 0) == 0) return Token::card;
  if (label.rfind("JPKIAPGPSETOKEN", 0) == 0) return Token::android;
  if (label.rfind("JPKIAPIOSTOKEN", 0) == 0) return Token::ios;
  return Token::unknown;
}

Result<Detection> detect(Card& card) {
  Detection d;
  ONSHI_TRY_ASSIGN(auto selected, card.transmit({0x00, 0xA4, 0x04, 0x0C, Bytes(kAid.begin(), kAid.end()), std::nullopt}));
  if (selected.sw() == 0x6A82) return d;
  ONSHI_TRY(expect_ok(selected, "SELECT JPKI AP"));
  d.jpki = true;

  ONSHI_TRY(select_file(card, kEfTokenInfo));
  ONSHI_TRY_ASSIGN(auto info, card.transmit(read_binary(0, kTokenLabelSize)));
  ONSHI_TRY(expect_ok(info, "READ BINARY EF 0006"));
  std::string label(info.data.begin(), info.data.begin() + std::min(info.data.size(), kTokenLabelSize));
  while (!label.empty() && (label.back() == ' ' || label.back() == '\0')) label.pop_back();
  for (char& c : label) {
    if (c < 0x20 || c > 0x7E) c = '?';  // untrusted bytes: keep the label printable
  }
  d.token = token_from_label(label);
  d.label = std::move(label);
  return d;
}

Result<std::size_t> der_certificate_size(ByteView head, std::size_t max_size) {
  if (head.size() < 2 || head[0] != 0x30) {
    return fail(Errc::apdu_malformed_response, "certificate EF does not start with a DER SEQUENCE");
  }
  std::size_t header = 0;
  std::size_t body = 0;
  if (head[1] == 0x82) {
    if (head.size() < 4) return fail(Errc::apdu_malformed_response, "certificate DER header truncated");
    header = 4;
    body = (std::size_t{head[2]} << 8) | head[3];
  } else if (head[1] == 0x81) {
    if (head.size() < 3) return fail(Errc::apdu_malformed_response, "certificate DER header truncated");
    header = 3;
    body = head[2];
  } else {
    return fail(Errc::apdu_malformed_response,
                fmt::format("certificate DER length form 0x{:02X} is not 81 or 82", head[1]));
  }
  if (header + body > max_size) {
    return fail(Errc::apdu_malformed_response,
                fmt::format("certificate of {} bytes exceeds {}", header + body, max_size));
  }
  return header + body;
}

Result<Bytes> read_certificate(Card& card, std::uint16_t fid) {
  ONSHI_TRY(select_file(card, fid));
  // The first 256 bytes carry the DER header; then only what the length says (§1.6).
  ONSHI_TRY_ASSIGN(auto first, card.transmit(read_binary(0, 256)));
  ONSHI_TRY(expect_ok(first, fmt::format("READ BINARY EF {:04X}", fid)));
  ONSHI_TRY_ASSIGN(const std::size_t size, der_certificate_size(first.data, kMaxCertificateSize));
  Bytes out = std::move(first.data);
  if (out.size() >= size) {
    out.resize(size);
    return out;
  }
  while (out.size() < size) {
    const std::size_t want = std::min<std::size_t>(256, size - out.size());
    ONSHI_TRY_ASSIGN(auto chunk, card.transmit(read_binary(out.size(), want)));
    ONSHI_TRY(expect_ok(chunk, fmt::format("READ BINARY EF {:04X} at {}", fid, out.size())));
    if (chunk.data.empty()) {
      return fail(Errc::apdu_malformed_response,
                  fmt::format("EF {:04X} ended at {} of {} bytes", fid, out.size(), size));
    }
    const std::size_t take = std::min(chunk.data.size(), size - out.size());
    out.insert(out.end(), chunk.data.begin(), chunk.data.begin() + static_cast<std::ptrdiff_t>(take));
  }
  return out;
}

Result<PinStatus> read_pin_status(Card& card, std::uint16_t pin_fid) {
  ONSHI_TRY(select_file(card, pin_fid));
  ONSHI_TRY_ASSIGN(auto r, card.transmit({0x00, 0x20, 0x00, 0x80, {}, std::nullopt}));
  PinStatus s;
  if (r.ok()) {
    s.verified = true;
  } else if (auto n = sw_retries(r.sw())) {
    s.tries_left = *n;
    s.blocked = *n == 0;
  } else if (r.sw() == 0x6984) {
    s.tries_left = 0;
    s.blocked = true;
  } else if (r.sw() != 0x6300) {
    return sw_error(r.sw(), fmt::format("VERIFY (counter) EF {:04X}", pin_fid));
  }
  return s;
}

}  // namespace onshi::pcsc::jpki
