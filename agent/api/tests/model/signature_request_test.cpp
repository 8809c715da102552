#include "onshi/api/signature_request.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <string>

namespace onshi::api {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

const std::array<std::string, 1> kOne{"0110113719"};
const std::array<std::string, 2> kTwo{"0110113719", "2714206386"};
// A made-up digest (any 32 bytes sign).
const std::string kDigest = "4d3b4c0f9f1b2f0a8e1c5a7d6b3e2f1a0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f";

json valid() { return json{{"sha256", kDigest}}; }

std::pair<std::string, std::string> problem(const json& b,
                                            std::span<const std::string> inst = kOne) {
  auto r = parse_signature_request(b, inst);
  if (r) return {"<parsed>", ""};
  EXPECT_EQ(r.error().http_status, 400);
  EXPECT_EQ(r.error().code, "invalid_argument");
  return {r.error().field.value_or("<none>"), r.error().message};
}

TEST(SignatureRequest, TheDefaultsAreTheSignatureKeyTheOnlyReaderAndAMinuteForTheCard) {
  auto r = parse_signature_request(valid(), kOne);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->institution, "0110113719");
  EXPECT_EQ(r->application, HpkiApplication::signature);
  ASSERT_EQ(r->sha256.size(), 32u);
  EXPECT_EQ(r->sha256[0], 0x4d);
  EXPECT_EQ(r->sha256[31], 0x5f);
  EXPECT_FALSE(r->reader);
  EXPECT_FALSE(r->use_last_try);
  EXPECT_EQ(r->timeout, 60s);
  EXPECT_EQ(r->pin, nullptr);
}

TEST(SignatureRequest, ParsesEveryField) {
  json b = valid();
  b["sha256"] = "4D3B4C0F9F1B2F0A8E1C5A7D6B3E2F1A0C9D8E7F6A5B4C3D2E1F0A9B8C7D6E5F";
  b["reader"] = "FACE0002";
  b["application"] = "authentication";
  b["use_last_try"] = true;
  b["timeout_seconds"] = 10;
  b["institution"] = "2714206386";
  b["pin"] = "Doctor-PIN-16chr";
  auto r = parse_signature_request(b, kTwo);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->reader, "FACE0002");
  EXPECT_EQ(r->application, HpkiApplication::authentication);
  EXPECT_TRUE(r->use_last_try);
  EXPECT_EQ(r->timeout, 10s);
  EXPECT_EQ(r->institution, "2714206386");
  ASSERT_NE(r->pin, nullptr);
  EXPECT_EQ(r->pin->size(), 16u);
}

TEST(SignatureRequest, TheDigestIsRequiredAsSixtyFourHexDigits) {
  EXPECT_EQ(problem(json::object()).first, "sha256");
  for (const std::string& bad :
       {kDigest.substr(2), kDigest + "00", "zz" + kDigest.substr(2), "4d 3b" + kDigest.substr(4)}) {
    json b = valid();
    b["sha256"] = bad;
    auto [field, message] = problem(b);
    EXPECT_EQ(field, "sha256") << bad;
    EXPECT_THAT(message, HasSubstr("64 hex digits")) << bad;
  }
  json number = valid();
  number["sha256"] = 12;
  EXPECT_EQ(problem(number).first, "sha256");
}

TEST(SignatureRequest, ThePinIsFourToSixteenPrintableCharactersAndNoMessageQuotesIt) {
  for (const char* bad : {"123", "12345678901234567", "12 34", "1234\t", "ｐｉｎ１２"}) {
    json b = valid();
    b["pin"] = bad;
    auto [field, message] = problem(b);
    EXPECT_EQ(field, "pin") << bad;
    EXPECT_THAT(message, Not(HasSubstr(bad))) << bad;
  }
  json number = valid();
  number["pin"] = 1234;
  EXPECT_EQ(problem(number).first, "pin");
}

TEST(SignatureRequest, TheJournalHoldsTheDigestButNeverThePin) {
  json b = valid();
  b["pin"] = "7391";
  auto with = parse_signature_request(b, kOne);
  b["pin"] = "8402";
  auto other = parse_signature_request(b, kOne);
  auto without = parse_signature_request(valid(), kOne);
  ASSERT_TRUE(with && other && without);
  const std::string text = canonical_request(*with);
  EXPECT_THAT(text, Not(HasSubstr("7391")));
  EXPECT_THAT(text, HasSubstr("4D3B4C0F"));
  EXPECT_EQ(journal_request_json(*with).at("pin_given"), true);
  EXPECT_EQ(canonical_request(*with), canonical_request(*other));
  EXPECT_NE(canonical_request(*with), canonical_request(*without));
}

TEST(SignatureRequest, AnUnknownApplicationAndABadTimeoutAreNamed) {
  json b = valid();
  b["application"] = "encryption";
  b["timeout_seconds"] = 601;
  auto r = parse_signature_request(b, kOne);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().details.at("errors").size(), 2u);
  EXPECT_EQ(r.error().field, "application");
}

TEST(SignatureRequest, TheInstitutionIsRequiredWhenSeveralAreConfigured) {
  EXPECT_EQ(problem(valid(), kTwo).first, "institution");
  EXPECT_FALSE(parse_signature_request(json::array({1}), kOne));
}

}  // namespace
}  // namespace onshi::api
