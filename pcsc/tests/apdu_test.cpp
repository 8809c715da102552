#include "onshi/pcsc/apdu.hpp"

#include <gtest/gtest.h>

namespace onshi::pcsc {
namespace {

Bytes encoded(const CommandApdu& c) {
  auto r = c.encode();
  EXPECT_TRUE(r) << r.error().to_string();
  return r ? *r : Bytes{};
}

TEST(CommandApdu, EncodesTheFourShortCases) {
  EXPECT_EQ(encoded({0x00, 0x20, 0x00, 0x80, {}, std::nullopt}), (Bytes{0x00, 0x20, 0x00, 0x80}));
  EXPECT_EQ(encoded({0x00, 0xB0, 0x00, 0x00, {}, 256}), (Bytes{0x00, 0xB0, 0x00, 0x00, 0x00}));
  EXPECT_EQ(encoded({0x00, 0xA4, 0x02, 0x0C, {0x00, 0x0A}, std::nullopt}),
            (Bytes{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A}));
  EXPECT_EQ(encoded({0x80, 0x2A, 0x00, 0x80, {0x01, 0x02}, 256}),
            (Bytes{0x80, 0x2A, 0x00, 0x80, 0x02, 0x01, 0x02, 0x00}));
}

TEST(CommandApdu, EncodesExtendedCases) {
  // 2E: 00 Le1 Le2; 65536 as 00 00.
  EXPECT_EQ(encoded({0x00, 0xB0, 0x00, 0x00, {}, 65536}), (Bytes{0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00}));
  EXPECT_EQ(encoded({0x00, 0xB0, 0x00, 0x00, {}, 300}), (Bytes{0x00, 0xB0, 0x00, 0x00, 0x00, 0x01, 0x2C}));
  // 3E and 4E: a 256-byte block as HPKI signing needs (cards-and-readers.md §2).
  CommandApdu sign{0x00, 0x2A, 0x9E, 0x9A, Bytes(256, 0xAB), 256};
  const Bytes e = encoded(sign);
  ASSERT_EQ(e.size(), 4u + 3u + 256u + 2u);
  EXPECT_EQ(e[4], 0x00);
  EXPECT_EQ(e[5], 0x01);
  EXPECT_EQ(e[6], 0x00);
  EXPECT_EQ(e[e.size() - 2], 0x01);  // Le 256 in extended form
  EXPECT_EQ(e[e.size() - 1], 0x00);
  EXPECT_TRUE(sign.needs_extended());
  CommandApdu forced{0x00, 0xA4, 0x04, 0x0C, {0x01}, std::nullopt, true};
  EXPECT_EQ(encoded(forced), (Bytes{0x00, 0xA4, 0x04, 0x0C, 0x00, 0x00, 0x01, 0x01}));
}

TEST(CommandApdu, RejectsLengthsNoFormCanCarry) {
  EXPECT_EQ(CommandApdu({0, 0xB0, 0, 0, {}, 0}).encode().error().code, Errc::apdu_invalid);
  EXPECT_EQ(CommandApdu({0, 0xB0, 0, 0, {}, 65537}).encode().error().code, Errc::apdu_invalid);
  EXPECT_EQ(CommandApdu({0, 0xD6, 0, 0, Bytes(65536, 0), std::nullopt}).encode().error().code,
            Errc::apdu_invalid);
  CommandApdu case1_extended{0, 0x20, 0, 0x80, {}, std::nullopt, true};
  EXPECT_EQ(case1_extended.encode().error().code, Errc::apdu_invalid);
}

TEST(ResponseApdu, SplitsDataAndStatusWord) {
  auto r = ResponseApdu::parse(Bytes{0x01, 0x02, 0x90, 0x00});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->data, (Bytes{0x01, 0x02}));
  EXPECT_EQ(r->sw(), 0x9000);
  EXPECT_TRUE(r->ok());
  auto sw_only = ResponseApdu::parse(Bytes{0x6A, 0x82});
  ASSERT_TRUE(sw_only);
  EXPECT_TRUE(sw_only->data.empty());
  EXPECT_FALSE(sw_only->ok());
}

TEST(ResponseApdu, MissingStatusWordIsAClearError) {
  for (const Bytes& raw : {Bytes{}, Bytes{0x90}}) {
    auto r = ResponseApdu::parse(raw);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::apdu_malformed_response);
    EXPECT_NE(r.error().message.find("no status word"), std::string::npos);
  }
}

}  // namespace
}  // namespace onshi::pcsc
