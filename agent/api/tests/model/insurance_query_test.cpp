#include "onshi/api/insurance_query.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "onshi/xmlmsg/json_form.hpp"

namespace onshi::api {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::HasSubstr;

const std::array<std::string, 1> kOne{"0110113719"};
const std::array<std::string, 2> kTwo{"0110113719", "2714206386"};

// 2026-12-02 09:00 in Japan.
std::chrono::system_clock::time_point noon_utc_minus_3h() {
  return std::chrono::sys_days{std::chrono::year{2026} / 12 / 2};
}

json body(std::string_view text) {
  auto j = parse_json_body(text);
  EXPECT_TRUE(j) << j.error().message;
  return j ? *j : json::object();
}

// A valid 社保 body with one member replaced (or removed when `value` is "-").
json with(std::string_view member, json value) {
  json b = body(R"({"method":"insurance_card","insurer_number":"06139992","symbol":"12-34",
                    "number":"4260","branch":"01","birthdate":"2001-03-27","limit_consent":true})");
  if (value.is_string() && value == "-") {
    b.erase(std::string(member));
  } else {
    b[std::string(member)] = std::move(value);
  }
  return b;
}

ApiResult<InsuranceCardQuery> parse(const json& b, std::span<const std::string> inst = kOne) {
  return parse_insurance_card_query(b, inst, noon_utc_minus_3h());
}

// The one problem of a body: its field and message.
std::pair<std::string, std::string> problem(const json& b,
                                            std::span<const std::string> inst = kOne) {
  auto q = parse(b, inst);
  if (q) return {"<parsed>", ""};
  EXPECT_EQ(q.error().http_status, 400);
  EXPECT_EQ(q.error().code, "invalid_argument");
  return {q.error().field.value_or("<none>"), q.error().message};
}

TEST(InsuranceCardQuery, ParsesAValidBodyIntoTheSearchXmlmsgBuilds) {
  auto q = parse(body(R"({"method":"insurance_card","insurer_number":"06139992",
      "symbol":"12-34","number":"4260","branch":"01","birthdate":"2001-03-27",
      "limit_consent":true,"date":"2026-11-30","raw":true})"));
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->institution, "0110113719");
  EXPECT_EQ(q->date, "20261130");
  EXPECT_TRUE(q->date_given);
  EXPECT_TRUE(q->include_raw);
  EXPECT_EQ(q->search.insurer_number, "06139992");
  EXPECT_EQ(q->search.insured_card_symbol, "12-34");
  EXPECT_EQ(q->search.insured_identification_number, "4260");
  EXPECT_EQ(q->search.insured_branch_number, "01");
  EXPECT_EQ(q->search.birthdate, "20010327");
  EXPECT_EQ(q->search.limit_consent, "1");
  auto msg = xmlmsg::make_search_request({q->date, q->institution, "t"}, q->search);
  ASSERT_TRUE(msg) << msg.error().message;
}

TEST(InsuranceCardQuery, DateDefaultsToTodayInJapanNotUtc) {
  // 2026-12-01 15:30 UTC is already 2026-12-02 00:30 in Japan.
  const auto late = std::chrono::sys_days{std::chrono::year{2026} / 12 / 1} + 15h + 30min;
  auto q = parse_insurance_card_query(with("date", "-"), kOne, late);
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->date, "20261202");
  EXPECT_FALSE(q->date_given);
  EXPECT_FALSE(q->include_raw);
}

TEST(InsuranceCardQuery, KokuhoSixDigitsIsPaddedOnTheWire) {
  auto q = parse(with("insurer_number", "123455"));
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->search.insurer_number, "123455");
  auto msg = xmlmsg::make_search_request({q->date, q->institution, ""}, q->search);
  ASSERT_TRUE(msg);
  EXPECT_THAT(*xmlmsg::to_json(*msg), HasSubstr(R"("InsurerNumber":"  123455")"));
}

