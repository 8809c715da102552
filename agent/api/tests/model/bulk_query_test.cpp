#include "onshi/api/bulk_query.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "onshi/xmlmsg/json_form.hpp"

namespace onshi::api {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

const std::array<std::string, 1> kOne{"0110113719"};
const std::array<std::string, 2> kTwo{"0110113719", "2714206386"};

std::chrono::system_clock::time_point now() {
  return std::chrono::sys_days{std::chrono::year{2026} / 12 / 2};
}

json patient(std::string id) {
  return json{{"id", std::move(id)},  {"insurer_number", "06139992"},
              {"symbol", "12-34"},    {"number", "4260"},
              {"branch", "01"},       {"birthdate", "2001-03-27"},
              {"limit_consent", true}};
}

json bulk(json patients) { return json{{"patients", std::move(patients)}}; }

ApiResult<BulkQuery> parse(const json& b, std::span<const std::string> inst = kOne) {
  return parse_bulk_query(b, inst, now());
}

TEST(BulkQuery, ParsesPatientsWithTheirIdsAsArbitraryIdentifier) {
  json k = patient("kokuho-1");
  k["insurer_number"] = "261016";
  k["symbol"] = "京中2";
  k["number"] = "1002";
  k.erase("branch");
  json b = bulk({patient("P0001"), k});
  b["date"] = "2026-11-30";
  auto q = parse(b);
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->institution, "0110113719");
  EXPECT_EQ(q->date, "20261130");
  ASSERT_EQ(q->patients.size(), 2u);
  EXPECT_EQ(q->patients[0].arbitrary_identifier, "P0001");
  EXPECT_EQ(q->patients[1].arbitrary_identifier, "kokuho-1");
  EXPECT_EQ(q->patients[1].insurer_number, "261016");
  EXPECT_EQ(q->patients[1].insured_card_symbol, "京中2");
  EXPECT_EQ(q->patients[1].insured_branch_number, "");
  auto msg = xmlmsg::make_bulk_submit_request({q->date, q->institution, "b"}, q->patients);
  ASSERT_TRUE(msg) << msg.error().message;
  EXPECT_THAT(*xmlmsg::to_json(*msg), HasSubstr(R"("ArbitraryIdentifier":"kokuho-1")"));
}

TEST(BulkQuery, DateDefaultsToTodayInJapan) {
  auto q = parse(bulk({patient("a")}));
  ASSERT_TRUE(q);
  EXPECT_EQ(q->date, "20261202");
  EXPECT_FALSE(q->date_given);
}

TEST(BulkQuery, PatientProblemsCarryTheirPath) {
  json second = patient("b");
  second["insurer_number"] = "06139993";
  auto q = parse(bulk({patient("a"), second}));
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().http_status, 400);
  EXPECT_EQ(q.error().code, "invalid_argument");
  EXPECT_EQ(q.error().field, "patients[1].insurer_number");
  EXPECT_EQ(q.error().message,
            "patients[1].insurer_number: 06139993 fails its check digit (should end in 2)");
}

TEST(BulkQuery, EveryPatientsProblemsAreListed) {
  json a = patient("a");
  a["birthdate"] = "2030-01-01";
  json c = patient("c");
  c.erase("number");
  c["branch"] = "x";
  auto q = parse(bulk({a, patient("b"), c}));
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().field, "patients[0].birthdate");
  const json& errors = q.error().details.at("errors");
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[1]["field"], "patients[2].number");
  EXPECT_EQ(errors[2]["field"], "patients[2].branch");
}

TEST(BulkQuery, ListedProblemsAreBoundedAndTheRestCounted) {
  json patients = json::array();
  for (int i = 0; i < 150; ++i) {
    json p = patient("p" + std::to_string(i));
    p["branch"] = "x";
    patients.push_back(std::move(p));
  }
  auto q = parse(bulk(patients));
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().details.at("errors").size(), 100u);
  EXPECT_EQ(q.error().details.at("errors_not_listed"), 50);
  EXPECT_THAT(q.error().message, HasSubstr("(and 149 more: details.errors)"));
}

TEST(BulkQuery, IdsAreRequiredBoundedAndUnique) {
  auto q = parse(bulk({patient("P1"), patient("P2"), patient("P1")}));
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().field, "patients[2].id");
  EXPECT_EQ(q.error().message,
            R"(patients[2].id: "P1" is the id of patients[0] too: ids must be unique)");

  json no_id = patient("x");
  no_id.erase("id");
  EXPECT_EQ(parse(bulk({no_id})).error().message,
            "patients[0].id: required: your id for this patient (1 to 64 characters), the key of "
            "its answer");
  EXPECT_EQ(parse(bulk({patient("")})).error().field, "patients[0].id");
  json numeric = patient("x");
  numeric["id"] = 7;
  EXPECT_EQ(parse(bulk({numeric})).error().field, "patients[0].id");
  EXPECT_TRUE(parse(bulk({patient(std::string(64, 'i'))})));
  EXPECT_EQ(parse(bulk({patient(std::string(65, 'i'))})).error().message,
            "patients[0].id: 65 characters; the id has at most 64");
  EXPECT_EQ(parse(bulk({patient("a\nb")})).error().message,
            "patients[0].id: holds a control character (U+000A) at character 2");
  EXPECT_TRUE(parse(bulk({patient("患者-0001")})));
}

