#include "onshi/api/result_json.hpp"

#include <fmt/format.h>

#include <set>
#include <string>

#include "onshi/xmlmsg/codes.hpp"
#include "onshi/xmlmsg/text.hpp"

namespace onshi::api {
namespace {

using nlohmann::json;
namespace codes = xmlmsg::codes;
using xmlmsg::all_digits;

json text(const std::string& v) { return v.empty() ? json(nullptr) : json(v); }

json code(const xmlmsg::CodeTable& table, const std::string& v) {
  if (v.empty()) return nullptr;
  const auto meaning = table.meaning(v);
  return json{{"code", v}, {"meaning", meaning ? json(std::string(*meaning)) : json(nullptr)}};
}

// YYYYMMDD → YYYY-MM-DD; anything else as it came (the parser has checked it; be robust).
json date(const std::string& v) {
  if (v.empty()) return nullptr;
  if (v.size() != 8 || !all_digits(v)) return v;
  return fmt::format("{}-{}-{}", v.substr(0, 4), v.substr(4, 2), v.substr(6, 2));
}

// YYYYMMDDHHMMSS, Japan time (the eligibility system's clock) → ISO 8601 with +09:00.
json date_time(const std::string& v) {
  if (v.empty()) return nullptr;
  if (v.size() != 14 || !all_digits(v)) return v;
  return fmt::format("{}-{}-{}T{}:{}:{}+09:00", v.substr(0, 4), v.substr(4, 2), v.substr(6, 2),
                     v.substr(8, 2), v.substr(10, 2), v.substr(12, 2));
}

json number(const std::string& v) {
  if (v.empty() || v.size() > 15 || !all_digits(v)) return text(v);
  return std::stoll(v);
}

// "030" → {"code":"030","percent":30} (InsuredPartialContributionRatio, §1.5).
json ratio(const std::string& v) {
  if (v.empty()) return nullptr;
  json percent = nullptr;
  if (v.size() <= 3 && all_digits(v)) percent = std::stoi(v);
  return json{{"code", v}, {"percent", std::move(percent)}};
}

json consent(const xmlmsg::CodeTable& table, const std::string& flag, const std::string& time) {
  if (flag.empty() && time.empty()) return nullptr;
  json c = code(table, flag);
  if (c.is_null()) c = json{{"code", nullptr}, {"meaning", nullptr}};
  c["time"] = date_time(time);
  return c;
}

json consents_json(const xmlmsg::ConsentFlags& c) {
  return json{
      {"pharmaceutical", consent(codes::kConsent, c.pharmaceutical, c.pharmaceutical_time)},
      {"specific_health_checkups",
       consent(codes::kConsent, c.specific_health_checkups, c.specific_health_checkups_time)},
      {"diagnosis", consent(codes::kConsent, c.diagnosis, c.diagnosis_time)},
      {"operation", consent(codes::kConsent, c.operation, c.operation_time)},
      {"limit", consent(codes::kLimitConsent, c.limit, c.limit_time)},
      {"specific_diseases",
       consent(codes::kLimitConsent, c.specific_diseases, c.specific_diseases_time)},
  };
}

json elderly_json(const std::optional<xmlmsg::ElderlyRecipientInfo>& e) {
  if (!e) return nullptr;
  return json{{"certificate_date", date(e->certificate_date)},
              {"valid_start_date", date(e->valid_start_date)},
              {"valid_end_date", date(e->valid_end_date)},
              {"burden_ratio", ratio(e->contribution_ratio)}};
}

json limit_json(const std::optional<xmlmsg::LimitCertificateInfo>& l) {
  if (!l) return nullptr;
  return json{{"classification", code(codes::kLimitCertClass, l->classification)},
              {"applied_class", code(codes::kLimitCertFlag, l->classification_flag)},
              {"certificate_date", date(l->certificate_date)},
              {"valid_start_date", date(l->valid_start_date)},
              {"valid_end_date", date(l->valid_end_date)},
              {"long_term_date", date(l->long_term_date)}};
}

json diseases_json(const std::vector<xmlmsg::SpecificDiseaseInfo>& list) {
  json out = json::array();
  for (const auto& d : list) {
    out.push_back(json{{"category", code(codes::kSpecificDisease, d.category)},
                       {"certificate_date", date(d.certificate_date)},
                       {"valid_start_date", date(d.valid_start_date)},
                       {"valid_end_date", date(d.valid_end_date)},
                       {"self_pay", number(d.self_pay)}});
  }
  return out;
}

json record_json(const xmlmsg::QualificationRecord& r) {
  return json{
      {"card_classification", code(codes::kInsuredCardClass, r.insured_card_classification)},
      {"insurer", json{{"number", text(r.insurer_number)}, {"name", text(r.insurer_name)}}},
      {"symbol", text(r.insured_card_symbol)},
      {"number", text(r.insured_identification_number)},
      {"branch", text(r.insured_branch_number)},
      {"personal_family", code(codes::kPersonalFamily, r.personal_family_classification)},
      {"insured_name", text(r.insured_name)},
      {"name", text(r.name)},
      {"name_kana", text(r.name_kana)},
      {"name_of_other", text(r.name_of_other)},
      {"name_of_other_kana", text(r.name_of_other_kana)},
      {"sex", code(codes::kSex, r.sex1)},
      {"sex2", code(codes::kSex, r.sex2)},
      {"birthdate", date(r.birthdate)},
      {"address", text(r.address)},
      {"post_number", text(r.post_number)},
      {"qualification_date", date(r.qualification_date)},
      {"disqualification_date", date(r.disqualification_date)},
      {"reason_of_loss", code(codes::kReasonOfLoss, r.reason_of_loss)},
      {"certificate_issuance_date", date(r.insured_certificate_issuance_date)},
      {"card_valid_date", date(r.insured_card_valid_date)},
      {"card_expiration_date", date(r.insured_card_expiration_date)},
      {"preschool", code(codes::kPreschool, r.preschool_classification)},
      {"burden_ratio", ratio(r.insured_partial_contribution_ratio)},
      {"elderly_recipient", elderly_json(r.elderly_recipient)},
      {"limit_certificate", limit_json(r.limit_certificate)},
      {"limit_changed", code(codes::kLimitChanged, r.limit_changed)},
      {"specific_diseases", diseases_json(r.specific_diseases)},
      {"consents", consents_json(r.consents)},
      {"reference_number", text(r.reference_number)},
  };
}

json records_json(const std::vector<xmlmsg::QualificationRecord>& records) {
  json out = json::array();
  for (const auto& r : records) out.push_back(record_json(r));
  return out;
}

json header_json(const xmlmsg::ResponseHeader& h) {
  return json{
      {"process_execution_time", date_time(h.process_execution_time)},
      {"qualification_confirmation_date", date(h.qualification_confirmation_date)},
      {"medical_institution_code", text(h.medical_institution_code)},
      {"arbitrary_file_identifier", text(h.arbitrary_file_identifier)},
      {"reference_classification", code(codes::kReferenceClass, h.reference_classification)},
      {"segment_of_result", code(codes::kSegmentOfResult, h.segment_of_result)},
      {"error_code", text(h.error_code)},
      {"error_message", text(h.error_message)},
  };
}

template <typename T>
json processing_json(const T& outcome) {
  return json{{"status", code(codes::kProcessingStatus, outcome.processing_result_status)},
              {"code", text(outcome.processing_result_code)},
              {"message", text(outcome.processing_result_message)}};
}

json unit_json(const xmlmsg::BulkUnit& u) {
  // The echo of what was sent is read as text by the parser, not judged: kept as it came.
  const xmlmsg::SearchInfo& s = u.search;
  json search{{"insurer_number", text(s.insurer_number)},
              {"symbol", text(s.insured_card_symbol)},
              {"number", text(s.insured_identification_number)},
              {"branch", text(s.insured_branch_number)},
              {"birthdate", date(s.birthdate)},
              {"limit_consent", code(codes::kLimitConsent, s.limit_consent)}};
  return json{{"id", text(s.arbitrary_identifier)},
              {"search", std::move(search)},
              {"processing", processing_json(u)},
              {"validity", code(codes::kQualificationValidity, u.qualification_validity)},
              {"qualifications", records_json(u.results)},
              {"reference_number", text(u.reference_number)}};
}

}  // namespace

json qualification_json(const xmlmsg::QualificationResponse& r) {
  return json{{"validity", code(codes::kQualificationValidity, r.qualification_validity)},
              {"processing", processing_json(r)},
              {"qualifications", records_json(r.results)},
              {"header", header_json(r.header)}};
}

json bulk_json(const xmlmsg::BulkFetchResponse& r) {
  json header = header_json(r.header);
  header["reception_number"] = text(r.header.reception_number);
  header["counts"] = json{{"processed", number(r.header.number_of_processing_result)},
                          {"normal", number(r.header.number_of_normal_processing)},
                          {"error", number(r.header.number_of_error)}};
  json patients = json::object();
  json unmatched = json::array();
  for (const auto& u : r.units) {
    const std::string& id = u.search.arbitrary_identifier;
    if (id.empty() || patients.contains(id)) {
      unmatched.push_back(unit_json(u));
    } else {
      patients[id] = unit_json(u);
    }
  }
  return json{{"header", std::move(header)},
              {"patients", std::move(patients)},
              {"unmatched", std::move(unmatched)}};
}

json bulk_submit_json(const xmlmsg::BulkSubmitResponse& r) {
  json header = header_json(r.header);
  header["reception_number"] = text(r.header.reception_number);
  return json{{"reception_number", text(r.reception_number)},
              {"reception_date_time", date_time(r.reception_date_time)},
              {"header", std::move(header)}};
}

}  // namespace onshi::api
