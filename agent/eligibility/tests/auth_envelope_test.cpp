#include <gtest/gtest.h>

#include "auth_envelope.hpp"

namespace onshi::eligibility::detail {
namespace {

TEST(AuthEnvelope, TheModelledAnswer) {
  auto t = parse_auth_envelope(
      R"({"status":"200","msg":"","result":{"accessToken":"tok-1","idToken":"tok-1","refreshToken":null,"expiresIn":600,"linkSysCharCd":"0"}})");
  ASSERT_TRUE(t) << t.error().to_string();
  EXPECT_EQ(t->access_token, "tok-1");
  EXPECT_EQ(t->expires_in.count(), 600);
}

TEST(AuthEnvelope, EveryFieldRule) {
  const char* bad[] = {
      "",
      "[]",
      "not json",
      R"({"msg":""})",
      R"({"status":200,"result":{}})",
      R"({"status":"200"})",
      R"({"status":"200","result":[]})",
      R"({"status":"200","result":{"expiresIn":600}})",
      R"({"status":"200","result":{"accessToken":"","expiresIn":600}})",
      R"({"status":"200","result":{"accessToken":"a b","expiresIn":600}})",
      R"({"status":"200","result":{"accessToken":"t\u0001","expiresIn":600}})",
      R"({"status":"200","result":{"accessToken":"t","expiresIn":"600"}})",
      R"({"status":"200","result":{"accessToken":"t","expiresIn":0}})",
      R"({"status":"200","result":{"accessToken":"t","expiresIn":86401}})",
      R"({"status":"200","result":{"accessToken":"t","expiresIn":6.5}})",
  };
  for (const char* b : bad) {
    auto t = parse_auth_envelope(b);
    ASSERT_FALSE(t) << b;
    EXPECT_EQ(t.error().code, Errc::elig_message_invalid) << b;
  }
  EXPECT_FALSE(parse_auth_envelope(R"({"status":"200","result":{"accessToken":")" +
                                   std::string(4097, 'a') + R"(","expiresIn":1}})"));
}

TEST(AuthEnvelope, ARefusalIsRejectedWithItsMessage) {
  auto t = parse_auth_envelope(R"({"status":"403","msg":"unknown institution","result":null})");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, Errc::elig_rejected);
  EXPECT_NE(t.error().message.find("unknown institution"), std::string::npos);
}

TEST(ChallengeEnvelope, Rules) {
  auto c = parse_challenge_envelope(
      R"({"status":"200","msg":"","result":{"challengeId":"c1","challenge":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=","expiresIn":60}})");
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->bytes.size(), 32u);
  EXPECT_FALSE(parse_challenge_envelope(
      R"({"status":"200","result":{"challengeId":"c1","challenge":"AAEC","expiresIn":60}})"));
  EXPECT_FALSE(parse_challenge_envelope(
      R"({"status":"200","result":{"challengeId":"c1","challenge":"!!!","expiresIn":60}})"));
  EXPECT_FALSE(parse_challenge_envelope(
      R"({"status":"200","result":{"challenge":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=","expiresIn":60}})"));
}

}  // namespace
}  // namespace onshi::eligibility::detail