TEST(InsuranceCardQuery, InsurerNumberRules) {
  const std::pair<json, std::string> cases[] = {
      {"06139993", "insurer_number: 06139993 fails its check digit (should end in 2)"},
      {"123456", "insurer_number: 123456 fails its check digit (should end in 5)"},
      {"0613999", "insurer_number: 0613999 has 7 digits; a 保険者番号 has 8, or 6 for 国保"},
      {"061399921", "insurer_number: 061399921 has 9 digits; a 保険者番号 has 8, or 6 for 国保"},
      {"06-13999", R"(insurer_number: "06-13999" must be ASCII digits only (8, or 6 for 国保))"},
      {"００１３９９９８",
       "insurer_number: \"００１３９９９８\" must be ASCII digits only (8, or 6 "
       "for 国保) (full-width digits such as ０６ are not accepted)"},
      {"00139998",
       "insurer_number: 00139998: an 8-digit 保険者番号 cannot start with 00 (no 法別番号 00)"},
      {6139992,
       "insurer_number: must be a JSON string, not a number (a number loses leading "
       "zeros: send the digits in quotes)"},
      {json::array({"06139992"}), "insurer_number: must be a JSON string, not an array"},
      {"", "insurer_number: required: the 保険者番号 on the card (8 digits, or 6 for 国保)"},
      {nullptr, "insurer_number: required: the 保険者番号 on the card (8 digits, or 6 for 国保)"},
      {"-", "insurer_number: required: the 保険者番号 on the card (8 digits, or 6 for 国保)"},
  };
  for (const auto& [value, message] : cases) {
    EXPECT_EQ(problem(with("insurer_number", value)),
              std::make_pair(std::string("insurer_number"), message))
        << value.dump();
  }
}

TEST(InsuranceCardQuery, KokiHasAnEightDigitCheckedNumberAndNoSymbol) {
  json b = with("insurer_number", "39131156");
  b.erase("symbol");
  b["number"] = "12345674";
  auto q = parse(b);
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->search.insured_card_symbol, "");
  EXPECT_TRUE(xmlmsg::make_search_request({q->date, q->institution, ""}, q->search));

  b["symbol"] = "";  // empty is the same as absent
  EXPECT_TRUE(parse(b));
  b["symbol"] = "1";
  EXPECT_EQ(problem(b),
            std::make_pair(std::string("symbol"),
                           std::string("symbol: a 後期高齢 保険者番号 (39…) has no 記号: "
                                       "leave symbol out or empty")));
  b.erase("symbol");
  b["number"] = "12345675";
  EXPECT_EQ(problem(b).second,
            "number: 12345675 fails its check digit (a 後期高齢 被保険者番号 should end in 4)");
  b["number"] = "1234567";
  EXPECT_EQ(problem(b).second,
            "number: \"1234567\" is not a 後期高齢 被保険者番号: that is 8 ASCII digits");
  b["number"] = "1234567A";
  EXPECT_EQ(problem(b).first, "number");
}

TEST(InsuranceCardQuery, ANumberStarting39OnlyMeansKokiWithEightDigits) {
  // A 6-digit 国保 number may start with 39: its 番号 follows the general rules.
  json b = with("insurer_number", "391235");  // 39123 → check digit 5
  b["number"] = "ab-1";
  auto q = parse(b);
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->search.insured_card_symbol, "12-34");
}

TEST(InsuranceCardQuery, SymbolCountsCharactersNotBytes) {
  std::string twenty;
  for (int i = 0; i < 20; ++i) twenty += "京";  // 60 bytes
  auto q = parse(with("symbol", twenty));
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->search.insured_card_symbol, twenty);
  EXPECT_TRUE(parse(with("symbol", "京中2")));
  EXPECT_EQ(problem(with("symbol", twenty + "2")).second,
            "symbol: 21 characters; the 記号 has at most 20");
}

