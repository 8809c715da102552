#include "answers.hpp"

#include <fmt/format.h>

#include <set>

#include "onshi/xmlmsg/codes.hpp"
#include "onshi/xmlmsg/insurer_number.hpp"
#include "onshi/xmlmsg/json_form.hpp"

namespace onshi::sim::eligsim {
namespace {

using xmlmsg::Element;

// OQSCD005: public implementations disagree (§1.9); the JSON form is UTF-8 and onshi sends "0",
// as the UTF-8 fixture of one implementation carries.
constexpr const char* kCharacterCodeUtf8 = "0";

Element header_element(const AnswerContext& c, std::string_view segment) {
  Element h = Element::make_node("MessageHeader");
  h.add_leaf("ProcessExecutionTime", c.now);
  if (!c.header.qualification_confirmation_date.empty()) {
    h.add_leaf("QualificationConfirmationDate", c.header.qualification_confirmation_date);
  }
  h.add_leaf("MedicalInstitutionCode", c.header.medical_institution_code);
  if (!c.header.arbitrary_file_identifier.empty()) {
    h.add_leaf("ArbitraryFileIdentifier", c.header.arbitrary_file_identifier);
  }
  if (!c.reference_classification.empty()) {
    h.add_leaf("ReferenceClassification", c.reference_classification);
  }
  h.add_leaf("SegmentOfResult", std::string(segment));
  h.add_leaf("CharacterCodeIdentifier", kCharacterCodeUtf8);
  return h;
}

void add_if(Element& e, std::string name, const std::string& value) {
  if (!value.empty()) e.add_leaf(std::move(name), value);
}

bool preschool_on(const std::string& birthdate, const std::string& date) {
  // Under six on the date (the 未就学 rule proper runs to the 31 March after the 6th birthday).
  const int born = std::stoi(birthdate.substr(0, 4));
  const int year = std::stoi(date.substr(0, 4));
  const int age = year - born - (date.substr(4) < birthdate.substr(4) ? 1 : 0);
  return age < 6;
}

// The consent flag and its time, as the patient answered on the reader.
void add_consent(Element& e, std::string_view stem, const std::string& flag, const std::string& now) {
  if (flag.empty()) return;
  e.add_leaf(fmt::format("{}ConsFlg", stem), flag);
  if (flag == "1") e.add_leaf(fmt::format("{}ConsTime", stem), now);
}

}  // namespace

Element abnormal_answer(const AnswerContext& c, const Problem& p) {
  Element msg = Element::make_node(std::string(xmlmsg::kRootName));
  Element h = header_element(c, xmlmsg::kSegmentAbnormal);
  h.add_leaf("ErrorCode", p.code);
  h.add_leaf("ErrorMessage", p.message);
  msg.add(std::move(h));
  return msg;
}

Element field_error_answer(const AnswerContext& c, const Problem& p) {
  Element msg = Element::make_node(std::string(xmlmsg::kRootName));
  msg.add(header_element(c, xmlmsg::kSegmentNormal));
  Element& body = msg.add_node("MessageBody");
  body.add_leaf("ProcessingResultStatus", std::string(xmlmsg::kStatusError));
  body.add_leaf("ProcessingResultCode", p.code);
  body.add_leaf("ProcessingResultMessage", p.message);
  return msg;
}

std::string validity_of(const std::vector<Match>& matches, const std::string& date) {
  if (matches.empty()) return std::string(xmlmsg::kValidityNone);
  std::set<std::string> persons;
  for (const auto& m : matches) persons.insert(m.person->id);
  if (persons.size() > 1) return std::string(xmlmsg::kValidityMultiple);
  const Match& m = matches.front();
  if (m.qualification->valid_on(date)) return std::string(xmlmsg::kValidityValid);
  for (const auto& q : m.person->qualifications) {
    if (&q != m.qualification && q.valid_on(date)) {
      return std::string(xmlmsg::kValidityInvalidNewer);
    }
  }
  return std::string(xmlmsg::kValidityInvalid);
}

Element record_element(const Match& match, const std::string& date, const Disclosure& d,
                       const std::string& now) {
  const Person& p = *match.person;
  const Qualification& q = *match.qualification;
  Element r = Element::make_node("ResultOfQualificationConfirmation");
  r.add_leaf("InsuredCardClassification", q.card_classification);
  r.add_leaf("InsurerNumber", xmlmsg::insurer_field(q.insurer_number).value_or(q.insurer_number));
  add_if(r, "InsuredCardSymbol", q.symbol);
  r.add_leaf("InsuredIdentificationNumber", q.number);
  r.add_leaf("InsuredBranchNumber", q.branch);
  r.add_leaf("PersonalFamilyClassification", q.family);
  r.add_leaf("InsuredName", q.insured_name);
  r.add_leaf("Name", p.name);
  r.add_leaf("NameKana", p.name_kana);
  r.add_leaf("Sex1", p.sex);
  r.add_leaf("Birthdate", p.birthdate);
  r.add_leaf("Address", p.address);
  r.add_leaf("PostNumber", p.post_number);
  r.add_leaf("InsurerName", q.insurer_name);
  r.add_leaf("QualificationDate", q.qualification_date);
  add_if(r, "DisqualificationDate", q.disqualification_date);
  add_if(r, "ReasonOfLoss", q.reason_of_loss);
  r.add_leaf("InsuredCertificateIssuanceDate", q.card_issuance_date);
  r.add_leaf("InsuredCardValidDate", q.qualification_date);
  if (preschool_on(p.birthdate, date)) r.add_leaf("PreschoolClassification", "1");
  r.add_leaf("InsuredPartialContributionRatio", q.ratio);
  if (q.elderly) {
    Element& e = r.add_node("ElderlyRecipientCertificateInfo");
    e.add_leaf("ElderlyRecipientValidStartDate", q.elderly->start_date);
    e.add_leaf("ElderlyRecipientContributionRatio", q.elderly->ratio);
  }
  // 限度額 (OQSCD001): the information only with the patient's consent.
  r.add_leaf("LimitApplicationCertificateRelatedConsFlg", d.limit_consent);
  if (d.limit_consent == "1") {
    r.add_leaf("LimitApplicationCertificateRelatedConsTime", now);
    if (q.limit) {
      Element& l = r.add_node("LimitApplicationCertificateRelatedInfo");
      l.add_leaf("LimitApplicationCertificateClassification", q.limit->classification);
      l.add_leaf("LimitApplicationCertificateClassificationFlag", q.limit->flag);
      l.add_leaf("LimitApplicationCertificateValidStartDate", q.limit->start_date);
      l.add_leaf("LimitApplicationCertificateValidEndDate", q.limit->end_date);
    }
    r.add_leaf("LimitApplicationCertificateChanged", "0");
  }
  if (!d.specific_diseases_consent.empty()) {
    add_consent(r, "SpecificDiseasesCertificateRelated", d.specific_diseases_consent, now);
    if (d.specific_diseases_consent == "1" && !q.diseases.empty()) {
      Element& list = r.add_node("SpecificDiseasesCertificateList");
      for (const auto& disease : q.diseases) {
        Element& info = list.add_node("SpecificDiseasesCertificateInfo");
        info.add_leaf("SpecificDiseasesDiseaseCategory", disease.category);
        info.add_leaf("SpecificDiseasesValidStartDate", disease.start_date);
        info.add_leaf("SpecificDiseasesSelfPay", disease.self_pay);
      }
    }
  }
  if (d.answers != nullptr) {
    add_consent(r, "PharmacistsInfo", d.answers->pharmaceutical, now);
    add_consent(r, "SpecificHealthCheckupsInfo", d.answers->specific_health_checkups, now);
    add_consent(r, "DiagnosisInfo", d.answers->diagnosis, now);
    add_consent(r, "OperationInfo", d.answers->operation, now);
  }
  return r;
}

Element qualification_answer(const AnswerContext& c, const std::vector<Match>& matches,
                             const Disclosure& d) {
  const std::string& date = c.header.qualification_confirmation_date;
  Element msg = Element::make_node(std::string(xmlmsg::kRootName));
  msg.add(header_element(c, xmlmsg::kSegmentNormal));
  Element& body = msg.add_node("MessageBody");
  if (!matches.empty()) {
    Element& list = body.add_node("ResultList");
    for (const auto& m : matches) list.add(record_element(m, date, d, c.now));
  }
  body.add_leaf("ProcessingResultStatus", std::string(xmlmsg::kStatusNormal));
  body.add_leaf("QualificationValidity", validity_of(matches, date));
  return msg;
}

}  // namespace onshi::sim::eligsim
