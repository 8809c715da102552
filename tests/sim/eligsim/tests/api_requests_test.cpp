#include "api_requests.hpp"

#include <gtest/gtest.h>

namespace onshi::sim::eligsim {
namespace {

std::string code_of(const auto& parsed) {
  const auto* p = std::get_if<Problem>(&parsed);
  return p == nullptr ? std::string("<ok>") : (p->abnormal ? "9:" : "2:") + p->code;
}

constexpr std::string_view kHeader =
    R"("MessageHeader":{"QualificationConfirmationDate":"20261202","MedicalInstitutionCode":"2714206386"})";

std::string search_body(std::string_view info) {
  return "{\"XmlMsg\":{" + std::string(kHeader) +
         ",\"MessageBody\":{\"QualificationConfirmSearchInfo\":[" + std::string(info) + "]}}}";
}

TEST(ApiRequests, ASearchIsReadWithItsPaddingRule) {
  auto r = parse_search_request(search_body(
      R"({"InsurerNumber":"00123455","InsuredIdentificationNumber":"1","Birthdate":"20010327"})"));
  ASSERT_EQ(code_of(r), "<ok>");
  const auto& s = std::get<SearchRequest>(r);
  EXPECT_EQ(s.search.insurer_number, "123455");
  EXPECT_EQ(s.search.limit_consent, "0");
  EXPECT_EQ(s.header.medical_institution_code, "2714206386");
}

TEST(ApiRequests, EachBadFieldHasItsOwnCode) {
  const auto search = [](std::string_view info) {
    return code_of(parse_search_request(search_body(info)));
  };
  EXPECT_EQ(
      search(
          R"({"InsurerNumber":"123455","InsuredIdentificationNumber":"1","Birthdate":"20010327"})"),
      "2:SIM2001");
  EXPECT_EQ(
      search(
          R"({"InsurerNumber":"  123456","InsuredIdentificationNumber":"1","Birthdate":"20010327"})"),
      "2:SIM2002");
  EXPECT_EQ(
      search(
          R"({"InsurerNumber":"  123455","InsuredIdentificationNumber":"1","Birthdate":"2001"})"),
      "2:SIM2003");
  EXPECT_EQ(search(R"({"InsurerNumber":"  123455","Birthdate":"20010327"})"), "2:SIM2004");
  EXPECT_EQ(
      search(
          R"({"InsurerNumber":"  123455","InsuredIdentificationNumber":"1","InsuredBranchNumber":"1","Birthdate":"20010327"})"),
      "2:SIM2005");
  EXPECT_EQ(
      search(
          R"({"InsurerNumber":"39131016","InsuredCardSymbol":"x","InsuredIdentificationNumber":"1","Birthdate":"20010327"})"),
      "2:SIM2006");
  EXPECT_EQ(search(R"({"InsurerNumber":{"a":"b"}})"), "2:SIM2000");
  EXPECT_EQ(code_of(parse_search_request("nope")), "9:SIM9001");
  EXPECT_EQ(code_of(parse_search_request(R"({"XmlMsg":{"MessageBody":{}}})")), "9:SIM9002");
  EXPECT_EQ(code_of(parse_search_request("{\"XmlMsg\":{" + std::string(kHeader) +
                                         ",\"MessageBody\":{}}}")),
            "9:SIM9002");
}

TEST(ApiRequests, VerificationNeedsBase64AndAFaceResultInFaceMode) {
  const auto verify = [](std::string_view info) {
    return code_of(parse_verify_request(
        "{\"XmlMsg\":{" + std::string(kHeader) +
        ",\"MessageBody\":{\"MyNumberCardVerificationInfo\":" + std::string(info) + "}}}"));
  };
  EXPECT_EQ(
      verify(
          R"({"ChallengeId":"c","VerificationMode":"1","UserAuthenticationCertificate":"MIIB","Proof":"c2ln"})"),
      "<ok>");
  EXPECT_EQ(
      verify(
          R"({"ChallengeId":"c","VerificationMode":"2","UserAuthenticationCertificate":"MIIB","Proof":"c2ln"})"),
      "2:SIM2104");
  EXPECT_EQ(
      verify(
          R"({"ChallengeId":"c","VerificationMode":"1","UserAuthenticationCertificate":"MIIB!","Proof":"c2ln"})"),
      "2:SIM2102");
  EXPECT_EQ(verify(R"({"ChallengeId":"c","VerificationMode":"4"})"), "2:SIM2100");
  EXPECT_EQ(
      verify(
          R"({"ChallengeId":"c","VerificationMode":"1","UserAuthenticationCertificate":"MIIB","Proof":"c2ln","DiagnosisInfoConsFlg":"9"})"),
      "2:SIM2107");
  EXPECT_EQ(verify(R"({"ChallengeId":{}})"), "2:SIM2100");
}

TEST(ApiRequests, TheAuthBodyNamesAValidInstitution) {
  EXPECT_EQ(code_of(parse_auth_request(R"({"medicalInstitutionCode":"2714206386"})")), "<ok>");
  EXPECT_EQ(code_of(parse_auth_request(R"({"medicalInstitutionCode":2714206386})")), "9:SIM9002");
  EXPECT_EQ(code_of(parse_auth_request("[")), "9:SIM9001");
}

}  // namespace
}  // namespace onshi::sim::eligsim