TEST(InsuranceCardQuery, SymbolAndNumberRefuseControlsBidiAndEdgeSpaces) {
  EXPECT_EQ(problem(with("symbol", "1\u00072")).second,
            "symbol: holds a control character (U+0007) at character 2");
  EXPECT_EQ(problem(with("number", "42\u202e60")).second,
            "number: holds a bidirectional control character (U+202A-202E, U+2066-2069)");
  EXPECT_EQ(problem(with("number", "4260 ")).second,
            "number: \"4260 \" starts or ends with a space: send the 番号 as printed on the card");
  EXPECT_EQ(problem(with("symbol", "\u3000京中2")).first, "symbol");
  EXPECT_TRUE(parse(with("symbol", "京 中2")));  // inside is fine
}

TEST(InsuranceCardQuery, NumberRules) {
  EXPECT_TRUE(parse(with("number", "12345678901234567890")));
  EXPECT_EQ(problem(with("number", "123456789012345678901")).second,
            "number: 21 characters; the 番号 has at most 20");
  EXPECT_EQ(problem(with("number", "")).second,
            "number: required: the 番号 (被保険者番号) on the card");
  EXPECT_EQ(problem(with("number", "-")).first, "number");
  EXPECT_EQ(problem(with("number", 4260)).second,
            "number: must be a JSON string, not a number (a number loses leading zeros: send the "
            "digits in quotes)");
}

TEST(InsuranceCardQuery, BranchIsTwoDigitsOrAbsent) {
  EXPECT_EQ(parse(with("branch", "-"))->search.insured_branch_number, "");
  EXPECT_EQ(parse(with("branch", ""))->search.insured_branch_number, "");
  EXPECT_EQ(parse(with("branch", nullptr))->search.insured_branch_number, "");
  EXPECT_EQ(parse(with("branch", "00"))->search.insured_branch_number, "00");
  for (const char* bad : {"1", "001", "ab", "０１"}) {
    EXPECT_EQ(problem(with("branch", bad)).first, "branch") << bad;
  }
  EXPECT_EQ(problem(with("branch", "1")).second,
            R"(branch: "1" must be 2 digits ("01") or left out)");
}

TEST(InsuranceCardQuery, BirthdateIsARealPastDate) {
  EXPECT_EQ(parse(with("birthdate", "2000-02-29"))->search.birthdate, "20000229");  // leap
  EXPECT_EQ(parse(with("birthdate", "2026-12-02"))->search.birthdate, "20261202");  // today
  EXPECT_EQ(parse(with("birthdate", "1900-01-01"))->search.birthdate, "19000101");
  EXPECT_EQ(problem(with("birthdate", "1900-02-29")).second,
            "birthdate: 1900-02-29 is not a calendar date");  // 1900 is no leap year
  EXPECT_EQ(problem(with("birthdate", "2001-02-29")).second,
            "birthdate: 2001-02-29 is not a calendar date");
  EXPECT_EQ(problem(with("birthdate", "2001-04-31")).second,
            "birthdate: 2001-04-31 is not a calendar date");
  EXPECT_EQ(problem(with("birthdate", "1899-12-31")).second,
            "birthdate: 1899-12-31 is before 1900-01-01");
  EXPECT_EQ(problem(with("birthdate", "2026-12-03")).second,
            "birthdate: 2026-12-03 is in the future (today is 2026-12-02 in Japan)");
  EXPECT_EQ(problem(with("birthdate", "20010327")).second,
            R"(birthdate: "20010327" must be a date YYYY-MM-DD (e.g. 1965-02-11))");
  EXPECT_EQ(problem(with("birthdate", "2001-3-27")).first, "birthdate");
  EXPECT_EQ(problem(with("birthdate", "-")).second,
            "birthdate: required: the date of birth, "
            "YYYY-MM-DD");
}