TEST(BulkQuery, PatientsIsANonEmptyArrayOfAtMost2000Objects) {
  EXPECT_EQ(parse(json::object()).error().message,
            "patients: required: an array of the patients to ask about");
  EXPECT_EQ(parse(bulk(json::object())).error().message,
            "patients: must be an array of patients, not a JSON object");
  EXPECT_EQ(parse(bulk(json::array())).error().message, "patients: at least one patient");
  EXPECT_EQ(parse(bulk({"P1"})).error().field, "patients[0]");

  json patients = json::array();
  for (std::size_t i = 0; i < kMaxBulkPatients; ++i) {
    patients.push_back(patient("p" + std::to_string(i)));
  }
  auto full = parse(bulk(patients));
  ASSERT_TRUE(full) << full.error().message;
  EXPECT_EQ(full->patients.size(), 2000u);
  patients.push_back(patient("one-too-many"));
  auto over = parse(bulk(patients));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().field, "patients");
  EXPECT_THAT(over.error().message, HasSubstr("2001 patients; at most 2000"));
}

TEST(BulkQuery, InstitutionAndDateFollowTheSingleQueryRules) {
  EXPECT_EQ(parse(bulk({patient("a")}), kTwo).error().field, "institution");
  json b = bulk({patient("a")});
  b["institution"] = "2714206386";
  EXPECT_EQ(parse(b, kTwo)->institution, "2714206386");
  b["date"] = "2026-02-30";
  EXPECT_EQ(parse(b, kTwo).error().message, "date: 2026-02-30 is not a calendar date");
  EXPECT_EQ(parse_bulk_query(b, {}, now()).error().code, "config_invalid");
  EXPECT_EQ(parse(json::array()).error().code, "api_bad_request");
}

TEST(BulkQuery, KokiRulesApplyPerPatient) {
  json k = patient("koki");
  k["insurer_number"] = "39131156";
  k["number"] = "12345674";
  auto q = parse(bulk({k}));
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().field, "patients[0].symbol");
  k.erase("symbol");
  EXPECT_TRUE(parse(bulk({k})));
}

TEST(BulkQuery, CanonicalFormIsStableAndKeepsOrder) {
  auto one = parse_json_body(
      R"({"patients":[{"id":"a","insurer_number":"06139992","number":"4260",)"
      R"("birthdate":"2001-03-27"},{"id":"b","insurer_number":"123455","number":"1",)"
      R"("birthdate":"1990-01-01","limit_consent":false}]})");
  auto same = parse_json_body(
      R"({ "extra": 1, "patients": [ {"birthdate":"2001-03-27","number":"4260",)"
      R"("insurer_number":"06139992","id":"a","symbol":""},)"
      R"({"id":"b","number":"1","insurer_number":"123455","birthdate":"1990-01-01"}]})");
  auto swapped = parse_json_body(
      R"({"patients":[{"id":"b","insurer_number":"123455","number":"1",)"
      R"("birthdate":"1990-01-01"},{"id":"a","insurer_number":"06139992","number":"4260",)"
      R"("birthdate":"2001-03-27"}]})");
  ASSERT_TRUE(one && same && swapped);
  const auto a = canonical_request(*parse(*one));
  EXPECT_EQ(a, canonical_request(*parse(*same)));
  EXPECT_NE(a, canonical_request(*parse(*swapped)));
  json dated = *one;
  dated["date"] = "2026-12-02";
  EXPECT_NE(a, canonical_request(*parse(dated)));
}

TEST(BulkQuery, JournalKeepsOnlyIdsAndIdentifiers) {
  json p = patient("P1");
  p["pin"] = "1234";
  p["my_number"] = "123456789018";
  json b = bulk({p});
  b["pin"] = "9876";
  auto q = parse(b);
  ASSERT_TRUE(q) << q.error().message;
  const json j = journal_request_json(*q);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_THAT(keys, ::testing::UnorderedElementsAre("institution", "date", "patients"));
  keys.clear();
  for (const auto& [k, v] : j["patients"][0].items()) keys.push_back(k);
  EXPECT_THAT(keys, ::testing::UnorderedElementsAre("id", "insurer_number", "symbol", "number",
                                                    "branch", "birthdate", "limit_consent"));
  EXPECT_THAT(j.dump(), ::testing::Not(HasSubstr("123456789018")));
  EXPECT_THAT(j.dump(), ::testing::Not(HasSubstr("9876")));
  EXPECT_EQ(j["patients"][0]["id"], "P1");
}

}  // namespace
}  // namespace onshi::api
