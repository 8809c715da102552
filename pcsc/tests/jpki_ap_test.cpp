#include "onshi/pcsc/jpki_ap.hpp"

#include <gtest/gtest.h>

#include "fake_api.hpp"

namespace onshi::pcsc::jpki {
namespace {

using testing::FakeApi;

TEST(JpkiDer, SizeFromTheHeader) {
  EXPECT_EQ(*der_certificate_size(Bytes{0x30, 0x82, 0x04, 0x10}, 0x7FFF), 0x0410u + 4u);
  EXPECT_EQ(*der_certificate_size(Bytes{0x30, 0x81, 0x90}, 0x7FFF), 0x90u + 3u);
}

TEST(JpkiDer, RejectsWhatIsNotACertificateHeader) {
  EXPECT_EQ(der_certificate_size(Bytes{0xFF, 0xFF, 0xFF, 0xFF}, 0x7FFF).error().code, Errc::apdu_malformed_response);
  EXPECT_NE(der_certificate_size(Bytes{0x30, 0x83, 1, 0, 0}, 0x7FFF).error().message.find("length form"), std::string::npos);
  EXPECT_NE(der_certificate_size(Bytes{0x30, 0x82, 0x7F}, 0x7FFF).error().message.find("truncated"), std::string::npos);
  EXPECT_NE(der_certificate_size(Bytes{0x30, 0x82, 0xFF, 0xFF}, 0x7FFF).error().message.find("exceeds"), std::string::npos);
  EXPECT_FALSE(der_certificate_size({}, 0x7FFF));
}

TEST(JpkiToken, MatchesLabelPrefixes) {
  EXPECT_EQ(token_from_label("JPKIAPICCTOKEN2"), Token::card);
  EXPECT_EQ(token_from_label("JPKIAPICCTOKEN"), Token::card);
  EXPECT_EQ(token_from_label("JPKIAPGPSETOKEN"), Token::android);
  EXPECT_EQ(token_from_label("JPKIAPIOSTOKEN"), Token::ios);
  EXPECT_EQ(token_from_label("SOMETHING"), Token::unknown);
}

class JpkiCardTest : public ::testing::Test {
 protected:
  FakeApi api;
  Card connect() {
    auto ctx = std::make_shared<Context>(Context::establish(api).value());
    return Card::connect(ctx, "Fake Reader 00 00").value();
  }
  void reply(Bytes b) { api.replies.push_back({SCARD_S_SUCCESS, std::move(b)}); }
};

TEST_F(JpkiCardTest, NotAMyNumberCardIsAnAnswerNotAnError) {
  Card card = connect();
  reply({0x6A, 0x82});
  auto d = detect(card);
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->jpki);
  EXPECT_EQ(api.sent.size(), 1u);
}

TEST_F(JpkiCardTest, ReadsOnlyAsManyBytesAsTheDerSays) {
  Card card = connect();
  Bytes cert{0x30, 0x82, 0x01, 0x2C};  // 300 + 4 bytes
  cert.resize(304, 0xAB);
  reply({0x90, 0x00});                                   // SELECT EF
  Bytes first(cert.begin(), cert.begin() + 256);
  first.push_back(0x90);
  first.push_back(0x00);
  reply(first);
  Bytes rest(cert.begin() + 256, cert.end());
  rest.push_back(0x90);
  rest.push_back(0x00);
  reply(rest);
  auto read = read_certificate(card, kEfAuthCertificate);
  ASSERT_TRUE(read) << read.error().to_string();
  EXPECT_EQ(*read, cert);
  ASSERT_EQ(api.sent.size(), 3u);
  EXPECT_EQ(api.sent[2], (Bytes{0x00, 0xB0, 0x01, 0x00, 48}));  // exactly the 48 missing bytes
}

TEST_F(JpkiCardTest, ACardThatStopsEarlyIsAClearError) {
  Card card = connect();
  reply({0x90, 0x00});
  reply({0x30, 0x82, 0x04, 0x00, 0x01, 0x90, 0x00});
  reply({0x90, 0x00});  // no data where 1024 bytes are due
  auto read = read_certificate(card, kEfAuthCertificate);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, Errc::apdu_malformed_response);
}

TEST_F(JpkiCardTest, PinStatusNeverSpendsATry) {
  Card card = connect();
  const std::pair<Bytes, PinStatus> cases[] = {
      {{0x63, 0xC3}, {3, false, false}},
      {{0x63, 0xC0}, {0, true, false}},
      {{0x69, 0x84}, {0, true, false}},
      {{0x63, 0x00}, {std::nullopt, false, false}},
      {{0x90, 0x00}, {std::nullopt, false, true}},
  };
  for (const auto& [sw, expected] : cases) {
    api.sent.clear();
    reply({0x90, 0x00});
    reply(sw);
    auto s = read_pin_status(card, kEfAuthPin);
    ASSERT_TRUE(s) << s.error().to_string();
    EXPECT_EQ(s->tries_left, expected.tries_left);
    EXPECT_EQ(s->blocked, expected.blocked);
    EXPECT_EQ(s->verified, expected.verified);
    ASSERT_EQ(api.sent.size(), 2u);
    EXPECT_EQ(api.sent[1], (Bytes{0x00, 0x20, 0x00, 0x80}));  // case 1: no PIN data at all
  }
}

}  // namespace
}  // namespace onshi::pcsc::jpki
