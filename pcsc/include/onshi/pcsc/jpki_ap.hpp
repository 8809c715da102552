// The My Number card's 公的個人認証AP (JPKI AP), read side: detection by SELECT (never by ATR:
// contactless ATRs are made up by the reader), the token label, certificates, and PIN retry
// counters read without spending a try (cards-and-readers.md §1.2–§1.6). VERIFY and signing come
// with the PIN-safety rules of issue 3.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "onshi/bytes.hpp"
#include "onshi/pcsc/card.hpp"
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
inline constexpr std::uint16_t kEfAuthPin = 0x0018;
inline constexpr std::uint16_t kEfSignPin = 0x001B;

enum class Token { card, android, ios, unknown };
std::string_view token_name(Token t) noexcept;

struct Detection {
  bool jpki = false;    // the JPKI AP answered SELECT
  Token token = Token::unknown;
  std::string label;    // EF 0006's first 32 bytes, trailing spaces removed
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

struct PinStatus {
  std::optional<int> tries_left;  // nullopt: no retry limit (6300)
  bool blocked = false;           // 63C0 or 6984
  bool verified = false;          // 9000: verified earlier in this power cycle
};

// Empty VERIFY after SELECT of the PIN EF (§1.4): never spends a try.
Result<PinStatus> read_pin_status(Card& card, std::uint16_t pin_fid);

}  // namespace onshi::pcsc::jpki
