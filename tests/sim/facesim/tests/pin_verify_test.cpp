#include "onshi/facesim/pin_verify.hpp"

#include <gtest/gtest.h>

namespace onshi::facesim {
namespace {

Bytes hex(std::string_view h) { return *from_hex(h); }

Bytes built(const std::variant<Bytes, SecureFieldError>& v) {
  if (const auto* e = std::get_if<SecureFieldError>(&v)) {
    ADD_FAILURE() << e->message;
    return {};
  }
  return std::get<Bytes>(v);
}

PinVerifyRequest parsed(std::string_view data) {
  auto v = parse_pin_verify(hex(data));
  if (const auto* e = std::get_if<SecureFieldError>(&v)) {
    ADD_FAILURE() << e->message;
    return {};
  }
  return std::get<PinVerifyRequest>(v);
}

// The secure PIN exchange of test-rigs.md §5: an 8-byte block padded with FF, 4..8 digits.
TEST(PinVerify, FillsAnFfPaddedAsciiBlockAsTheRigsReaderDid) {
  const auto r =
      parsed("00 1E 82 08 00 08 04 02 01 09 04 00 00 00 00 00 20 00 81 08 FF FF FF FF FF FF FF FF");
  EXPECT_EQ(r.timeout_seconds, 30);
  EXPECT_EQ(r.min_digits, 4);
  EXPECT_EQ(r.max_digits, 8);
  EXPECT_EQ(r.block_size, 8);
  EXPECT_EQ(to_hex(built(build_verify_apdu(r, "1234")), true),
            "00 20 00 81 08 31 32 33 34 FF FF FF FF");
}

// What onshi sends for the JPKI auth PIN (cards-and-readers.md §1.4): exactly 4 digits, Lc 04.
TEST(PinVerify, AFourByteBlockGivesLc04WithoutPadding) {
  const auto r = parsed("00 1E 82 04 00 04 04 02 01 09 04 00 00 00 00 00 20 00 80 04 00 00 00 00");
  EXPECT_EQ(to_hex(built(build_verify_apdu(r, "4321")), true), "00 20 00 80 04 34 33 32 31");
  // Five digits do not fit a 4-byte block.
  EXPECT_TRUE(std::holds_alternative<SecureFieldError>(build_verify_apdu(r, "43210")));
}

// Block size 0 (HPKI, cards-and-readers.md §2): the reader sets Lc from the entered length.
TEST(PinVerify, AVariableBlockMakesLcTheEnteredLength) {
  const auto r = parsed("00 1E 82 00 00 10 04 02 01 09 04 00 00 00 00 00 20 00 96 00");
  EXPECT_EQ(to_hex(built(build_verify_apdu(r, "123456")), true),
            "00 20 00 96 06 31 32 33 34 35 36");
  EXPECT_EQ(to_hex(built(build_verify_apdu(r, "1234")), true), "00 20 00 96 04 31 32 33 34");
}

// ISO 9564 format 2 (BCD, length nibble after the control nibble), as OpenPGP-style cards use.
TEST(PinVerify, BcdWithALengthFieldPacksNibbles) {
  // bmFormatString 89: bytes, position 1, left, BCD; 47: 4-bit length, 8-byte block; 04: length
  // at bit 4.
  const auto r =
      parsed("00 1E 89 47 04 0C 04 02 01 09 04 00 00 00 00 00 20 00 81 08 2F FF FF FF FF FF FF FF");
  EXPECT_EQ(to_hex(built(build_verify_apdu(r, "12345")), true),
            "00 20 00 81 08 25 12 34 5F FF FF FF FF");
}

TEST(PinVerify, RefusesStructuresNamingTheOffendingByte) {
  auto modify =
      parse_pin_verify(hex("01 1E 82 08 00 08 04 02 01 09 04 00 00 00 00 00 20 00 81 08"));
  ASSERT_TRUE(std::holds_alternative<SecureFieldError>(modify));
  EXPECT_EQ(std::get<SecureFieldError>(modify).offset, 10);  // bPINOperation
  auto short_one = parse_pin_verify(hex("00 1E 82"));
  ASSERT_TRUE(std::holds_alternative<SecureFieldError>(short_one));
  auto reserved =
      parse_pin_verify(hex("00 1E 83 08 00 08 04 02 01 09 04 00 00 00 00 00 20 00 81 08"));
  ASSERT_TRUE(std::holds_alternative<SecureFieldError>(reserved));
  EXPECT_EQ(std::get<SecureFieldError>(reserved).offset, 12);  // bmFormatString
  auto min_over_max =
      parse_pin_verify(hex("00 1E 82 08 00 04 08 02 01 09 04 00 00 00 00 00 20 00 81 08"));
  ASSERT_TRUE(std::holds_alternative<SecureFieldError>(min_over_max));
  auto block_too_big =
      parse_pin_verify(hex("00 1E 82 08 00 08 04 02 01 09 04 00 00 00 00 00 20 00 81 02 FF FF"));
  ASSERT_TRUE(std::holds_alternative<SecureFieldError>(block_too_big));
}

}  // namespace
}  // namespace onshi::facesim
