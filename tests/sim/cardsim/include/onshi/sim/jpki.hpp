// The JPKI application (公的個人認証AP) of the emulated My Number card: its identifiers and what a
// persona says about it. Facts and their sources: cards-and-readers.md §1.2–§1.5.
#pragma once

#include <openssl/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "onshi/bytes.hpp"

namespace onshi::sim::jpki {

// cards-and-readers.md §1.2.
inline constexpr std::array<std::uint8_t, 10> kAid = {0xD3, 0x92, 0xF0, 0x00, 0x26,
                                                      0x01, 0x00, 0x00, 0x00, 0x01};

// cards-and-readers.md §1.3. Every EF's SFI equals its FID (all lie in 0001..001E).
inline constexpr std::uint16_t kEfSignCert = 0x0001;  // readable only after the sign PIN
inline constexpr std::uint16_t kEfSignCaCert = 0x0002;
inline constexpr std::uint16_t kEfTokenInfo = 0x0006;
inline constexpr std::uint16_t kEfCertAvailability = 0x0008;
inline constexpr std::uint16_t kEfAuthCert = 0x000A;
inline constexpr std::uint16_t kEfAuthCaCert = 0x000B;
inline constexpr std::uint16_t kEfAuthKey = 0x0017;
inline constexpr std::uint16_t kEfAuthPin = 0x0018;
inline constexpr std::uint16_t kEfSignKey = 0x001A;
inline constexpr std::uint16_t kEfSignPin = 0x001B;
// Invented by onshi: the real 暗証番号設定不要 (PIN-less) card's chip-level marker is not public.
// A PIN-less persona carries EF 001E, freely readable: ASCII "ONSHI-NOPIN" + version byte 01.
inline constexpr std::uint16_t kEfPinLessMarker = 0x001E;
inline constexpr std::string_view kPinLessMarkerText = "ONSHI-NOPIN";
inline constexpr std::uint8_t kPinLessMarkerVersion = 0x01;
Bytes pin_less_marker();  // the 12 bytes of EF 001E

// cards-and-readers.md §1.4: auth PIN 4 digits / 3 tries, sign password 6–16 of A–Z 0–9 / 5 tries.
inline constexpr std::uint8_t kAuthPinTries = 3;
inline constexpr std::uint8_t kSignPinTries = 5;
inline constexpr std::size_t kAuthPinLength = 4;
inline constexpr std::size_t kSignPinMinLength = 6;
inline constexpr std::size_t kSignPinMaxLength = 16;

// cards-and-readers.md §1.3: EF 0006 is a 160-byte CK_TOKEN_INFO (32-bit big-endian CK_ULONGs)
// whose first 32 bytes are the space-padded label; EF 0008 `8F 8F 00` = both certificates present.
inline constexpr std::size_t kTokenInfoSize = 160;
inline constexpr std::size_t kTokenLabelSize = 32;
inline constexpr std::array<std::uint8_t, 3> kBothCertificatesPresent = {0x8F, 0x8F, 0x00};
// Without a sign certificate (e.g. under 15, §1.3). The doc only gives `8F 8F 00`; reading byte 0
// as "auth certificate present" and byte 1 as "sign certificate present" is onshi's assumption.
inline constexpr std::array<std::uint8_t, 3> kOnlyAuthCertificatePresent = {0x8F, 0x00, 0x00};

// Invented by onshi: the 2026 card's ECDSA P-384 commands are not public (§1.12). In this
// variant `80 2A 00 80|97|9A` takes exactly the 48-byte SHA-384 hash and answers r || s, each
// 48 bytes big-endian, left-padded with zeros.
inline constexpr std::size_t kP384HashSize = 48;
inline constexpr std::size_t kP384CoordinateSize = 48;

// The JPKI key pair type of a persona: RSA (the real card, §1.3) or the invented EC P-384.
enum class KeyType : std::uint8_t { rsa, ec_p384 };

// Certificate EFs hold the DER padded with FF filler (§1.6). The real EF size is not public; this
// is an estimate that leaves room for the ~1.2–1.6 kB certificates of certificate-profiles.md §1.
inline constexpr std::size_t kCertificateEfSize = 2048;

// The token label in EF 0006 (cards-and-readers.md §1.3, [myna-card] TokenType).
enum class TokenVariant : std::uint8_t { card, android, ios };
std::string_view token_label(TokenVariant variant) noexcept;
// The persona's and the manifest's spelling: "card", "android", "ios".
std::string_view token_name(TokenVariant variant) noexcept;
std::optional<TokenVariant> token_from_name(std::string_view name) noexcept;
// EF 0006: CK_TOKEN_INFO with the variant's label; the other fields are emulator values.
Bytes token_info(TokenVariant variant);

struct PinSpec {
  // Shared so a Persona stays copyable; the buffer is wiped when the last owner goes.
  std::shared_ptr<const SecretBytes> value;
  std::uint8_t max_tries = 0;
  std::uint8_t tries_left = 0;  // the counter when the card is made (0 = already blocked)
};

// What the card's handler needs beyond the file tree (the certificates live in EFs).
struct JpkiPersona {
  TokenVariant token = TokenVariant::card;
  // A 暗証番号設定不要 card: no PINs, no sign certificate, the auth key unusable (6982).
  bool pin_less = false;
  std::optional<PinSpec> auth_pin;     // EF 0018; absent on a PIN-less card
  std::optional<PinSpec> sign_pin;     // EF 001B; absent without a sign certificate
  std::shared_ptr<EVP_PKEY> auth_key;  // EF 0017: RSA, or EC P-384 (invented variant)
  std::shared_ptr<EVP_PKEY> sign_key;  // EF 001A, the same type; null without a sign certificate
};

}  // namespace onshi::sim::jpki
