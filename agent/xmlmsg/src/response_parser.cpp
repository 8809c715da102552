// The parser of the eligibility system's answers (messages.hpp). Elements are found by name, in
// any order (§1.5: element order varies between implementations); elements onshi does not know are
// ignored, so newer answers still parse.
#include <fmt/format.h>

#include <array>

#include "field_rules.hpp"
#include "onshi/xmlmsg/codes.hpp"
#include "onshi/xmlmsg/insurer_number.hpp"
#include "onshi/xmlmsg/json_form.hpp"
#include "onshi/xmlmsg/messages.hpp"

namespace onshi::xmlmsg {
namespace {

using detail::Rule;

template <typename T>
struct Field {
  std::string_view name;
  std::string T::*member;
  Rule rule;
  bool required = false;
};

Error invalid(const std::string& path, std::string_view reason) {
  return Error(Errc::elig_message_invalid, fmt::format("{}: {}", path, reason));
}

// The leaf `name` of `node`, checked against `rule`; empty when absent and not required.
Result<std::string> read_leaf(const Element& node, const std::string& path, std::string_view name,
                              const Rule& rule, bool required) {
  const std::string at = path + "." + std::string(name);
  const Element* e = node.child(name);
  if (e == nullptr) {
    if (required) return fail(invalid(at, "missing"));
    return std::string();
  }
  if (!e->leaf) return fail(invalid(at, "must be a text element, not a structure"));
  if (e->text.empty()) {
    if (required) return fail(invalid(at, "must not be empty"));
    return std::string();
  }
  if (const std::string problem = detail::rule_problem(e->text, rule); !problem.empty()) {
    return fail(invalid(at, problem));
  }
  return e->text;
}

template <typename T, std::size_t N>
Status read_fields(const Element& node, const std::string& path, T& out,
                   const std::array<Field<T>, N>& fields) {
  for (const auto& f : fields) {
    ONSHI_TRY_ASSIGN(out.*(f.member), read_leaf(node, path, f.name, f.rule, f.required));
  }
  return {};
}

// A child that must be a structure when present.
Result<const Element*> read_node(const Element& node, const std::string& path,
                                 std::string_view name, bool required) {
  const Element* e = node.child(name);
  if (e == nullptr) {
    if (required) return fail(invalid(path + "." + std::string(name), "missing"));
    return static_cast<const Element*>(nullptr);
  }
  if (e->leaf) return fail(invalid(path + "." + std::string(name), "must be a structure"));
  return e;
}

using detail::code;
using detail::date;
using detail::date_time;
using detail::digits;
using detail::text;

const std::array<Field<ResponseHeader>, 13> kHeaderFields{{
    {"ProcessExecutionTime", &ResponseHeader::process_execution_time, date_time()},
    {"QualificationConfirmationDate", &ResponseHeader::qualification_confirmation_date, date()},
    {"MedicalInstitutionCode", &ResponseHeader::medical_institution_code, digits(10)},
    {"ArbitraryFileIdentifier", &ResponseHeader::arbitrary_file_identifier, text(100)},
    {"ReferenceClassification", &ResponseHeader::reference_classification,
     code(codes::kReferenceClass)},
    {"SegmentOfResult", &ResponseHeader::segment_of_result, code(codes::kSegmentOfResult), true},
    {"ErrorCode", &ResponseHeader::error_code, text(64)},
    {"ErrorMessage", &ResponseHeader::error_message, text(400)},
    {"CharacterCodeIdentifier", &ResponseHeader::character_code_identifier, digits(1)},
    {"ReceptionNumber", &ResponseHeader::reception_number, text(64)},
    {"NumberOfProcessingResult", &ResponseHeader::number_of_processing_result, digits(9)},
    {"NumberOfNormalProcessing", &ResponseHeader::number_of_normal_processing, digits(9)},
    {"NumberOfError", &ResponseHeader::number_of_error, digits(9)},
}};

const std::array<Field<QualificationRecord>, 27> kRecordFields{{
    {"InsuredCardClassification", &QualificationRecord::insured_card_classification,
     code(codes::kInsuredCardClass)},
    {"InsuredCardSymbol", &QualificationRecord::insured_card_symbol, text(20)},
    {"InsuredIdentificationNumber", &QualificationRecord::insured_identification_number, text(20)},
    {"InsuredBranchNumber", &QualificationRecord::insured_branch_number, digits(2)},
    {"PersonalFamilyClassification", &QualificationRecord::personal_family_classification,
     code(codes::kPersonalFamily)},
    {"InsuredName", &QualificationRecord::insured_name, text(100)},
    {"Name", &QualificationRecord::name, text(100)},
    {"NameOfOther", &QualificationRecord::name_of_other, text(100)},
    {"NameKana", &QualificationRecord::name_kana, text(100)},
    {"NameOfOtherKana", &QualificationRecord::name_of_other_kana, text(100)},
    {"Sex1", &QualificationRecord::sex1, code(codes::kSex)},
    {"Sex2", &QualificationRecord::sex2, code(codes::kSex)},
    {"Birthdate", &QualificationRecord::birthdate, date()},
    {"Address", &QualificationRecord::address, text(200)},
    {"PostNumber", &QualificationRecord::post_number, detail::post_number()},
    {"InsurerName", &QualificationRecord::insurer_name, text(100)},
    {"QualificationDate", &QualificationRecord::qualification_date, date()},
    {"DisqualificationDate", &QualificationRecord::disqualification_date, date()},
    {"InsuredCertificateIssuanceDate", &QualificationRecord::insured_certificate_issuance_date,
     date()},
    {"InsuredCardValidDate", &QualificationRecord::insured_card_valid_date, date()},
    {"InsuredCardExpirationDate", &QualificationRecord::insured_card_expiration_date, date()},
    {"ReasonOfLoss", &QualificationRecord::reason_of_loss, code(codes::kReasonOfLoss)},
    {"PreschoolClassification", &QualificationRecord::preschool_classification,
     code(codes::kPreschool)},
    {"InsuredPartialContributionRatio", &QualificationRecord::insured_partial_contribution_ratio,
     detail::ratio()},
    {"LimitApplicationCertificateChanged", &QualificationRecord::limit_changed,
     code(codes::kLimitChanged)},
    {"ReferenceNumber", &QualificationRecord::reference_number, text(50)},
    {"ArbitraryIdentifier", &QualificationRecord::arbitrary_identifier, text(100)},
}};

const std::array<Field<ConsentFlags>, 12> kConsentFields{{
    {"PharmacistsInfoConsFlg", &ConsentFlags::pharmaceutical, code(codes::kConsent)},
    {"PharmacistsInfoConsTime", &ConsentFlags::pharmaceutical_time, date_time()},
    {"SpecificHealthCheckupsInfoConsFlg", &ConsentFlags::specific_health_checkups,
     code(codes::kConsent)},
    {"SpecificHealthCheckupsInfoConsTime", &ConsentFlags::specific_health_checkups_time,
     date_time()},
    {"DiagnosisInfoConsFlg", &ConsentFlags::diagnosis, code(codes::kConsent)},
    {"DiagnosisInfoConsTime", &ConsentFlags::diagnosis_time, date_time()},
    {"OperationInfoConsFlg", &ConsentFlags::operation, code(codes::kConsent)},
    {"OperationInfoConsTime", &ConsentFlags::operation_time, date_time()},
    {"LimitApplicationCertificateRelatedConsFlg", &ConsentFlags::limit, code(codes::kLimitConsent)},
    {"LimitApplicationCertificateRelatedConsTime", &ConsentFlags::limit_time, date_time()},
    {"SpecificDiseasesCertificateRelatedConsFlg", &ConsentFlags::specific_diseases,
     code(codes::kLimitConsent)},
    {"SpecificDiseasesCertificateRelatedConsTime", &ConsentFlags::specific_diseases_time,
     date_time()},
}};

const std::array<Field<ElderlyRecipientInfo>, 4> kElderlyFields{{
    {"ElderlyRecipientCertificateDate", &ElderlyRecipientInfo::certificate_date, date()},
    {"ElderlyRecipientValidStartDate", &ElderlyRecipientInfo::valid_start_date, date()},
    {"ElderlyRecipientValidEndDate", &ElderlyRecipientInfo::valid_end_date, date()},
    {"ElderlyRecipientContributionRatio", &ElderlyRecipientInfo::contribution_ratio,
     detail::ratio()},
}};

const std::array<Field<LimitCertificateInfo>, 6> kLimitFields{{
    {"LimitApplicationCertificateClassification", &LimitCertificateInfo::classification,
     code(codes::kLimitCertClass), true},
    {"LimitApplicationCertificateClassificationFlag", &LimitCertificateInfo::classification_flag,
     code(codes::kLimitCertFlag), true},
    {"LimitApplicationCertificateDate", &LimitCertificateInfo::certificate_date, date()},
    {"LimitApplicationCertificateValidStartDate", &LimitCertificateInfo::valid_start_date, date()},
    {"LimitApplicationCertificateValidEndDate", &LimitCertificateInfo::valid_end_date, date()},
    {"LimitApplicationCertificateLongTermDate", &LimitCertificateInfo::long_term_date, date()},
}};

const std::array<Field<SpecificDiseaseInfo>, 5> kDiseaseFields{{
    {"SpecificDiseasesDiseaseCategory", &SpecificDiseaseInfo::category,
     code(codes::kSpecificDisease), true},
    {"SpecificDiseasesCertificateDate", &SpecificDiseaseInfo::certificate_date, date()},
    {"SpecificDiseasesValidStartDate", &SpecificDiseaseInfo::valid_start_date, date()},
    {"SpecificDiseasesValidEndDate", &SpecificDiseaseInfo::valid_end_date, date()},
    {"SpecificDiseasesSelfPay", &SpecificDiseaseInfo::self_pay, digits(9)},
}};

// The 8-character InsurerNumber of an answer, as digits.
Result<std::string> read_insurer(const Element& node, const std::string& path, bool required) {
  ONSHI_TRY_ASSIGN(const std::string field,
                   read_leaf(node, path, "InsurerNumber", text(8), required));
  if (field.empty()) return field;
  auto digits = insurer_digits(field);
  if (!digits) {
    return fail(invalid(path + ".InsurerNumber",
                        fmt::format("\"{}\" is not 8 digits or a 6-digit 国保 number padded to 8 "
                                    "with spaces or zeros",
                                    field)));
  }
  return *digits;
}

Result<QualificationRecord> parse_record(const Element& node, const std::string& path) {
  if (node.leaf) return fail(invalid(path, "must be a structure"));
  QualificationRecord r;
  ONSHI_TRY(read_fields(node, path, r, kRecordFields));
  ONSHI_TRY(read_fields(node, path, r.consents, kConsentFields));
  // Newer answers spell the drug-information consent differently (§1.5).
  if (r.consents.pharmaceutical.empty()) {
    ONSHI_TRY_ASSIGN(r.consents.pharmaceutical, read_leaf(node, path, "PharmaceuticalInfoConsFlg",
                                                          code(codes::kConsent), false));
  }
  ONSHI_TRY_ASSIGN(r.insurer_number, read_insurer(node, path, false));
  ONSHI_TRY_ASSIGN(const Element* elderly,
                   read_node(node, path, "ElderlyRecipientCertificateInfo", false));
  if (elderly != nullptr) {
    r.elderly_recipient.emplace();
    ONSHI_TRY(read_fields(*elderly, path + ".ElderlyRecipientCertificateInfo", *r.elderly_recipient,
                          kElderlyFields));
  }
  ONSHI_TRY_ASSIGN(const Element* limit,
                   read_node(node, path, "LimitApplicationCertificateRelatedInfo", false));
  if (limit != nullptr) {
    r.limit_certificate.emplace();
    ONSHI_TRY(read_fields(*limit, path + ".LimitApplicationCertificateRelatedInfo",
                          *r.limit_certificate, kLimitFields));
  }
  ONSHI_TRY_ASSIGN(const Element* diseases,
                   read_node(node, path, "SpecificDiseasesCertificateList", false));
  if (diseases != nullptr) {
    const auto infos = diseases->children_named("SpecificDiseasesCertificateInfo");
    for (std::size_t i = 0; i < infos.size(); ++i) {
      const std::string at = fmt::format(
          "{}.SpecificDiseasesCertificateList.SpecificDiseasesCertificateInfo[{}]", path, i);
      if (infos[i]->leaf) return fail(invalid(at, "must be a structure"));
      SpecificDiseaseInfo d;
      ONSHI_TRY(read_fields(*infos[i], at, d, kDiseaseFields));
      r.specific_diseases.push_back(std::move(d));
    }
  }
  return r;
}

Result<std::vector<QualificationRecord>> parse_records(const Element& parent,
                                                       const std::string& path) {
  std::vector<QualificationRecord> records;
  const auto nodes = parent.children_named("ResultOfQualificationConfirmation");
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    ONSHI_TRY_ASSIGN(
        auto r,
        parse_record(*nodes[i], fmt::format("{}.ResultOfQualificationConfirmation[{}]", path, i)));
    records.push_back(std::move(r));
  }
  return records;
}

struct Envelope {
  ResponseHeader header;
  const Element* body = nullptr;  // nullptr when the answer has no MessageBody
};

Result<Envelope> parse_envelope(const Element& msg) {
  if (msg.name != kRootName || msg.leaf) {
    return fail(Errc::elig_message_invalid, "the answer is not an XmlMsg structure");
  }
  const std::string path(kRootName);
  ONSHI_TRY_ASSIGN(const Element* header, read_node(msg, path, "MessageHeader", true));
  Envelope e;
  ONSHI_TRY(read_fields(*header, path + ".MessageHeader", e.header, kHeaderFields));
  if (e.header.segment_of_result == kSegmentAbnormal && e.header.error_code.empty()) {
    return fail(invalid(path + ".MessageHeader.ErrorCode", "missing with SegmentOfResult 9"));
  }
  ONSHI_TRY_ASSIGN(
      e.body, read_node(msg, path, "MessageBody", e.header.segment_of_result == kSegmentNormal));
  return e;
}

// ProcessingResultStatus/Code/Message and QualificationValidity of a result or a 一括 unit.
template <typename T>
Status read_outcome(const Element& node, const std::string& path, T& out) {
  ONSHI_TRY_ASSIGN(out.processing_result_status, read_leaf(node, path, "ProcessingResultStatus",
                                                           code(codes::kProcessingStatus), true));
  ONSHI_TRY_ASSIGN(out.processing_result_code,
                   read_leaf(node, path, "ProcessingResultCode", text(64), false));
  ONSHI_TRY_ASSIGN(out.processing_result_message,
                   read_leaf(node, path, "ProcessingResultMessage", text(400), false));
  ONSHI_TRY_ASSIGN(
      out.qualification_validity,
      read_leaf(node, path, "QualificationValidity", code(codes::kQualificationValidity), false));
  if (out.processing_result_status == kStatusError && out.processing_result_code.empty()) {
    return fail(invalid(path + ".ProcessingResultCode", "missing with ProcessingResultStatus 2"));
  }
  return {};
}

// The echo of what was sent: read as text, not judged (a patient's own wrong birth date must not
// hide the answer about it).
Result<SearchInfo> parse_echoed_search(const Element& node, const std::string& path) {
  if (node.leaf) return fail(invalid(path, "must be a structure"));
  SearchInfo s;
  ONSHI_TRY_ASSIGN(const std::string insurer,
                   read_leaf(node, path, "InsurerNumber", text(8), false));
  s.insurer_number = insurer_digits(insurer).value_or(insurer);
  ONSHI_TRY_ASSIGN(s.insured_card_symbol,
                   read_leaf(node, path, "InsuredCardSymbol", text(20), false));
  ONSHI_TRY_ASSIGN(s.insured_identification_number,
                   read_leaf(node, path, "InsuredIdentificationNumber", text(20), false));
  ONSHI_TRY_ASSIGN(s.insured_branch_number,
                   read_leaf(node, path, "InsuredBranchNumber", text(2), false));
  ONSHI_TRY_ASSIGN(s.birthdate, read_leaf(node, path, "Birthdate", text(8), false));
  ONSHI_TRY_ASSIGN(
      s.limit_consent,
      read_leaf(node, path, "LimitApplicationCertificateRelatedConsFlg", text(1), false));
  ONSHI_TRY_ASSIGN(s.arbitrary_identifier,
                   read_leaf(node, path, "ArbitraryIdentifier", text(100), false));
  return s;
}

}  // namespace

