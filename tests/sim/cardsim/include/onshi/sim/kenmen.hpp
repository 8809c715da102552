// The 券面事項入力補助AP (text AP: My Number and 基本4情報 for form filling) of the emulated My
// Number card: identifiers, file layouts and what a persona says about it. Facts and their
// sources: cards-and-readers.md §1.2, §1.4, §1.5, §1.7.
#pragma once

#include <openssl/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "onshi/bytes.hpp"
#include "onshi/result.hpp"
#include "onshi/sim/jpki.hpp"

namespace onshi::sim::kenmen {

// cards-and-readers.md §1.2.
inline constexpr std::array<std::uint8_t, 10> kAid = {0xD3, 0x92, 0x10, 0x00, 0x31,
                                                      0x00, 0x01, 0x01, 0x04, 0x08};

// cards-and-readers.md §1.7; every SFI equals its FID (§1.3). The other EFs of §1.7 (0003–0008,
// the 照合番号 references 0012/0014/0015) are not emulated.
inline constexpr std::uint16_t kEfMyNumber = 0x0001;
inline constexpr std::uint16_t kEfBasicFour = 0x0002;
inline constexpr std::uint16_t kEfPin = 0x0011;  // 券面事項入力補助用暗証番号

// §1.7: 4 digits, 3 tries (the same rules as the JPKI auth PIN, §1.4).
inline constexpr std::uint8_t kPinTries = 3;
inline constexpr std::size_t kPinLength = 4;

// §1.7: EF 0001 = `FF 10 0C` + 12 ASCII digits + `FF FF`, 17 bytes.
inline constexpr std::size_t kMyNumberDigits = 12;
inline constexpr std::size_t kMyNumberEfSize = 17;

// The real EF 0002 size is not public. This estimate holds the §1.7 sample and long addresses;
// a persona whose record does not fit is refused by the loader.
inline constexpr std::size_t kBasicFourEfSize = 512;

// §1.7: cards from around 2023 carry 2 extra bytes before `FF 20`; their value is not public.
// onshi's choice, 01 00, is neither 00 nor FF padding (ISO 7816-4 §5.2), so a host must find
// `FF 20` by walking or scanning, not by skipping filler. The DF21 offsets count from the file
// start, prefix included.
inline constexpr std::array<std::uint8_t, 2> kLayout2023Prefix = {0x01, 0x00};

// §1.5: the AP's own PIN-less signing key for card-present proof (RSA-2048 in onshi's personas).
inline constexpr int kCardPresentKeyBits = 2048;

enum class Layout : std::uint8_t { classic, y2023 };

// 基本4情報 as the card stores them (§1.7).
struct BasicFour {
  std::string name;        // 氏名, UTF-8, surname U+3000 given name
  std::string address;     // 住所, UTF-8
  std::string birth_date;  // 生年月日, YYYYMMDD (Gregorian)
  std::string sex;         // ISO 5218: "1", "2" or "9"
};

// 個人番号 check digit over the first 11 digits: weights Qn = n+1 (n = 1..6) and n−5 (n = 7..11)
// on the n-th digit from the right, r = sum mod 11, 0 if r <= 1 else 11 − r. nullopt unless
// `first_eleven` is exactly 11 ASCII digits.
std::optional<int> my_number_check_digit(std::string_view first_eleven);
// 12 ASCII digits whose last one is the check digit of the first 11.
bool my_number_valid(std::string_view my_number);

// EF 0001's 17 bytes. `my_number` must be 12 digits (the loader checks).
Bytes my_number_ef(std::string_view my_number);
// EF 0002: [prefix] `FF 20 L { DF21 08 <offsets>, DF22 name, DF23 address, DF24 08 date, DF25 01
// sex }` with definite BER lengths, padded with FF to kBasicFourEfSize. Fails
// (Errc::invalid_argument, saying how many bytes it needs) when the record does not fit, or when
// the date is not 8 bytes or the sex not 1.
Result<Bytes> basic_four_ef(const BasicFour& data, Layout layout);

// What the handler needs beyond the file tree.
struct KenmenPersona {
  std::optional<jpki::PinSpec> pin;            // EF 0011; absent on a PIN-less card
  std::shared_ptr<EVP_PKEY> card_present_key;  // RSA-2048, usable without a PIN (§1.5)
};

}  // namespace onshi::sim::kenmen
