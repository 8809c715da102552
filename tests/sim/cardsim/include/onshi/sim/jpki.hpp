// The JPKI application (公的個人認証AP) of the emulated My Number card: its identifiers and what a
// persona says about it. Facts and their sources: cards-and-readers.md §1.2–§1.5.
#pragma once

#include <openssl/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
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

// Certificate EFs hold the DER padded with FF filler (§1.6). The real EF size is not public; this
// is an estimate that leaves room for the ~1.2–1.6 kB certificates of certificate-profiles.md §1.
inline constexpr std::size_t kCertificateEfSize = 2048;

// The token label in EF 0006 (cards-and-readers.md §1.3, [myna-card] TokenType).
enum class TokenVariant : std::uint8_t { card, android, ios };
std::string_view token_label(TokenVariant variant) noexcept;
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
  PinSpec auth_pin;
  PinSpec sign_pin;
  std::shared_ptr<EVP_PKEY> auth_key;  // EF 0017, RSA
  std::shared_ptr<EVP_PKEY> sign_key;  // EF 001A, RSA
};

}  // namespace onshi::sim::jpki
