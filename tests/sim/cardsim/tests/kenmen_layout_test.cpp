// The 券面事項入力補助AP's file layouts (cards-and-readers.md §1.7) and the 個人番号 check digit.
#include <gtest/gtest.h>

#include <string>

#include "onshi/sim/kenmen.hpp"
#include "test_support.hpp"

namespace onshi::sim {
namespace {

using testing::hex;

std::string repeat(std::string_view piece, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out += piece;
  return out;
}

kenmen::BasicFour sample(std::string address) {
  return {"試験\u3000太郎", std::move(address), "19900102", "1"};
}

std::size_t offset_at(const Bytes& ef, std::size_t at) {
  return static_cast<std::size_t>((ef.at(at) << 8) | ef.at(at + 1));
}

// Each DF21 offset points at its tag, whose value is the field (short lengths only here).
void expect_offsets_point_at_tags(const Bytes& ef, std::size_t table) {
  const std::uint8_t tags[4] = {0x22, 0x23, 0x24, 0x25};
  for (std::size_t i = 0; i < 4; ++i) {
    const std::size_t at = offset_at(ef, table + 2 * i);
    EXPECT_EQ(ef.at(at), 0xDF) << i;
    EXPECT_EQ(ef.at(at + 1), tags[i]) << i;
  }
}

TEST(MyNumber, CheckDigitFollowsTheWeightsOfTheLaw) {
  EXPECT_EQ(kenmen::my_number_check_digit("12345678901"), 8);  // the widely used sample
  EXPECT_EQ(kenmen::my_number_check_digit("31415926535"), 2);
  EXPECT_EQ(kenmen::my_number_check_digit("27182818284"), 0);  // r = 1 → 0
  EXPECT_EQ(kenmen::my_number_check_digit("1234567890"), std::nullopt);
  EXPECT_EQ(kenmen::my_number_check_digit("1234567890A"), std::nullopt);
  EXPECT_TRUE(kenmen::my_number_valid("123456789018"));
  EXPECT_FALSE(kenmen::my_number_valid("123456789017"));
  EXPECT_FALSE(kenmen::my_number_valid("12345678901"));
}

TEST(MyNumber, EfIsTheFifteenByteObjectAndTwoFillerBytes) {
  const Bytes ef = kenmen::my_number_ef("123456789018");
  EXPECT_EQ(ef, hex("FF 10 0C 31 32 33 34 35 36 37 38 39 30 31 38 FF FF"));
  EXPECT_EQ(ef.size(), kenmen::kMyNumberEfSize);
}

TEST(BasicFour, ClassicLayoutMatchesTheDocumentedSample) {
  // §1.7's sample: a 5-character name and an 18-character address give FF 20 65 and the
  // offsets 000E 0020 0059 0064.
  auto ef = kenmen::basic_four_ef(sample(repeat("町", 18)), kenmen::Layout::classic);
  ASSERT_TRUE(ef) << ef.error().to_string();
  ASSERT_EQ(ef->size(), kenmen::kBasicFourEfSize);
  EXPECT_EQ(Bytes(ef->begin(), ef->begin() + 14), hex("FF 20 65 DF 21 08 00 0E 00 20 00 59 00 64"));
  expect_offsets_point_at_tags(*ef, 6);
  EXPECT_EQ(Bytes(ef->begin() + 0x59, ef->begin() + 0x68),
            hex("DF 24 08 31 39 39 30 30 31 30 32 DF 25 01 31"));
  EXPECT_EQ(ef->at(0x68), 0xFF);  // FF up to the EF's end
  EXPECT_EQ(ef->back(), 0xFF);
  const std::string name(ef->begin() + 0x11, ef->begin() + 0x20);
  EXPECT_EQ(name, "試験\u3000太郎");
}

TEST(BasicFour, Layout2023PutsTwoBytesFirstAndOffsetsStillCountFromTheFileStart) {
  auto classic = kenmen::basic_four_ef(sample(repeat("町", 18)), kenmen::Layout::classic);
  auto ef = kenmen::basic_four_ef(sample(repeat("町", 18)), kenmen::Layout::y2023);
  ASSERT_TRUE(ef && classic);
  EXPECT_EQ(Bytes(ef->begin(), ef->begin() + 16),
            hex("01 00 FF 20 65 DF 21 08 00 10 00 22 00 5B 00 66"));
  expect_offsets_point_at_tags(*ef, 8);
  EXPECT_EQ(Bytes(ef->begin() + 16, ef->begin() + 0x6A),
            Bytes(classic->begin() + 14, classic->begin() + 0x68));
  EXPECT_EQ(ef->size(), kenmen::kBasicFourEfSize);
}

TEST(BasicFour, LongAddressesUseTheLongLengthForms) {
  // 43 characters = 129 bytes of UTF-8: DF23 81 81, the outer length 81 B1.
  auto one = kenmen::basic_four_ef(sample(repeat("町", 43)), kenmen::Layout::classic);
  ASSERT_TRUE(one);
  EXPECT_EQ(Bytes(one->begin(), one->begin() + 7), hex("FF 20 81 B1 DF 21 08"));
  EXPECT_EQ(offset_at(*one, 7), 15U);
  const std::size_t address = offset_at(*one, 9);
  EXPECT_EQ(Bytes(one->begin() + static_cast<std::ptrdiff_t>(address),
                  one->begin() + static_cast<std::ptrdiff_t>(address) + 4),
            hex("DF 23 81 81"));
  expect_offsets_point_at_tags(*one, 7);

  // 90 characters = 270 bytes: DF23 82 01 0E, the outer length 82 01 3F.
  auto two = kenmen::basic_four_ef(sample(repeat("町", 90)), kenmen::Layout::classic);
  ASSERT_TRUE(two);
  EXPECT_EQ(Bytes(two->begin(), two->begin() + 8), hex("FF 20 82 01 3F DF 21 08"));
  const std::size_t address2 = offset_at(*two, 10);
  EXPECT_EQ(Bytes(two->begin() + static_cast<std::ptrdiff_t>(address2),
                  two->begin() + static_cast<std::ptrdiff_t>(address2) + 5),
            hex("DF 23 82 01 0E"));
  expect_offsets_point_at_tags(*two, 8);
}

TEST(BasicFour, ARecordLargerThanTheEfIsRefused) {
  auto ef = kenmen::basic_four_ef(sample(repeat("町", 200)), kenmen::Layout::classic);
  ASSERT_FALSE(ef);
  EXPECT_NE(ef.error().message.find("more than the 512-byte EF"), std::string::npos)
      << ef.error().message;
  EXPECT_FALSE(kenmen::basic_four_ef({"a", "b", "1990010", "1"}, kenmen::Layout::classic));
  EXPECT_FALSE(kenmen::basic_four_ef({"a", "b", "19900101", "12"}, kenmen::Layout::classic));
}

}  // namespace
}  // namespace onshi::sim
