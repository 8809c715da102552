#include "onshi/api/result_json.hpp"

#include <gtest/gtest.h>

#include <string>

#include "onshi/xmlmsg/json_form.hpp"

namespace onshi::api {
namespace {

using nlohmann::json;

// Answers as onshi-eligsim sends them (tests/sim/eligsim/README.md), read by xmlmsg's parser.
constexpr std::string_view kHeader =
    R"("MessageHeader":{"ProcessExecutionTime":"20261202093005",)"
    R"("QualificationConfirmationDate":"20261202","MedicalInstitutionCode":"2714206386",)"
    R"("ArbitraryFileIdentifier":"req-1","ReferenceClassification":"2","SegmentOfResult":"1",)"
    R"("CharacterCodeIdentifier":"0"})";

constexpr std::string_view kSelf =
    R"({"InsuredCardClassification":"01","InsurerNumber":"06139992","InsuredCardSymbol":"114",)"
    R"("InsuredIdentificationNumber":"1014","InsuredBranchNumber":"00",)"
    R"("PersonalFamilyClassification":"1","InsuredName":"山本　誠","Name":"山本　誠",)"
    R"("NameKana":"ﾔﾏﾓﾄ ﾏｺﾄ","Sex1":"1","Birthdate":"19810104",)"
    R"("Address":"福岡県福岡市博多区試験町1丁目2番13号","PostNumber":"812-0027",)"
    R"("InsurerName":"架空商事健康保険組合","QualificationDate":"20231009",)"
    R"("InsuredCertificateIssuanceDate":"20231009","InsuredCardValidDate":"20231009",)"
    R"("InsuredPartialContributionRatio":"030",)"
    R"("LimitApplicationCertificateRelatedConsFlg":"1",)"
    R"("LimitApplicationCertificateRelatedConsTime":"20261202093005",)"
    R"("LimitApplicationCertificateRelatedInfo":{"LimitApplicationCertificateClassification":"01",)"
    R"("LimitApplicationCertificateClassificationFlag":"A03",)"
    R"("LimitApplicationCertificateDate":"20260401",)"
    R"("LimitApplicationCertificateValidStartDate":"20260401",)"
    R"("LimitApplicationCertificateValidEndDate":"20270331"},)"
    R"("LimitApplicationCertificateChanged":"0",)"
    R"("PharmacistsInfoConsFlg":"1","PharmacistsInfoConsTime":"20261202092959",)"
    R"("DiagnosisInfoConsFlg":"0",)"
    R"("SpecificDiseasesCertificateRelatedConsFlg":"1",)"
    R"("SpecificDiseasesCertificateRelatedConsTime":"20261202093000",)"
    R"("SpecificDiseasesCertificateList":{"SpecificDiseasesCertificateInfo":[)"
    R"({"SpecificDiseasesDiseaseCategory":"1","SpecificDiseasesValidStartDate":"20250101",)"
    R"("SpecificDiseasesSelfPay":"10000"}]}})";

constexpr std::string_view kLost =
    R"({"InsuredCardClassification":"01","InsurerNumber":"  261016","InsuredCardSymbol":"京中2",)"
    R"("InsuredIdentificationNumber":"1002","PersonalFamilyClassification":"2",)"
    R"("Name":"斎藤　和子","NameKana":"ｻｲﾄｳ ｶｽﾞｺ","Sex1":"2","Birthdate":"19650211",)"
    R"("QualificationDate":"20100401","DisqualificationDate":"20250810","ReasonOfLoss":"01",)"
    R"("InsuredPartialContributionRatio":"030"})";

constexpr std::string_view kElderly =
    R"({"InsuredCardClassification":"01","InsurerNumber":"  401018","InsuredCardSymbol":"博多38",)"
    R"("InsuredIdentificationNumber":"1038","Sex1":"2","Birthdate":"19550917",)"
    R"("InsuredPartialContributionRatio":"020",)"
    R"("ElderlyRecipientCertificateInfo":{"ElderlyRecipientValidStartDate":"20260515",)"
    R"("ElderlyRecipientContributionRatio":"020"}})";

constexpr std::string_view kPreschool =
    R"({"InsuredCardClassification":"01","InsurerNumber":"06139992","InsuredCardSymbol":"114",)"
    R"("InsuredIdentificationNumber":"1014","InsuredBranchNumber":"03",)"
    R"("PersonalFamilyClassification":"2","Sex1":"1","Birthdate":"20230501",)"
    R"("PreschoolClassification":"1","InsuredPartialContributionRatio":"020"})";

std::string answer(std::string_view validity, std::string_view records,
                   std::string_view status = "1", std::string_view extra = "") {
  std::string body = "\"ProcessingResultStatus\":\"" + std::string(status) + "\"";
  if (!validity.empty()) body += ",\"QualificationValidity\":\"" + std::string(validity) + "\"";
  if (!records.empty()) {
    body +=
        ",\"ResultList\":{\"ResultOfQualificationConfirmation\":[" + std::string(records) + "]}";
  }
  body += extra;
  return "{\"XmlMsg\":{" + std::string(kHeader) + ",\"MessageBody\":{" + body + "}}}";
}

json result(const std::string& text) {
  auto msg = xmlmsg::parse_json(text);
  EXPECT_TRUE(msg) << msg.error().message;
  if (!msg) return nullptr;
  auto r = xmlmsg::parse_qualification_response(*msg);
  EXPECT_TRUE(r) << r.error().message;
  return r ? qualification_json(*r) : json(nullptr);
}

json code(std::string_view c, std::string_view meaning) {
  return json{{"code", c}, {"meaning", meaning}};
}

TEST(QualificationJson, ValidWithLimitCertificateConsentsAndDiseases) {
  const json j = result(answer("1", kSelf));
  EXPECT_EQ(j["validity"], code("1", "有効"));
  EXPECT_EQ(j["processing"],
            json({{"status", code("1", "正常終了")}, {"code", nullptr}, {"message", nullptr}}));
  EXPECT_EQ(j["header"]["process_execution_time"], "2026-12-02T09:30:05+09:00");
  EXPECT_EQ(j["header"]["qualification_confirmation_date"], "2026-12-02");
  EXPECT_EQ(j["header"]["reference_classification"], code("2", "被保険者証情報"));
  EXPECT_EQ(j["header"]["medical_institution_code"], "2714206386");
  ASSERT_EQ(j["qualifications"].size(), 1u);
  const json& q = j["qualifications"][0];
  EXPECT_EQ(q["card_classification"], code("01", "一般"));
  EXPECT_EQ(q["insurer"], json({{"number", "06139992"}, {"name", "架空商事健康保険組合"}}));
  EXPECT_EQ(q["symbol"], "114");
  EXPECT_EQ(q["number"], "1014");
  EXPECT_EQ(q["branch"], "00");
  EXPECT_EQ(q["personal_family"], code("1", "本人"));
  EXPECT_EQ(q["name"], "山本　誠");
  EXPECT_EQ(q["name_kana"], "ﾔﾏﾓﾄ ﾏｺﾄ");
  EXPECT_EQ(q["sex"], code("1", "男"));
  EXPECT_EQ(q["sex2"], nullptr);
  EXPECT_EQ(q["birthdate"], "1981-01-04");
  EXPECT_EQ(q["post_number"], "812-0027");
  EXPECT_EQ(q["qualification_date"], "2023-10-09");
  EXPECT_EQ(q["disqualification_date"], nullptr);
  EXPECT_EQ(q["reason_of_loss"], nullptr);
  EXPECT_EQ(q["card_valid_date"], "2023-10-09");
  EXPECT_EQ(q["burden_ratio"], json({{"code", "030"}, {"percent", 30}}));
  EXPECT_EQ(q["elderly_recipient"], nullptr);
  EXPECT_EQ(q["preschool"], nullptr);
  EXPECT_EQ(q["limit_certificate"], json({{"classification", code("01", "限度額適用")},
                                          {"applied_class", code("A03", "ウ")},
                                          {"certificate_date", "2026-04-01"},
                                          {"valid_start_date", "2026-04-01"},
                                          {"valid_end_date", "2027-03-31"},
                                          {"long_term_date", nullptr}}));
  EXPECT_EQ(q["limit_changed"], code("0", "変更なし"));
  EXPECT_EQ(q["specific_diseases"],
            json::array({json{{"category", code("1", "人工透析を要する慢性腎不全")},
                              {"certificate_date", nullptr},
                              {"valid_start_date", "2025-01-01"},
                              {"valid_end_date", nullptr},
                              {"self_pay", 10000}}}));
  const json& c = q["consents"];
  EXPECT_EQ(c["pharmaceutical"],
            json({{"code", "1"}, {"meaning", "あり"}, {"time", "2026-12-02T09:29:59+09:00"}}));
  EXPECT_EQ(c["diagnosis"], json({{"code", "0"}, {"meaning", "なし"}, {"time", nullptr}}));
  EXPECT_EQ(c["operation"], nullptr);
  EXPECT_EQ(c["specific_health_checkups"], nullptr);
  EXPECT_EQ(c["limit"],
            json({{"code", "1"}, {"meaning", "同意"}, {"time", "2026-12-02T09:30:05+09:00"}}));
  EXPECT_EQ(c["specific_diseases"]["meaning"], "同意");
}

TEST(QualificationJson, LostWithReasonAndKokuhoInsurer) {
  const json j = result(answer("2", kLost));
  EXPECT_EQ(j["validity"], code("2", "無効"));
  const json& q = j["qualifications"][0];
  EXPECT_EQ(q["insurer"]["number"], "261016");  // the padding is the wire's, not the number's
  EXPECT_EQ(q["insurer"]["name"], nullptr);
  EXPECT_EQ(q["personal_family"], code("2", "家族"));
  EXPECT_EQ(q["sex"], code("2", "女"));
  EXPECT_EQ(q["disqualification_date"], "2025-08-10");
  EXPECT_EQ(q["reason_of_loss"], code("01", "死亡"));
  EXPECT_EQ(q["branch"], nullptr);
  EXPECT_EQ(q["limit_certificate"], nullptr);
  EXPECT_EQ(q["specific_diseases"], json::array());
}

TEST(QualificationJson, InvalidWithANewerQualification) {
  const json j = result(answer("3", kLost));
  EXPECT_EQ(j["validity"], code("3", "無効（新しい資格あり）"));
  EXPECT_EQ(j["qualifications"].size(), 1u);
}

TEST(QualificationJson, NoQualificationFound) {
  const json j = result(answer("4", ""));
  EXPECT_EQ(j["validity"], code("4", "該当資格なし"));
  EXPECT_EQ(j["qualifications"], json::array());
}

TEST(QualificationJson, SeveralMatches) {
  const json j = result(answer("5", std::string(kSelf) + "," + std::string(kLost)));
  EXPECT_EQ(j["validity"], code("5", "複数該当"));
  ASSERT_EQ(j["qualifications"].size(), 2u);
  EXPECT_EQ(j["qualifications"][1]["symbol"], "京中2");
}

TEST(QualificationJson, ElderlyRecipient) {
  const json q = result(answer("1", kElderly))["qualifications"][0];
  EXPECT_EQ(q["elderly_recipient"], json({{"certificate_date", nullptr},
                                          {"valid_start_date", "2026-05-15"},
                                          {"valid_end_date", nullptr},
                                          {"burden_ratio", {{"code", "020"}, {"percent", 20}}}}));
}

TEST(QualificationJson, Preschool) {
  const json q = result(answer("1", kPreschool))["qualifications"][0];
  EXPECT_EQ(q["preschool"], code("1", "未就学該当"));
  EXPECT_EQ(q["burden_ratio"]["percent"], 20);
}

TEST(QualificationJson, ProcessingErrorKeepsItsCodeAndMessage) {
  const json j = result(answer(
      "", "", "2",
      R"(,"ProcessingResultCode":"SIM2002","ProcessingResultMessage":"InsurerNumber: 検証番号")"));
  EXPECT_EQ(j["validity"], nullptr);
  EXPECT_EQ(j["processing"], json({{"status", code("2", "エラー")},
                                   {"code", "SIM2002"},
                                   {"message", "InsurerNumber: 検証番号"}}));
}

TEST(QualificationJson, AnUnknownCodeHasNoMeaningButIsKept) {
  // The parser refuses such values; qualification_json must not depend on it.
  xmlmsg::QualificationResponse r;
  r.qualification_validity = "7";
  xmlmsg::QualificationRecord rec;
  rec.sex1 = "9";
  rec.insured_partial_contribution_ratio = "3割";
  rec.birthdate = "1981-1-4";
  rec.consents.operation_time = "20261202093005";
  r.results.push_back(rec);
  const json j = qualification_json(r);
  EXPECT_EQ(j["validity"], json({{"code", "7"}, {"meaning", nullptr}}));
  const json& q = j["qualifications"][0];
  EXPECT_EQ(q["sex"], json({{"code", "9"}, {"meaning", nullptr}}));
  EXPECT_EQ(q["burden_ratio"], json({{"code", "3割"}, {"percent", nullptr}}));
  EXPECT_EQ(q["birthdate"], "1981-1-4");
  EXPECT_EQ(q["consents"]["operation"],
            json({{"code", nullptr}, {"meaning", nullptr}, {"time", "2026-12-02T09:30:05+09:00"}}));
  EXPECT_EQ(j["header"]["segment_of_result"], nullptr);
}

TEST(QualificationJson, EveryRecordHasTheSameMembers) {
  const json full = result(answer("1", kSelf))["qualifications"][0];
  const json sparse = result(answer("1", kPreschool))["qualifications"][0];
  ASSERT_EQ(full.size(), sparse.size());
  for (const auto& [key, value] : full.items()) EXPECT_TRUE(sparse.contains(key)) << key;
}

constexpr std::string_view kBulk =
    R"({"XmlMsg":{"MessageHeader":{"ProcessExecutionTime":"20261202103354",)"
    R"("MedicalInstitutionCode":"2714206386","ReceptionNumber":"SIM000000000001",)"
    R"("SegmentOfResult":"1","CharacterCodeIdentifier":"0","NumberOfProcessingResult":"4",)"
    R"("NumberOfNormalProcessing":"3","NumberOfError":"1"},"MessageBody":{"BulkConfirmUnit":[)"
    R"({"QualificationConfirmSearchInfo":[{"InsurerNumber":"06139992","InsuredCardSymbol":"114",)"
    R"("InsuredIdentificationNumber":"1014","InsuredBranchNumber":"00","Birthdate":"19810104",)"
    R"("LimitApplicationCertificateRelatedConsFlg":"1","ArbitraryIdentifier":"P0001"}],)"
    R"("ProcessingResultStatus":"1","QualificationValidity":"1",)"
    R"("ResultOfQualificationConfirmation":[{"InsurerNumber":"06139992","Name":"山本　誠",)"
    R"("Sex1":"1"}]},)"
    R"({"QualificationConfirmSearchInfo":[{"InsurerNumber":"06139993",)"
    R"("InsuredIdentificationNumber":"1","Birthdate":"19810104","ArbitraryIdentifier":"P0002"}],)"
    R"("ProcessingResultStatus":"2","ProcessingResultCode":"SIM2002",)"
    R"("ProcessingResultMessage":"InsurerNumber: 検証番号"},)"
    R"({"QualificationConfirmSearchInfo":[{"InsurerNumber":"  261016",)"
    R"("InsuredIdentificationNumber":"9","Birthdate":"19650211","ArbitraryIdentifier":"P0001"}],)"
    R"("ProcessingResultStatus":"1","QualificationValidity":"4"},)"
    R"({"QualificationConfirmSearchInfo":[{"InsurerNumber":"  261016",)"
    R"("InsuredIdentificationNumber":"8","Birthdate":"19650211"}],)"
    R"("ProcessingResultStatus":"1","QualificationValidity":"4"}]}}})";

TEST(BulkJson, UnitsAreKeyedByTheCallersIdAndNoneIsLost) {
  auto msg = xmlmsg::parse_json(kBulk);
  ASSERT_TRUE(msg) << msg.error().message;
  auto r = xmlmsg::parse_bulk_fetch_response(*msg);
  ASSERT_TRUE(r) << r.error().message;
  const json j = bulk_json(*r);
  EXPECT_EQ(j["header"]["reception_number"], "SIM000000000001");
  EXPECT_EQ(j["header"]["counts"], json({{"processed", 4}, {"normal", 3}, {"error", 1}}));
  EXPECT_EQ(j["header"]["process_execution_time"], "2026-12-02T10:33:54+09:00");
  ASSERT_EQ(j["patients"].size(), 2u);
  const json& first = j["patients"]["P0001"];
  EXPECT_EQ(first["id"], "P0001");
  EXPECT_EQ(first["validity"], code("1", "有効"));
  EXPECT_EQ(first["search"], json({{"insurer_number", "06139992"},
                                   {"symbol", "114"},
                                   {"number", "1014"},
                                   {"branch", "00"},
                                   {"birthdate", "1981-01-04"},
                                   {"limit_consent", code("1", "同意")}}));
  EXPECT_EQ(first["qualifications"][0]["name"], "山本　誠");
  const json& second = j["patients"]["P0002"];
  EXPECT_EQ(second["processing"]["code"], "SIM2002");
  EXPECT_EQ(second["validity"], nullptr);
  // The id used twice and the unit without an id are kept aside, in order.
  ASSERT_EQ(j["unmatched"].size(), 2u);
  EXPECT_EQ(j["unmatched"][0]["id"], "P0001");
  EXPECT_EQ(j["unmatched"][0]["search"]["insurer_number"], "261016");
  EXPECT_EQ(j["unmatched"][1]["id"], nullptr);
}

TEST(BulkJson, SubmitAnswer) {
  xmlmsg::BulkSubmitResponse r;
  r.header.segment_of_result = "1";
  r.reception_number = "SIM000000000001";
  r.reception_date_time = "20261202103354";
  const json j = bulk_submit_json(r);
  EXPECT_EQ(j["reception_number"], "SIM000000000001");
  EXPECT_EQ(j["reception_date_time"], "2026-12-02T10:33:54+09:00");
  EXPECT_EQ(j["header"]["segment_of_result"], code("1", "正常終了"));
}

}  // namespace
}  // namespace onshi::api
