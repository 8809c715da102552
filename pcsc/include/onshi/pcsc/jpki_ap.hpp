// The My Number card's 公的個人認証AP (JPKI AP), read side: detection by SELECT (never by ATR:
// contactless ATRs are made up by the reader), the token label, certificates, and PIN retry
// counters read without spending a try (cards-and-readers.md §1.2–§1.6), and the card's half of a
// signature, `80 2A 00 80` (§1.5). VERIFY follows pin.hpp's rules; jpki_pin_sign.hpp puts the
// pieces together on an exclusive connection.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "onshi/bytes.hpp"
#include "onshi/pcsc/card.hpp"
#include "onshi/pcsc/card_crypto.hpp"
#include "onshi/pcsc/pin.hpp"
#include "onshi/result.hpp"

namespace onshi::pcsc::jpki {

// cards-and-readers.md §1.2
inline constexpr std::array<std::uint8_t, 10> kAid{0xD3, 0x92, 0xF0, 0x00, 0x26,
                                                   0x01, 0x00, 0x00, 0x00, 0x01};
// cards-and-readers.md §1.3
inline constexpr std::uint16_t kEfSignCertificate = 0x0001;
inline constexpr std::uint16_t kEfSignCaCertificate = 0x0002;
inline constexpr std::uint16_t kEfTokenInfo = 0x0006;
inline constexpr std::uint16_t kEfCertificateAvailability = 0x0008;
inline constexpr std::uint16_t kEfAuthCertificate = 0x000A;
inline constexpr std::uint16_t kEfAuthCaCertificate = 0x000B;
inline constexpr std::uint16_t kEfAuthKey = 0x0017;
inline constexpr std::uint16_t kEfAuthPin = 0x0018;
inline constexpr std::uint16_t kEfSignKey = 0x001A;
inline constexpr std::uint16_t kEfSignPin = 0x001B;

// INVENTED BY ONSHI, not a real card's: the chip-level marker of a PIN-less card (暗証番号設定不要
// カード) is not public. onshi's emulator and onshi agree on EF 001E of the JPKI AP holding
// "ONSHI-NOPIN" and a version byte 01. A real card answers SELECT/READ of 001E with an error,
// which reads as "not PIN-less"; replace this when the real marker is published.
inline constexpr std::uint16_t kEfPinLessMarker = 0x001E;
inline constexpr std::string_view kPinLessMarker = "ONSHI-NOPIN\x01";

enum class Token { card, android, ios, unknown };
std::string_view token_name(Token t) noexcept;

struct Detection {
  bool jpki = false;  // the JPKI AP answered SELECT
  Token token = Token::unknown;
  std::string label;  // EF 0006's first 32 bytes, trailing spaces removed
};

// SELECT of the JPKI AID: 6A82 means "not a My Number card" (jpki = false), not an error.
Result<Detection> detect(Card& card);

// Token label → kind, matched on the prefix (§1.3: test fixtures drop the final "2").
Token token_from_label(std::string_view label) noexcept;

// The DER length of a certificate from its first bytes (30 82 LL LL or 30 81 LL); an error for
// anything else or beyond `max_size`. A pure function: the card's bytes are untrusted.
Result<std::size_t> der_certificate_size(ByteView head, std::size_t max_size);

// Reads a certificate EF of the JPKI AP (selected before): SELECT EF, then short READ BINARY in
// 256-byte steps, stopping at the DER length so the filler is never read.
Result<Bytes> read_certificate(Card& card, std::uint16_t fid);

// Empty VERIFY after SELECT of the PIN EF (§1.4): never spends a try. (pin.hpp's, for the JPKI AP.)
using pcsc::PinStatus;
using pcsc::read_pin_status;

// EF 0008 (§1.3): `8F 8F 00` = both certificates present. onshi reads byte 0 as the auth and byte
// 1 as the sign certificate (an assumption: cards without a sign certificate, e.g. for children
// under 15, are documented to exist, not their exact byte).
struct CertificateAvailability {
  bool auth = false;
  bool sign = false;
};
Result<CertificateAvailability> read_certificate_availability(Card& card);

// Reads the invented PIN-less marker (kEfPinLessMarker) by SFI: one APDU, never a PIN.
Result<bool> has_pin_less_marker(Card& card);

// The two JPKI keys, each with its PIN, key EF and certificate EF (§1.3, §1.4).
enum class Key { auth, sign };
struct KeyFiles {
  std::uint16_t pin;
  std::uint16_t key;
  std::uint16_t certificate;
};
KeyFiles key_files(Key key) noexcept;
// auth: "JPKI auth PIN (0018)", 4 digits; sign: "JPKI signature password (001B)", 6–16 A–Z 0–9.
PinReference pin_reference(Key key) noexcept;

// What `80 2A 00 80` takes for a key of this type. RSA: the SHA-256 DigestInfo, which the card
// pads (P1 00, §1.5). EC P-384 (INVENTED by onshi: the 2026 card's commands are not public,
// §1.12): the raw SHA-384 hash; the card answers r‖s.
HashAlgorithm signature_hash(const KeyInfo& key) noexcept;
Result<Bytes> signature_input(const KeyInfo& key, ByteView message);

// SELECT the key EF, then `80 2A 00 80 Lc input 00` (§1.5). The PIN must have been verified on
// this connection. The answer's length is checked against the key: RSA = modulus bytes, EC = 96.
Result<Bytes> compute_signature(Card& card, Key key, const KeyInfo& key_info, ByteView input);

}  // namespace onshi::pcsc::jpki