Result<QualificationResponse> parse_qualification_response(const Element& msg) {
  ONSHI_TRY_ASSIGN(Envelope e, parse_envelope(msg));
  QualificationResponse r;
  r.header = std::move(e.header);
  if (r.header.segment_of_result != kSegmentNormal) return r;
  const std::string path = "XmlMsg.MessageBody";
  ONSHI_TRY(read_outcome(*e.body, path, r));
  ONSHI_TRY_ASSIGN(const Element* list, read_node(*e.body, path, "ResultList", false));
  if (list != nullptr) {
    ONSHI_TRY_ASSIGN(r.results, parse_records(*list, path + ".ResultList"));
  }
  if (r.processing_result_status == kStatusNormal && r.qualification_validity.empty()) {
    return fail(invalid(path + ".QualificationValidity", "missing in a normal result"));
  }
  const bool found = r.qualification_validity == kValidityValid ||
                     r.qualification_validity == kValidityInvalid ||
                     r.qualification_validity == kValidityInvalidNewer ||
                     r.qualification_validity == kValidityMultiple;
  if (r.processing_result_status == kStatusNormal && found && r.results.empty()) {
    return fail(
        invalid(path + ".ResultList", fmt::format("QualificationValidity {} needs at least one "
                                                  "ResultOfQualificationConfirmation",
                                                  r.qualification_validity)));
  }
  return r;
}

