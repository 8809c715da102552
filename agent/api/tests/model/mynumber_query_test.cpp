#include "onshi/api/mynumber_query.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "onshi/api/json_body.hpp"

namespace onshi::api {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

const std::array<std::string, 1> kOne{"0110113719"};
const std::array<std::string, 2> kTwo{"0110113719", "2714206386"};

// 2026-12-02 09:00 in Japan.
std::chrono::system_clock::time_point now() {
  return std::chrono::sys_days{std::chrono::year{2026} / 12 / 2};
}

json body(std::string_view text) {
  auto j = parse_json_body(text);
  EXPECT_TRUE(j) << j.error().message;
  return j ? *j : json::object();
}

ApiResult<MyNumberQuery> parse(const json& b, std::span<const std::string> inst = kOne) {
  return parse_mynumber_query(b, inst, now());
}

// The first problem of a body: its field and message.
std::pair<std::string, std::string> problem(const json& b,
                                            std::span<const std::string> inst = kOne) {
  auto q = parse(b, inst);
  if (q) return {"<parsed>", ""};
  EXPECT_EQ(q.error().http_status, 400);
  EXPECT_EQ(q.error().code, "invalid_argument");
  return {q.error().field.value_or("<none>"), q.error().message};
}

std::string pin_text(const MyNumberQuery& q) {
  const ByteView v = q.pin->view();
  return std::string(v.begin(), v.end());
}

TEST(MyNumberQuery, TheDefaultsAreAllConsentsTwoMinutesNoLastTryAndTheOnlyInstitution) {
  auto q = parse(body(R"({"method":"mynumber"})"));
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->institution, "0110113719");
  EXPECT_FALSE(q->reader);
  EXPECT_FALSE(q->mode);  // the reader decides: face_then_pin on a face reader, pin on a plain one
  EXPECT_EQ(q->consents, kAllConsents);
  EXPECT_FALSE(q->use_last_try);
  EXPECT_EQ(q->timeout, 120s);
  EXPECT_FALSE(q->include_raw);
  EXPECT_EQ(q->date, "20261202");
  EXPECT_EQ(q->pin, nullptr);
}

TEST(MyNumberQuery, ParsesEveryField) {
  auto q = parse(body(R"({"method":"mynumber","institution":"2714206386",
      "reader":"onshi Face Reader [CCID] (FACE0001) 00 00","mode":"visual",
      "consents":["diagnosis","limit_certificate"],"use_last_try":true,"timeout_seconds":600,
      "raw":true,"unknown_field":{"ignored":1}})"),
                 kTwo);
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->institution, "2714206386");
  EXPECT_EQ(q->reader, "onshi Face Reader [CCID] (FACE0001) 00 00");
  EXPECT_EQ(q->mode, CardMode::visual);
  EXPECT_EQ(q->consents, (1u << 2) | (1u << 4));  // PROTOCOL.md §5.3's questions 2 and 4
  EXPECT_TRUE(q->use_last_try);
  EXPECT_EQ(q->timeout, 600s);
  EXPECT_TRUE(q->include_raw);
}

TEST(MyNumberQuery, EveryModeHasItsName) {
  for (const auto mode :
       {CardMode::face, CardMode::pin, CardMode::face_then_pin, CardMode::visual}) {
    json b{{"method", "mynumber"}, {"mode", card_mode_name(mode)}};
    auto q = parse(b);
    ASSERT_TRUE(q) << card_mode_name(mode);
    EXPECT_EQ(q->mode, mode);
  }
  EXPECT_EQ(problem(body(R"({"method":"mynumber","mode":"fingerprint"})")).first, "mode");
  EXPECT_EQ(problem(body(R"({"method":"mynumber","mode":1})")).first, "mode");
}

TEST(MyNumberQuery, AnEmptyConsentListAsksNoneAndAnUnknownQuestionIsNamed) {
  auto none = parse(body(R"({"method":"mynumber","consents":[]})"));
  ASSERT_TRUE(none);
  EXPECT_EQ(none->consents, 0);
  auto [field, message] = problem(body(R"({"method":"mynumber","consents":["medication","x"]})"));
  EXPECT_EQ(field, "consents[1]");
  EXPECT_THAT(message, HasSubstr("\"x\" is not a question"));
  EXPECT_EQ(problem(body(R"({"method":"mynumber","consents":"medication"})")).first, "consents");
  EXPECT_EQ(problem(body(R"({"method":"mynumber","consents":[3]})")).first, "consents[0]");
}

TEST(MyNumberQuery, TheTimeoutIsWholeSecondsFromTenToSixHundred) {
  for (const char* bad : {"9", "601", "0", "-5", "12.5", "\"60\"", "true"}) {
    auto [field, message] =
        problem(body(std::string(R"({"method":"mynumber","timeout_seconds":)") + bad + "}"));
    EXPECT_EQ(field, "timeout_seconds") << bad;
    EXPECT_THAT(message, HasSubstr("10 to 600")) << bad;
  }
  auto q = parse(body(R"({"method":"mynumber","timeout_seconds":10})"));
  ASSERT_TRUE(q);
  EXPECT_EQ(q->timeout, 10s);
}

