// The My Number card's 券面事項入力補助AP (card-info input helper, cards-and-readers.md §1.7): the
// basic four items (name, address, birth date, sex) behind its own 4-digit PIN (EF 0011, 3
// tries), and the AP's PIN-less signing key that card_present_proof.hpp uses.
//
// The 12-digit My Number (EF 0001) is never read by onshi: オンライン資格確認 does not use it and
// the My Number Act limits who may collect it. There is deliberately no constant for that EF.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "onshi/bytes.hpp"
#include "onshi/pcsc/card.hpp"
#include "onshi/pcsc/pin.hpp"
#include "onshi/result.hpp"

namespace onshi::pcsc::kenmen {

// cards-and-readers.md §1.2
inline constexpr std::array<std::uint8_t, 10> kAid{0xD3, 0x92, 0x10, 0x00, 0x31,
                                                   0x00, 0x01, 0x01, 0x04, 0x08};
// cards-and-readers.md §1.7
inline constexpr std::uint16_t kEfBasicFour = 0x0002;
inline constexpr std::uint16_t kEfPin = 0x0011;

// Personal data: wiped when it goes away.
struct BasicFour {
  std::string name;        // 氏名, UTF-8 (family and given name separated by U+3000)
  std::string address;     // 住所, UTF-8
  std::string birth_date;  // YYYYMMDD, Gregorian
  std::string sex;         // ISO 5218: "1" male, "2" female, "9" not applicable ("0" unknown)

  BasicFour() = default;
  BasicFour(BasicFour&& other) noexcept;  // copies, then wipes the source
  BasicFour& operator=(BasicFour&& other) noexcept;
  BasicFour(const BasicFour&) = delete;
  BasicFour& operator=(const BasicFour&) = delete;
  ~BasicFour() { clear(); }
  void clear() noexcept;
};

// Parses EF 0002 as read (filler included): `FF 20` found by tag within the first bytes (cards
// from about 2023 put 2 extra bytes before it, §1.7), then DF21–DF25 by tag, in any order.
// Missing, repeated or overrunning tags, bad UTF-8, an impossible date or sex code: each its own
// Errc::card_data_invalid message. Unknown DFxx tags are skipped.
Result<BasicFour> parse_basic_four(ByteView file);

inline PinReference pin_reference() noexcept {
  return PinReference{kAid, kEfPin, "券面事項入力補助 PIN (0011)", PinFormat::four_digits};
}

// VERIFY (pin.hpp's rules, so `card` must be exclusive; release it unpowered afterwards), then
// EF 0002, read to its TLV length only. The PIN is wiped.
Result<BasicFour> read_basic_four(Card& card, SecretBytes& pin, const PinPolicy& policy);

// `80 2A 00 00 Lc data 00` with the AP's PIN-less key (§1.5): selects the AP first.
Result<Bytes> sign_pin_less(Card& card, ByteView digest_info);

}  // namespace onshi::pcsc::kenmen
