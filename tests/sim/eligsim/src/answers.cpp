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

// A message that quotes input (the JSON parser's reason quotes the bytes it stopped at) as valid
// UTF-8 within the 400 characters onshi's parser reads: invalid bytes become '?', the end is cut
// before a character.
std::string safe_message(std::string_view text) {
  constexpr std::size_t kMaxCharacters = 300;
  std::string out;
  std::size_t characters = 0;
  for (std::size_t i = 0; i < text.size() && characters < kMaxCharacters; ++characters) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t n = c < 0x80           ? 1
                          : (c >> 5) == 0x6  ? 2
                          : (c >> 4) == 0xE  ? 3
                          : (c >> 3) == 0x1E ? 4
                                             : 0;
    bool valid = n > 0 && i + n <= text.size() && (n == 1 ? c >= 0x20 || c == '\t' : c >= 0xC2);
    for (std::size_t k = 1; valid && k < n; ++k) {
      valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    }
    if (valid && n == 3) {  // no overlong forms or surrogates
      const auto c1 = static_cast<unsigned char>(text[i + 1]);
      valid = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);
    }
    if (valid && n == 4) {
      const auto c1 = static_cast<unsigned char>(text[i + 1]);
      valid = c <= 0xF4 && !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    if (!valid) {
      out += '?';
      ++i;
      continue;
    }
    out.append(text.substr(i, n));
    i += n;
  }
  return out;
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
void add_consent(Element& e, std::string_view stem, const std::string& flag,
                 const std::string& now) {
  if (flag.empty()) return;
  e.add_leaf(fmt::format("{}ConsFlg", stem), flag);
  if (flag == "1") e.add_leaf(fmt::format("{}ConsTime", stem), now);
}

}  // namespace

Element abnormal_answer(const AnswerContext& c, const Problem& p) {
  Element msg = Element::make_node(std::string(xmlmsg::kRootName));
  Element h = header_element(c, xmlmsg::kSegmentAbnormal);
  h.add_leaf("ErrorCode", p.code);
  h.add_leaf("ErrorMessage", safe_message(p.message));
  msg.add(std::move(h));
  return msg;
}

Element field_error_answer(const AnswerContext& c, const Problem& p) {
  Element msg = Element::make_node(std::string(xmlmsg::kRootName));
  msg.add(header_element(c, xmlmsg::kSegmentNormal));
  Element& body = msg.add_node("MessageBody");
  body.add_leaf("ProcessingResultStatus", std::string(xmlmsg::kStatusError));
  body.add_leaf("ProcessingResultCode", p.code);
  body.add_leaf("ProcessingResultMessage", safe_message(p.message));
  return msg;
}

Element problem_answer(const AnswerContext& c, const Problem& p) {
  return p.abnormal ? abnormal_answer(c, p) : field_error_answer(c, p);
}

Element bulk_header(const AnswerContext& c, const std::string& reception_number,
                    std::string_view segment) {
  Element h = Element::make_node("MessageHeader");
  h.add_leaf("ProcessExecutionTime", c.now);
  h.add_leaf("MedicalInstitutionCode", c.header.medical_institution_code);
  if (!c.header.arbitrary_file_identifier.empty()) {
    h.add_leaf("ArbitraryFileIdentifier", c.header.arbitrary_file_identifier);
  }
  if (!reception_number.empty()) h.add_leaf("ReceptionNumber", reception_number);
  h.add_leaf("SegmentOfResult", std::string(segment));
  h.add_leaf("CharacterCodeIdentifier", kCharacterCodeUtf8);
  return h;
}

std::vector<Match> matches_for(const Dataset& dataset, const Search& s) {
  std::vector<Match> matches;
  for (const auto& m : dataset.by_card(s.insurer_number, s.symbol, s.number)) {
    if (m.person->birthdate != s.birthdate) continue;
    if (!s.branch.empty() && m.qualification->branch != s.branch) continue;
    matches.push_back(m);
  }
  return matches;
}

std::string validity_of(const std::vector<Match>& matches, const std::string& date) {
  if (matches.empty()) return std::string(xmlmsg::kValidityNone);
  std::set<std::string> persons;
  for (const auto& m : matches) persons.insert(m.person->id);
  if (persons.size() > 1) return std::string(xmlmsg::kValidityMultiple);
  const Match& m = matches.front();
  if (m.qualification->valid_on(date)) return std::string(xmlmsg::kValidityValid);
  // 3 only for a qualification that began after the one the card shows (found in review: an
  // older one valid on an earlier date answered 3 for the newer card).
  for (const auto& q : m.person->qualifications) {
    if (&q != m.qualification && q.valid_on(date) &&
        q.qualification_date > m.qualification->qualification_date) {
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
  // 未就学 is judged on the date asked about, and brings the 2割 burden with it.
  const bool preschool = preschool_on(p.birthdate, date);
  if (preschool) r.add_leaf("PreschoolClassification", "1");
  r.add_leaf("InsuredPartialContributionRatio", preschool ? "020" : q.ratio);
  if (q.elderly) {
    Element& e = r.add_node("ElderlyRecipientCertificateInfo");
    e.add_leaf("ElderlyRecipientValidStartDate", q.elderly->start_date);
    e.add_leaf("ElderlyRecipientContributionRatio", q.elderly->ratio);
  }
  // 限度額 (OQSCD001): the information only with the patient's consent.
  r.add_leaf("LimitApplicationCertificateRelatedConsFlg", d.limit_consent);
  if (d.limit_consent == "1") {
    r.add_leaf("LimitApplicationCertificateRelatedConsTime", now);
    if (q.limit && q.limit->start_date <= date && date <= q.limit->end_date) {
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
        if (disease.start_date > date) continue;
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