TEST(MyNumberQuery, ThePinIsFourDigitsAndNoMessageQuotesIt) {
  auto q = parse(body(R"({"method":"mynumber","mode":"pin","pin":"8361"})"));
  ASSERT_TRUE(q) << q.error().message;
  ASSERT_NE(q->pin, nullptr);
  EXPECT_EQ(pin_text(*q), "8361");
  for (const char* bad : {"\"83610\"", "\"836\"", "\"83a1\"", "8361", "\"８３６１\""}) {
    auto [field, message] =
        problem(body(std::string(R"({"method":"mynumber","mode":"pin","pin":)") + bad + "}"));
    EXPECT_EQ(field, "pin") << bad;
    EXPECT_THAT(message, Not(HasSubstr("836"))) << bad;
    EXPECT_THAT(message, Not(HasSubstr("８３６"))) << bad;
  }
}

TEST(MyNumberQuery, APinGoesWithModePinOnly) {
  auto [field, message] = problem(body(R"({"method":"mynumber","mode":"face","pin":"8361"})"));
  EXPECT_EQ(field, "pin");
  EXPECT_THAT(message, HasSubstr("mode \"pin\" only"));
  EXPECT_THAT(message, Not(HasSubstr("8361")));
  // Without a mode the reader decides; a face reader refuses the PIN later (its pad enters it).
  EXPECT_TRUE(parse(body(R"({"method":"mynumber","pin":"8361"})")));
}

TEST(MyNumberQuery, TheJournalAndTheCanonicalFormNeverHoldThePin) {
  auto a = parse(body(R"({"method":"mynumber","mode":"pin","pin":"8361"})"));
  auto b = parse(body(R"({"method":"mynumber","mode":"pin","pin":"4027"})"));
  auto none = parse(body(R"({"method":"mynumber","mode":"pin"})"));
  ASSERT_TRUE(a && b && none);
  const std::string text = canonical_request(*a);
  EXPECT_THAT(text, Not(HasSubstr("8361")));
  EXPECT_THAT(journal_request_json(*a).dump(), Not(HasSubstr("8361")));
  EXPECT_EQ(journal_request_json(*a).at("pin_given"), true);
  // A retry with another PIN is the same request under its Idempotency-Key.
  EXPECT_EQ(canonical_request(*a), canonical_request(*b));
  EXPECT_NE(canonical_request(*a), canonical_request(*none));
  EXPECT_EQ(journal_request_json(*none).at("pin_given"), false);
}

TEST(MyNumberQuery, TheCanonicalFormListsTheConsentsByName) {
  auto q = parse(body(R"({"method":"mynumber","consents":["operations","medication"]})"));
  ASSERT_TRUE(q);
  EXPECT_EQ(journal_request_json(*q).at("consents"), json({"medication", "operations"}));
  auto same = parse(body(R"({"method":"mynumber","consents":["medication","operations"]})"));
  ASSERT_TRUE(same);
  EXPECT_EQ(canonical_request(*q), canonical_request(*same));
}

TEST(MyNumberQuery, TheInstitutionIsRequiredWhenSeveralAreConfigured) {
  EXPECT_EQ(problem(body(R"({"method":"mynumber"})"), kTwo).first, "institution");
  EXPECT_EQ(problem(body(R"({"method":"mynumber","institution":"1111111111"})"), kTwo).first,
            "institution");
  auto none = parse(body(R"({"method":"mynumber"})"), {});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().http_status, 500);
}

TEST(MyNumberQuery, AReaderWithAControlCharacterIsRefused) {
  EXPECT_EQ(problem(body(R"({"method":"mynumber","reader":"FACE\u00010001"})")).first, "reader");
  EXPECT_EQ(problem(body(R"({"method":"mynumber","reader":""})")).first, "reader");
  EXPECT_EQ(problem(body(R"({"method":"mynumber","reader":7})")).first, "reader");
}

TEST(MyNumberQuery, EveryProblemIsListed) {
  auto q = parse(body(R"({"method":"mynumber","mode":"x","timeout_seconds":1,"raw":"yes"})"));
  ASSERT_FALSE(q);
  ASSERT_TRUE(q.error().details.contains("errors"));
  EXPECT_EQ(q.error().details.at("errors").size(), 3u);
}

TEST(MyNumberQuery, AnotherMethodOrNotAnObjectIsRefused) {
  auto other = parse(body(R"({"method":"insurance_card"})"));
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().field, "method");
  auto array = parse(json::array());
  ASSERT_FALSE(array);
  EXPECT_EQ(array.error().http_status, 400);
}

}  // namespace
}  // namespace onshi::api
