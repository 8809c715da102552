// The requests onshi sends (messages.hpp). Each field is checked before anything is built, so the
// eligibility system never sees a request onshi could have known to be wrong.
#include <fmt/format.h>

#include "field_rules.hpp"
#include "onshi/base64.hpp"
#include "onshi/check_digit.hpp"
#include "onshi/xmlmsg/insurer_number.hpp"
#include "onshi/xmlmsg/json_form.hpp"
#include "onshi/xmlmsg/messages.hpp"

namespace onshi::xmlmsg {
namespace {

using detail::Rule;

// Largest DER certificate and proof accepted in a request (a JPKI certificate is ~1.2 KB).
constexpr std::size_t kMaxCertificateBytes = 16 * 1024;
constexpr std::size_t kMaxProofBytes = 1024;

Status check(std::string_view element, std::string_view value, const Rule& rule, bool required) {
  if (value.empty()) {
    if (!required) return {};
    return fail(Errc::invalid_argument, fmt::format("{}: required", element));
  }
  const std::string problem = detail::rule_problem(value, rule);
  if (problem.empty()) return {};
  return fail(Errc::invalid_argument, fmt::format("{}: {}", element, problem));
}

void add_if(Element& node, std::string name, const std::string& value) {
  if (!value.empty()) node.add_leaf(std::move(name), value);
}

Result<Element> envelope(const RequestHeader& header, bool with_date) {
  if (auto problem = institution_code_problem(header.medical_institution_code)) {
    return fail(Errc::invalid_argument, "MedicalInstitutionCode: " + *problem);
  }
  if (with_date) {
    ONSHI_TRY(check("QualificationConfirmationDate", header.qualification_confirmation_date,
                    detail::date(), true));
  }
  ONSHI_TRY(
      check("ArbitraryFileIdentifier", header.arbitrary_file_identifier, detail::text(100), false));
  Element msg = Element::make_node(std::string(kRootName));
  Element& h = msg.add_node("MessageHeader");
  if (with_date)
    h.add_leaf("QualificationConfirmationDate", header.qualification_confirmation_date);
  h.add_leaf("MedicalInstitutionCode", header.medical_institution_code);
  add_if(h, "ArbitraryFileIdentifier", header.arbitrary_file_identifier);
  msg.add_node("MessageBody");
  return msg;
}

Result<Element> search_info_element(const SearchInfo& s) {
  ONSHI_TRY_ASSIGN(const std::string insurer, insurer_field(s.insurer_number));
  // 記号 and 番号 (eligibility-system.md §2): at most 20 characters each.
  ONSHI_TRY(check("InsuredCardSymbol", s.insured_card_symbol, detail::text(20), false));
  ONSHI_TRY(check("InsuredIdentificationNumber", s.insured_identification_number, detail::text(20),
                  true));
  if (!s.insured_branch_number.empty() &&
      (s.insured_branch_number.size() != 2 ||
       !detail::rule_problem(s.insured_branch_number, detail::digits(2)).empty())) {
    return fail(Errc::invalid_argument, "InsuredBranchNumber: must be 2 digits or empty");
  }
  ONSHI_TRY(check("Birthdate", s.birthdate, detail::date(), true));
  ONSHI_TRY(check("LimitApplicationCertificateRelatedConsFlg", s.limit_consent,
                  detail::code(codes::kLimitConsent), true));
  ONSHI_TRY(check("ArbitraryIdentifier", s.arbitrary_identifier, detail::text(100), false));
  if (insurer.substr(0, 2) == "39" && !s.insured_card_symbol.empty()) {
    return fail(Errc::invalid_argument, "InsuredCardSymbol: a 後期高齢 number (39…) has no 記号");
  }
  Element info = Element::make_node("QualificationConfirmSearchInfo");
  info.add_leaf("InsurerNumber", insurer);
  add_if(info, "InsuredCardSymbol", s.insured_card_symbol);
  info.add_leaf("InsuredIdentificationNumber", s.insured_identification_number);
  add_if(info, "InsuredBranchNumber", s.insured_branch_number);
  info.add_leaf("Birthdate", s.birthdate);
  info.add_leaf("LimitApplicationCertificateRelatedConsFlg", s.limit_consent);
  add_if(info, "ArbitraryIdentifier", s.arbitrary_identifier);
  return info;
}

Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }

}  // namespace

std::string_view verification_mode_code(VerificationMode mode) {
  switch (mode) {
    case VerificationMode::pin:
      return "1";
    case VerificationMode::face:
      return "2";
    case VerificationMode::visual:
      return "3";
  }
  return "1";
}