TEST(InsuranceCardQuery, LimitConsentIsABooleanDefaultingToNo) {
  EXPECT_EQ(parse(with("limit_consent", "-"))->search.limit_consent, "0");
  EXPECT_EQ(parse(with("limit_consent", false))->search.limit_consent, "0");
  EXPECT_EQ(parse(with("limit_consent", true))->search.limit_consent, "1");
  EXPECT_EQ(problem(with("limit_consent", "1")).second,
            "limit_consent: must be true or false, not a string");
  EXPECT_EQ(problem(with("limit_consent", 1)).first, "limit_consent");
  EXPECT_EQ(problem(with("raw", "yes")).first, "raw");
}

TEST(InsuranceCardQuery, DateIsARealDate) {
  EXPECT_EQ(parse(with("date", "2024-02-29"))->date, "20240229");
  EXPECT_EQ(problem(with("date", "2026-13-01")).second, "date: 2026-13-01 is not a calendar date");
  EXPECT_EQ(problem(with("date", "today")).first, "date");
}

TEST(InsuranceCardQuery, MethodMustBeInsuranceCard) {
  auto q = parse(with("method", "mynumber"));
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().http_status, 501);
  EXPECT_EQ(q.error().code, "not_supported");
  EXPECT_EQ(q.error().field, "method");
  EXPECT_EQ(problem(with("method", "-")).second,
            R"(method: required: "insurance_card" (or "mynumber"))");
  EXPECT_EQ(problem(with("method", "card")).second,
            R"(method: "card" is not a method: "insurance_card" or "mynumber")");
  EXPECT_EQ(problem(with("method", 1)).first, "method");
}

TEST(InsuranceCardQuery, InstitutionDefaultsToTheOnlyOneConfigured) {
  EXPECT_EQ(parse(with("institution", "-"))->institution, "0110113719");
  EXPECT_EQ(parse(with("institution", "0110113719"))->institution, "0110113719");
  EXPECT_EQ(problem(with("institution", "2714206386")).second,
            "institution: 2714206386 is not configured in this onshid; configured here: "
            "0110113719");
}

TEST(InsuranceCardQuery, InstitutionIsRequiredWithSeveral) {
  EXPECT_EQ(problem(with("institution", "-"), kTwo).second,
            "institution: required when several institutions are configured: 0110113719, "
            "2714206386");
  EXPECT_EQ(parse(with("institution", "2714206386"), kTwo)->institution, "2714206386");
  EXPECT_EQ(problem(with("institution", "2714206387"), kTwo).second,
            "institution: \"2714206387\" is not a 医療機関コード (check digit is 7 but should be "
            "6); configured here: 0110113719, 2714206386");
  EXPECT_EQ(problem(with("institution", 2714206386), kTwo).first, "institution");
}

TEST(InsuranceCardQuery, NoInstitutionConfiguredIsTheAgentsFault) {
  auto q = parse_insurance_card_query(with("branch", "01"), {}, noon_utc_minus_3h());
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().http_status, 500);
  EXPECT_EQ(q.error().code, "config_invalid");
}

TEST(InsuranceCardQuery, UnknownFieldsAreIgnored) {
  json b = with("future_field", json{{"nested", {1, 2, 3}}});
  b["pin"] = "1234";
  auto q = parse(b);
  ASSERT_TRUE(q) << q.error().message;
}

TEST(InsuranceCardQuery, EveryProblemIsListedTheFirstIsTheError) {
  json b = with("insurer_number", "06139993");
  b["branch"] = "1";
  b["birthdate"] = "2001-02-30";
  auto q = parse(b);
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().field, "insurer_number");
  EXPECT_EQ(q.error().message,
            "insurer_number: 06139993 fails its check digit (should end in 2) (and 2 more: "
            "details.errors)");
  const json& errors = q.error().details.at("errors");
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0]["field"], "insurer_number");
  EXPECT_EQ(errors[1]["field"], "branch");
  EXPECT_EQ(errors[2]["field"], "birthdate");
  EXPECT_EQ(errors[2]["message"], "birthdate: 2001-02-30 is not a calendar date");
}