Result<BulkSubmitResponse> parse_bulk_submit_response(const Element& msg) {
  ONSHI_TRY_ASSIGN(Envelope e, parse_envelope(msg));
  BulkSubmitResponse r;
  r.header = std::move(e.header);
  if (r.header.segment_of_result != kSegmentNormal) return r;
  const std::string path = "XmlMsg.MessageBody";
  ONSHI_TRY_ASSIGN(r.reception_number, read_leaf(*e.body, path, "ReceptionNumber", text(64), true));
  ONSHI_TRY_ASSIGN(r.reception_date_time,
                   read_leaf(*e.body, path, "ReceptionDateTime", date_time(), false));
  return r;
}

Result<BulkFetchResponse> parse_bulk_fetch_response(const Element& msg) {
  ONSHI_TRY_ASSIGN(Envelope e, parse_envelope(msg));
  BulkFetchResponse r;
  r.header = std::move(e.header);
  if (r.header.segment_of_result != kSegmentNormal) return r;
  const std::string path = "XmlMsg.MessageBody";
  const auto units = e.body->children_named("BulkConfirmUnit");
  for (std::size_t i = 0; i < units.size(); ++i) {
    const std::string at = fmt::format("{}.BulkConfirmUnit[{}]", path, i);
    if (units[i]->leaf) return fail(invalid(at, "must be a structure"));
    BulkUnit u;
    const auto searches = units[i]->children_named("QualificationConfirmSearchInfo");
    if (searches.size() != 1) {
      return fail(invalid(at + ".QualificationConfirmSearchInfo", "must appear exactly once"));
    }
    ONSHI_TRY_ASSIGN(u.search,
                     parse_echoed_search(*searches[0], at + ".QualificationConfirmSearchInfo[0]"));
    ONSHI_TRY(read_outcome(*units[i], at, u));
    ONSHI_TRY_ASSIGN(u.results, parse_records(*units[i], at));
    ONSHI_TRY_ASSIGN(u.reference_number,
                     read_leaf(*units[i], at, "ReferenceNumber", text(50), false));
    r.units.push_back(std::move(u));
  }
  if (!r.header.number_of_processing_result.empty() &&
      r.header.number_of_processing_result != std::to_string(r.units.size())) {
    return fail(invalid("XmlMsg.MessageHeader.NumberOfProcessingResult",
                        fmt::format("says {} but the answer holds {} BulkConfirmUnit",
                                    r.header.number_of_processing_result, r.units.size())));
  }
  return r;
}

Status expect_segment_normal(const ResponseHeader& header) {
  if (header.segment_of_result == kSegmentProcessing) {
    return fail(Errc::elig_not_ready, "SegmentOfResult 2 (処理中): ask again later");
  }
  if (header.segment_of_result == kSegmentAbnormal) {
    return fail(Errc::elig_rejected, fmt::format("SegmentOfResult 9 (異常終了): {} {}",
                                                 header.error_code, header.error_message));
  }
  return {};
}

}  // namespace onshi::xmlmsg
