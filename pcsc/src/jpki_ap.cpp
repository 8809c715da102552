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
  return {0x00,
          0xA4,
          0x02,
          0x0C,
          {static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid)},
          std::nullopt};
}

CommandApdu read_binary(std::size_t offset, std::size_t length) {
  return {0x00,
          0xB0,
          static_cast<std::uint8_t>((offset >> 8) & 0x7F),
          static_cast<std::uint8_t>(offset & 0xFF),
          {},
          length};
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
  ONSHI_TRY_ASSIGN(auto selected, card.transmit({0x00, 0xA4, 0x04, 0x0C,
                                                 Bytes(kAid.begin(), kAid.end()), std::nullopt}));
  if (selected.sw() == 0x6A82) return d;
  ONSHI_TRY(expect_ok(selected, "SELECT JPKI AP"));
  d.jpki = true;

  ONSHI_TRY(select_file(card, kEfTokenInfo));
  ONSHI_TRY_ASSIGN(auto info, card.transmit(read_binary(0, kTokenLabelSize)));
  ONSHI_TRY(expect_ok(info, "READ BINARY EF 0006"));
  std::string label(info.data.begin(),
                    info.data.begin() + std::min(info.data.size(), kTokenLabelSize));
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
    if (head.size() < 4)
      return fail(Errc::apdu_malformed_response, "certificate DER header truncated");
    header = 4;
    body = (std::size_t{head[2]} << 8) | head[3];
  } else if (head[1] == 0x81) {
    if (head.size() < 3)
      return fail(Errc::apdu_malformed_response, "certificate DER header truncated");
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
    out.insert(out.end(), chunk.data.begin(),
               chunk.data.begin() + static_cast<std::ptrdiff_t>(take));
  }
  return out;
}

Result<CertificateAvailability> read_certificate_availability(Card& card) {
  ONSHI_TRY(select_file(card, kEfCertificateAvailability));
  ONSHI_TRY_ASSIGN(auto r, card.transmit(read_binary(0, 3)));
  ONSHI_TRY(expect_ok(r, "READ BINARY EF 0008"));
  if (r.data.size() < 2) {
    return fail(Errc::card_data_invalid,
                fmt::format("EF 0008 holds {} bytes, expected 3", r.data.size()));
  }
  return CertificateAvailability{r.data[0] == 0x8F, r.data[1] == 0x8F};
}

Result<bool> has_pin_less_marker(Card& card) {
  // READ BINARY by SFI (§1.6): 1 APDU, and it leaves no EF of interest selected.
  ONSHI_TRY_ASSIGN(auto r, card.transmit({0x00,
                                          0xB0,
                                          static_cast<std::uint8_t>(0x80 | kEfPinLessMarker),
                                          0x00,
                                          {},
                                          kPinLessMarker.size()}));
  if (!r.ok()) return false;  // a real card: no such EF
  return r.data.size() == kPinLessMarker.size() &&
         std::equal(r.data.begin(), r.data.end(), kPinLessMarker.begin(),
                    [](std::uint8_t a, char b) { return a == static_cast<std::uint8_t>(b); });
}

KeyFiles key_files(Key key) noexcept {
  return key == Key::auth ? KeyFiles{kEfAuthPin, kEfAuthKey, kEfAuthCertificate}
                          : KeyFiles{kEfSignPin, kEfSignKey, kEfSignCertificate};
}

PinReference pin_reference(Key key) noexcept {
  if (key == Key::auth)
    return PinReference{kAid, kEfAuthPin, "JPKI auth PIN (0018)", PinFormat::four_digits};
  return PinReference{kAid, kEfSignPin, "JPKI signature password (001B)",
                      PinFormat::jpki_sign_password};
}

HashAlgorithm signature_hash(const KeyInfo& key) noexcept {
  return key.kind == KeyInfo::Kind::ec_p384 ? HashAlgorithm::sha384 : HashAlgorithm::sha256;
}

Result<Bytes> signature_input(const KeyInfo& key, ByteView message) {
  const Bytes h = hash(signature_hash(key), message);
  if (key.kind == KeyInfo::Kind::ec_p384) return h;  // invented variant: the raw hash
  return digest_info(HashAlgorithm::sha256, h);
}

Result<Bytes> compute_signature(Card& card, Key key, const KeyInfo& key_info, ByteView input) {
  const std::uint16_t key_ef = key_files(key).key;
  ONSHI_TRY(select_file(card, key_ef));
  ONSHI_TRY_ASSIGN(auto r,
                   card.transmit({0x80, 0x2A, 0x00, 0x80, Bytes(input.begin(), input.end()), 256}));
  if (r.sw() == 0x6982) {
    return fail(
        Errc::card_status,
        fmt::format("COMPUTE DIGITAL SIGNATURE with key {:04X}: the PIN is not verified (6982)",
                    key_ef));
  }
  ONSHI_TRY(expect_ok(r, fmt::format("COMPUTE DIGITAL SIGNATURE with key {:04X}", key_ef)));
  const std::size_t want = key_info.kind == KeyInfo::Kind::ec_p384
                               ? 96
                               : static_cast<std::size_t>((key_info.bits + 7) / 8);
  if (r.data.size() != want) {
    return fail(Errc::card_data_invalid,
                fmt::format("the card returned a {}-byte signature for a {} key (expected {})",
                            r.data.size(), key_info.name(), want));
  }
  return std::move(r.data);
}

}  // namespace onshi::pcsc::jpki