TEST(InsuranceCardQuery, NotAnObjectIsABadRequest) {
  auto q = parse(json::array());
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().code, "api_bad_request");
  EXPECT_EQ(q.error().http_status, 400);
}

std::string canonical(std::string_view text, std::span<const std::string> inst = kOne) {
  auto q = parse(body(text), inst);
  EXPECT_TRUE(q) << q.error().message;
  return q ? canonical_request(*q) : std::string();
}

TEST(InsuranceCardQuery, CanonicalFormIgnoresOrderWhitespaceEscapesAndDefaults) {
  const std::string a = canonical(
      R"({"method":"insurance_card","insurer_number":"261016","symbol":"京中2","number":"1002",)"
      R"("birthdate":"1965-02-11","limit_consent":true})");
  EXPECT_EQ(a, canonical(R"({ "birthdate" : "1965-02-11",
                               "symbol" : "\u4eac\u4e2d2", "number":"1002",
                               "limit_consent":true, "insurer_number":"261016",
                               "method":"insurance_card", "branch":"", "raw":false,
                               "institution":"0110113719", "ignored":[1,2]})"));
  EXPECT_EQ(a, canonical(R"({"method":"insurance_card","insurer_number":"261016",)"
                         R"("symbol":"京中2","number":"1002","birthdate":"1965-02-11",)"
                         R"("limit_consent":true,"branch":null,"date":null})"));
  // Any other value is another request.
  const std::string others[] = {
      canonical(R"({"method":"insurance_card","insurer_number":"261016","symbol":"京中2",)"
                R"("number":"1003","birthdate":"1965-02-11","limit_consent":true})"),
      canonical(R"({"method":"insurance_card","insurer_number":"261016","symbol":"京中2",)"
                R"("number":"1002","birthdate":"1965-02-11","limit_consent":false})"),
      canonical(R"({"method":"insurance_card","insurer_number":"261016","symbol":"京中2",)"
                R"("number":"1002","branch":"00","birthdate":"1965-02-11","limit_consent":true})"),
      canonical(R"({"method":"insurance_card","insurer_number":"261016","symbol":"京中2",)"
                R"("number":"1002","birthdate":"1965-02-11","limit_consent":true,"raw":true})"),
      // A date given, even today's, is not the same as a date left to "today".
      canonical(R"({"method":"insurance_card","insurer_number":"261016","symbol":"京中2",)"
                R"("number":"1002","birthdate":"1965-02-11","limit_consent":true,)"
                R"("date":"2026-12-02"})"),
      canonical(R"({"method":"insurance_card","insurer_number":"261016","symbol":"京中2",)"
                R"("number":"1002","birthdate":"1965-02-11","limit_consent":true,)"
                R"("institution":"2714206386"})",
                kTwo),
  };
  for (const auto& other : others) EXPECT_NE(a, other);
  for (std::size_t i = 0; i < std::size(others); ++i) {
    for (std::size_t j = i + 1; j < std::size(others); ++j) EXPECT_NE(others[i], others[j]);
  }
}

TEST(InsuranceCardQuery, JournalKeepsOnlyTheIdentifiers) {
  json b = with("pin", "1234");
  b["my_number"] = "123456789018";
  b["raw"] = true;
  b["note"] = "secret";
  auto q = parse(b);
  ASSERT_TRUE(q) << q.error().message;
  const json j = journal_request_json(*q);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_THAT(keys, ::testing::UnorderedElementsAre("method", "institution", "date",
                                                    "insurer_number", "symbol", "number", "branch",
                                                    "birthdate", "limit_consent"));
  const std::string text = j.dump();
  EXPECT_THAT(text, ::testing::Not(HasSubstr("1234\"")));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("123456789018")));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("secret")));
  EXPECT_EQ(j["insurer_number"], "06139992");
  EXPECT_EQ(j["birthdate"], "2001-03-27");
  EXPECT_EQ(j["date"], "2026-12-02");
  EXPECT_EQ(j["limit_consent"], true);
}

}  // namespace
}  // namespace onshi::api
