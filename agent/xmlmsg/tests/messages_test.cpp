#include "onshi/xmlmsg/messages.hpp"

#include <gtest/gtest.h>

#include <string>

#include "onshi/xmlmsg/json_form.hpp"

namespace onshi::xmlmsg {
namespace {

RequestHeader header() { return {"20261202", "0110113719", "req-1"}; }

SearchInfo kokuho_search() {
  SearchInfo s;
  s.insurer_number = "123455";
  s.insured_card_symbol = "12-34";
  s.insured_identification_number = "4260";
  s.insured_branch_number = "01";
  s.birthdate = "20010327";
  s.limit_consent = "1";
  return s;
}

Element parse(std::string_view json) {
  auto msg = parse_json(json);
  EXPECT_TRUE(msg) << msg.error().message;
  return msg ? *msg : Element{};
}

std::string parse_error(std::string_view json) {
  auto r = parse_qualification_response(parse(json));
  if (r) return "<parsed>";
  EXPECT_EQ(r.error().code, Errc::elig_message_invalid);
  return r.error().message;
}

TEST(SearchRequest, IsTheObservedShapeWithTheInsurerPadded) {
  auto msg = make_search_request(header(), kokuho_search());
  ASSERT_TRUE(msg) << msg.error().message;
  EXPECT_EQ(*to_json(*msg),
            R"({"XmlMsg":{"MessageHeader":{"QualificationConfirmationDate":"20261202",)"
            R"("MedicalInstitutionCode":"0110113719","ArbitraryFileIdentifier":"req-1"},)"
            R"("MessageBody":{"QualificationConfirmSearchInfo":[{"InsurerNumber":"  123455",)"
            R"("InsuredCardSymbol":"12-34","InsuredIdentificationNumber":"4260",)"
            R"("InsuredBranchNumber":"01","Birthdate":"20010327",)"
            R"("LimitApplicationCertificateRelatedConsFlg":"1"}]}}})");
}

TEST(SearchRequest, RefusesWhatTheSystemWouldRefuse) {
  auto bad = kokuho_search();
  bad.insurer_number = "123456";
  EXPECT_EQ(make_search_request(header(), bad).error().message,
            "InsurerNumber \"123456\": the 検証番号 (last digit) is 6 but should be 5");
  bad = kokuho_search();
  bad.birthdate = "20010230";
  EXPECT_EQ(make_search_request(header(), bad).error().message,
            "Birthdate: must be a date YYYYMMDD");
  bad = kokuho_search();
  bad.insured_branch_number = "1";
  EXPECT_FALSE(make_search_request(header(), bad));
  bad = kokuho_search();
  bad.insurer_number = "39131016";  // 後期高齢: no 記号
  EXPECT_EQ(make_search_request(header(), bad).error().message,
            "InsuredCardSymbol: a 後期高齢 number (39…) has no 記号");
  auto h = header();
  h.medical_institution_code = "0110113718";
  EXPECT_NE(make_search_request(h, kokuho_search()).error().message.find("MedicalInstitutionCode"),
            std::string::npos);
}

TEST(BulkRequests, CarryEveryPatientAndTheReceptionNumber) {
  std::vector<SearchInfo> patients{kokuho_search(), kokuho_search()};
  patients[1].arbitrary_identifier = "p2";
  auto submit = make_bulk_submit_request(header(), patients);
  ASSERT_TRUE(submit);
  EXPECT_EQ(submit->child("MessageBody")->children_named("QualificationConfirmSearchInfo").size(),
            2u);
  EXPECT_FALSE(make_bulk_submit_request(header(), {}));
  auto fetch = make_bulk_fetch_request(header(), "R0001");
  ASSERT_TRUE(fetch);
  EXPECT_EQ(*fetch->find("MessageBody")->leaf_text("ReceptionNumber"), "R0001");
  EXPECT_EQ(fetch->find("MessageHeader/QualificationConfirmationDate"), nullptr);
}

TEST(VerificationRequest, EncodesCertificateAndProofAndRefusesFaceWithoutResult) {
  VerificationInfo v;
  v.challenge_id = "c1";
  v.mode = VerificationMode::face;
  v.certificate_der = std::string("\x30\x82\x01", 3);
  v.proof = "sig";
  v.face_match_result = "1";
  v.consents.pharmaceutical = "1";
  auto msg = make_verification_request(header(), v);
  ASSERT_TRUE(msg) << msg.error().message;
  const Element* info = msg->find("MessageBody/MyNumberCardVerificationInfo");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(*info->leaf_text("VerificationMode"), "2");
  EXPECT_EQ(*info->leaf_text("UserAuthenticationCertificate"), "MIIB");
  EXPECT_EQ(*info->leaf_text("Proof"), "c2ln");
  EXPECT_EQ(*info->leaf_text("PharmacistsInfoConsFlg"), "1");
  EXPECT_EQ(info->leaf_text("DiagnosisInfoConsFlg"), nullptr);
  v.face_match_result.clear();
  EXPECT_FALSE(make_verification_request(header(), v));
  v.mode = VerificationMode::pin;
  v.consents.diagnosis = "7";
  EXPECT_NE(make_verification_request(header(), v).error().message.find("OQSCD016"),
            std::string::npos);
}

constexpr std::string_view kFound =
    R"({"XmlMsg":{"MessageHeader":{"ProcessExecutionTime":"20261202093005","SegmentOfResult":"1",)"
    R"("QualificationConfirmationDate":"20261202","ReferenceClassification":"2",)"
    R"("MedicalInstitutionCode":"0110113719","CharacterCodeIdentifier":"0"},)"
    R"("MessageBody":{"ResultList":{"ResultOfQualificationConfirmation":[{)"
    R"("InsuredCardClassification":"01","InsurerNumber":"  123455","InsuredCardSymbol":"12-34",)"
    R"("InsuredIdentificationNumber":"4260","InsuredBranchNumber":"01",)"
    R"("PersonalFamilyClassification":"1","Name":"診療　太郎","NameKana":"ｼﾝﾘｮｳ ﾀﾛｳ",)"
    R"("Sex1":"1","Birthdate":"20010327","PostNumber":"123-4567",)"
    R"("InsuredPartialContributionRatio":"030","PharmacistsInfoConsFlg":"1",)"
    R"("LimitApplicationCertificateRelatedInfo":{"LimitApplicationCertificateClassification":"01",)"
    R"("LimitApplicationCertificateClassificationFlag":"A03"},)"
    R"("SpecificDiseasesCertificateList":{"SpecificDiseasesCertificateInfo":[)"
    R"({"SpecificDiseasesDiseaseCategory":"1","SpecificDiseasesSelfPay":"10000"}]}}]},)"
    R"("ProcessingResultStatus":"1","QualificationValidity":"1"}}})";

TEST(QualificationResponse, ParsesAFoundPersonByName) {
  auto r = parse_qualification_response(parse(kFound));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(expect_segment_normal(r->header));
  EXPECT_EQ(r->qualification_validity, "1");
  ASSERT_EQ(r->results.size(), 1u);
  const auto& p = r->results[0];
  EXPECT_EQ(p.insurer_number, "123455");
  EXPECT_EQ(p.name, "診療　太郎");
  EXPECT_EQ(p.name_kana, "ｼﾝﾘｮｳ ﾀﾛｳ");
  EXPECT_EQ(p.insured_partial_contribution_ratio, "030");
  EXPECT_EQ(p.consents.pharmaceutical, "1");
  ASSERT_TRUE(p.limit_certificate);
  EXPECT_EQ(p.limit_certificate->classification_flag, "A03");
  ASSERT_EQ(p.specific_diseases.size(), 1u);
  EXPECT_EQ(p.specific_diseases[0].self_pay, "10000");
}

TEST(QualificationResponse, RefusesValuesOutsideTheCodeTables) {
  std::string s(kFound);
  s.replace(s.find(R"("Sex1":"1")"), 10, R"("Sex1":"4")");
  EXPECT_EQ(parse_error(s),
            "XmlMsg.MessageBody.ResultList.ResultOfQualificationConfirmation[0].Sex1: \"4\" is not "
            "a OQSCD007 (性別) value: 1, 2, 3");
  s = std::string(kFound);
  s.replace(s.find(R"("SegmentOfResult":"1")"), 21, R"("SegmentOfResult":"7")");
  EXPECT_NE(parse_error(s).find("SegmentOfResult: \"7\" is not a OQSCD003"), std::string::npos);
  s = std::string(kFound);
  s.replace(s.find(R"("  123455")"), 10, R"("123455")");
  EXPECT_NE(parse_error(s).find("InsurerNumber: \"123455\" is not 8 digits"), std::string::npos);
  s = std::string(kFound);
  s.replace(s.find(R"("030")"), 5, R"("30")");
  EXPECT_NE(parse_error(s).find("three digits"), std::string::npos);
}

TEST(QualificationResponse, AValidResultWithoutAPersonIsMalformed) {
  EXPECT_EQ(parse_error(R"({"XmlMsg":{"MessageHeader":{"SegmentOfResult":"1"},"MessageBody":)"
                        R"({"ProcessingResultStatus":"1","QualificationValidity":"1"}}})"),
            "XmlMsg.MessageBody.ResultList: QualificationValidity 1 needs at least one "
            "ResultOfQualificationConfirmation");
  EXPECT_EQ(parse_error(R"({"XmlMsg":{"MessageHeader":{"SegmentOfResult":"1"},"MessageBody":)"
                        R"({"ProcessingResultStatus":"1"}}})"),
            "XmlMsg.MessageBody.QualificationValidity: missing in a normal result");
  EXPECT_EQ(parse_error(R"({"XmlMsg":{"MessageHeader":{}}})"),
            "XmlMsg.MessageHeader.SegmentOfResult: missing");
  EXPECT_EQ(parse_error(R"({"XmlMsg":{"MessageHeader":{"SegmentOfResult":"1"}}})"),
            "XmlMsg.MessageBody: missing");
  EXPECT_EQ(parse_error(R"({"XmlMsg":{"MessageHeader":{"SegmentOfResult":"1"},"MessageBody":)"
                        R"({"ProcessingResultStatus":"2"}}})"),
            "XmlMsg.MessageBody.ProcessingResultCode: missing with ProcessingResultStatus 2");
}

TEST(QualificationResponse, NotFoundAndErrorsAreAnswersNotParseErrors) {
  auto none = parse_qualification_response(
      parse(R"({"XmlMsg":{"MessageHeader":{"SegmentOfResult":"1"},"MessageBody":)"
            R"({"ProcessingResultStatus":"1","QualificationValidity":"4"}}})"));
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_EQ(none->qualification_validity, "4");
  EXPECT_TRUE(none->results.empty());

  auto abnormal = parse_qualification_response(parse(
      R"({"XmlMsg":{"MessageHeader":{"SegmentOfResult":"9","ErrorCode":"E1","ErrorMessage":"x"}}})"));
  ASSERT_TRUE(abnormal) << abnormal.error().message;
  auto status = expect_segment_normal(abnormal->header);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, Errc::elig_rejected);
  EXPECT_EQ(status.error().message, "SegmentOfResult 9 (異常終了): E1 x");
  EXPECT_EQ(parse_error(R"({"XmlMsg":{"MessageHeader":{"SegmentOfResult":"9"}}})"),
            "XmlMsg.MessageHeader.ErrorCode: missing with SegmentOfResult 9");
}

TEST(BulkResponses, ParseReceptionUnitsAndCheckTheCount) {
  auto submit = parse_bulk_submit_response(
      parse(R"({"XmlMsg":{"MessageHeader":{"SegmentOfResult":"1"},"MessageBody":)"
            R"({"ReceptionNumber":"R1","ReceptionDateTime":"20261202093000"}}})"));
  ASSERT_TRUE(submit) << submit.error().message;
  EXPECT_EQ(submit->reception_number, "R1");

  auto processing = parse_bulk_fetch_response(
      parse(R"({"XmlMsg":{"MessageHeader":{"SegmentOfResult":"2","ReceptionNumber":"R1"}}})"));
  ASSERT_TRUE(processing);
  EXPECT_EQ(expect_segment_normal(processing->header).error().code, Errc::elig_not_ready);

  const std::string unit =
      R"({"QualificationConfirmSearchInfo":[{"InsurerNumber":"00123455","Birthdate":"20010327",)"
      R"("ArbitraryIdentifier":"p1"}],"ProcessingResultStatus":"1","QualificationValidity":"4"})";
  auto done = parse_bulk_fetch_response(
      parse(R"({"XmlMsg":{"MessageHeader":{"SegmentOfResult":"1","NumberOfProcessingResult":"1"},)"
            R"("MessageBody":{"BulkConfirmUnit":[)" +
            unit + "]}}}"));
  ASSERT_TRUE(done) << done.error().message;
  ASSERT_EQ(done->units.size(), 1u);
  EXPECT_EQ(done->units[0].search.insurer_number, "123455");
  EXPECT_EQ(done->units[0].search.arbitrary_identifier, "p1");

  auto wrong_count = parse_bulk_fetch_response(
      parse(R"({"XmlMsg":{"MessageHeader":{"SegmentOfResult":"1","NumberOfProcessingResult":"2"},)"
            R"("MessageBody":{"BulkConfirmUnit":[)" +
            unit + "]}}}"));
  ASSERT_FALSE(wrong_count);
  EXPECT_EQ(wrong_count.error().message,
            "XmlMsg.MessageHeader.NumberOfProcessingResult: says 2 but the answer holds 1 "
            "BulkConfirmUnit");
}

}  // namespace
}  // namespace onshi::xmlmsg