Result<Element> make_search_request(const RequestHeader& header, const SearchInfo& search) {
  ONSHI_TRY_ASSIGN(Element msg, envelope(header, true));
  ONSHI_TRY_ASSIGN(Element info, search_info_element(search));
  msg.child("MessageBody")->add(std::move(info));
  return msg;
}

Result<Element> make_bulk_submit_request(const RequestHeader& header,
                                         std::span<const SearchInfo> patients) {
  if (patients.empty())
    return fail(Errc::invalid_argument, "a 一括照会 needs at least one patient");
  ONSHI_TRY_ASSIGN(Element msg, envelope(header, true));
  Element& body = *msg.child("MessageBody");
  for (std::size_t i = 0; i < patients.size(); ++i) {
    auto info = search_info_element(patients[i]);
    if (!info) {
      return fail(Errc::invalid_argument, fmt::format("patient {}: {}", i, info.error().message));
    }
    body.add(std::move(*info));
  }
  return msg;
}

Result<Element> make_bulk_fetch_request(const RequestHeader& header,
                                        std::string_view reception_number) {
  ONSHI_TRY(check("ReceptionNumber", reception_number, detail::text(64), true));
  ONSHI_TRY_ASSIGN(Element msg, envelope(header, false));
  msg.child("MessageBody")->add_leaf("ReceptionNumber", std::string(reception_number));
  return msg;
}

Result<Element> make_verification_request(const RequestHeader& header, const VerificationInfo& v) {
  ONSHI_TRY_ASSIGN(Element msg, envelope(header, true));
  ONSHI_TRY(check("ChallengeId", v.challenge_id, detail::text(128), true));
  if (v.certificate_der.empty() || v.certificate_der.size() > kMaxCertificateBytes) {
    return fail(Errc::invalid_argument, "UserAuthenticationCertificate: 1 to 16 KiB of DER");
  }
  if (v.proof.empty() || v.proof.size() > kMaxProofBytes) {
    return fail(Errc::invalid_argument, "Proof: 1 to 1024 bytes");
  }
  const bool face = v.mode == VerificationMode::face;
  if (face && v.face_match_result != "1" && v.face_match_result != "2") {
    return fail(Errc::invalid_argument, "FaceMatchResult: face mode needs 1 (matched) or 2");
  }
  if (!face && !v.face_match_result.empty()) {
    return fail(Errc::invalid_argument, "FaceMatchResult: only in face mode");
  }
  ONSHI_TRY(check("FaceMatchScore", v.face_match_score, detail::digits(4), false));
  const ConsentAnswers& c = v.consents;
  ONSHI_TRY(
      check("PharmacistsInfoConsFlg", c.pharmaceutical, detail::code(codes::kConsent), false));
  ONSHI_TRY(check("SpecificHealthCheckupsInfoConsFlg", c.specific_health_checkups,
                  detail::code(codes::kConsent), false));
  ONSHI_TRY(check("DiagnosisInfoConsFlg", c.diagnosis, detail::code(codes::kConsent), false));
  ONSHI_TRY(check("OperationInfoConsFlg", c.operation, detail::code(codes::kConsent), false));
  ONSHI_TRY(check("LimitApplicationCertificateRelatedConsFlg", c.limit,
                  detail::code(codes::kLimitConsent), false));
  ONSHI_TRY(check("SpecificDiseasesCertificateRelatedConsFlg", c.specific_diseases,
                  detail::code(codes::kLimitConsent), false));

  Element& info = msg.child("MessageBody")->add_node("MyNumberCardVerificationInfo");
  info.add_leaf("ChallengeId", v.challenge_id);
  info.add_leaf("VerificationMode", std::string(verification_mode_code(v.mode)));
  info.add_leaf("UserAuthenticationCertificate", to_base64(bytes_of(v.certificate_der)));
  info.add_leaf("Proof", to_base64(bytes_of(v.proof)));
  add_if(info, "FaceMatchResult", v.face_match_result);
  add_if(info, "FaceMatchScore", v.face_match_score);
  add_if(info, "PharmacistsInfoConsFlg", c.pharmaceutical);
  add_if(info, "SpecificHealthCheckupsInfoConsFlg", c.specific_health_checkups);
  add_if(info, "DiagnosisInfoConsFlg", c.diagnosis);
  add_if(info, "OperationInfoConsFlg", c.operation);
  add_if(info, "LimitApplicationCertificateRelatedConsFlg", c.limit);
  add_if(info, "SpecificDiseasesCertificateRelatedConsFlg", c.specific_diseases);
  return msg;
}

}  // namespace onshi::xmlmsg
