#include "onshi/sim/apdu.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace onshi::sim {
namespace {

using testing::hex;

CommandApdu decoded(std::string_view text) {
  auto apdu = decode_command_apdu(hex(text));
  EXPECT_TRUE(apdu) << text << ": " << (apdu ? "" : apdu.error().message);
  return apdu ? *apdu : CommandApdu{};
}

void expect_round_trip(std::string_view text) {
  const Bytes raw = hex(text);
  auto apdu = decode_command_apdu(raw);
  ASSERT_TRUE(apdu) << text;
  auto encoded = encode_command_apdu(*apdu);
  ASSERT_TRUE(encoded) << encoded.error().message;
  EXPECT_EQ(to_hex(*encoded), to_hex(raw));
}

TEST(ApduDecoder, Case1IsJustTheHeader) {
  const auto a = decoded("00 A4 00 0C");
  EXPECT_EQ(a.apdu_case, ApduCase::case1);
  EXPECT_EQ(a.cla, 0x00);
  EXPECT_EQ(a.ins, 0xA4);
  EXPECT_EQ(a.p1, 0x00);
  EXPECT_EQ(a.p2, 0x0C);
  EXPECT_TRUE(a.data.empty());
  EXPECT_FALSE(a.ne);
}

TEST(ApduDecoder, Case2ShortLeZeroMeans256) {
  auto a = decoded("00 B0 00 00 10");
  EXPECT_EQ(a.apdu_case, ApduCase::case2s);
  EXPECT_EQ(a.ne, 16u);
  a = decoded("00 B0 00 00 00");
  EXPECT_EQ(a.ne, 256u);
  EXPECT_FALSE(a.extended());
}

TEST(ApduDecoder, Case3ShortCarriesData) {
  const auto a = decoded("00 A4 02 0C 02 00 0A");
  EXPECT_EQ(a.apdu_case, ApduCase::case3s);
  EXPECT_EQ(a.data, hex("00 0A"));
  EXPECT_FALSE(a.ne);
}

TEST(ApduDecoder, Case4ShortHasDataAndLe) {
  const auto a = decoded("00 A4 04 00 02 AA BB 00");
  EXPECT_EQ(a.apdu_case, ApduCase::case4s);
  EXPECT_EQ(a.data, hex("AA BB"));
  EXPECT_EQ(a.ne, 256u);
}

TEST(ApduDecoder, Case2ExtendedLeZeroMeans65536) {
  auto a = decoded("00 B0 00 00 00 05 DC");
  EXPECT_EQ(a.apdu_case, ApduCase::case2e);
  EXPECT_EQ(a.ne, 1500u);
  EXPECT_TRUE(a.extended());
  a = decoded("00 B0 00 00 00 00 00");
  EXPECT_EQ(a.ne, 65536u);
}

TEST(ApduDecoder, Case3ExtendedCarriesLongData) {
  Bytes raw = hex("00 DA 00 00 00 01 2C");
  raw.resize(raw.size() + 300, 0x5A);
  const auto a = decode_command_apdu(raw);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->apdu_case, ApduCase::case3e);
  EXPECT_EQ(a->data.size(), 300u);
  EXPECT_FALSE(a->ne);
}

TEST(ApduDecoder, Case4ExtendedHasTwoByteLe) {
  const auto a = decoded("80 2A 00 80 00 00 02 AA BB 00 00");
  EXPECT_EQ(a.apdu_case, ApduCase::case4e);
  EXPECT_EQ(a.data, hex("AA BB"));
  EXPECT_EQ(a.ne, 65536u);
}

TEST(ApduDecoder, EveryAcceptedFormEncodesBackToTheSameBytes) {
  for (const char* text :
       {"00 A4 00 0C", "00 B0 00 00 10", "00 B0 00 00 00", "00 A4 02 0C 02 00 0A",
        "00 A4 04 00 02 AA BB 00", "00 B0 00 00 00 05 DC", "00 B0 00 00 00 00 00",
        "00 DA 00 00 00 00 01 77", "80 2A 00 80 00 00 02 AA BB 01 00"}) {
    SCOPED_TRACE(text);
    expect_round_trip(text);
  }
}

class MalformedApdu : public ::testing::TestWithParam<const char*> {};

TEST_P(MalformedApdu, IsRejected) {
  const auto a = decode_command_apdu(hex(GetParam()));
  ASSERT_FALSE(a) << GetParam();
  EXPECT_EQ(a.error().code, Errc::apdu_invalid);
  EXPECT_NE(a.error().message.find("malformed command APDU"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    ApduDecoder, MalformedApdu,
    ::testing::Values("",                            // nothing
                      "00 A4 04",                    // header cut short
                      "00 A4 04 0C 02 AA",           // short Lc=2, one data byte
                      "00 A4 04 0C 01 AA BB CC",     // short Lc=1, two bytes too many
                      "00 B0 00 00 00 01",           // 00 opens an extended field, then 1 byte
                      "00 B0 00 00 00 00 00 01",     // extended Lc=0000 followed by a byte
                      "00 D6 00 00 00 00 02 AA",     // extended Lc=2, one data byte
                      "00 2A 00 80 00 00 01 AA 00",  // case 4E with a 1-byte Le
                      "00 2A 00 80 00 00 01 AA 00 00 00"));  // one byte past case 4E

TEST(ApduDecoder, ReasonNamesTheMismatch) {
  const auto a = decode_command_apdu(hex("00 A4 04 0C 05 AA"));
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("short Lc=5 but 2 bytes follow the header"), std::string::npos)
      << a.error().message;
}

TEST(ApduEncoder, RefusesFieldsThatDoNotFitTheCase) {
  CommandApdu a;
  a.apdu_case = ApduCase::case3s;  // needs data
  EXPECT_FALSE(encode_command_apdu(a));
  a.data.assign(256, 0);  // too long for short Lc
  EXPECT_FALSE(encode_command_apdu(a));
  a = CommandApdu{};
  a.apdu_case = ApduCase::case2s;
  a.ne = 257;
  EXPECT_FALSE(encode_command_apdu(a));
}

TEST(Response, AppendsTheStatusWord) {
  const Response r{hex("01 02"), 0x6282};
  EXPECT_EQ(r.to_bytes(), hex("01 02 62 82"));
  EXPECT_EQ(Response::status(0x6A82).to_bytes(), hex("6A 82"));
}

}  // namespace
}  // namespace onshi::sim
