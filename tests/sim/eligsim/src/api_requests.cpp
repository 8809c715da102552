#include "api_requests.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "onshi/base64.hpp"
#include "onshi/check_digit.hpp"
#include "onshi/xmlmsg/codes.hpp"
#include "onshi/xmlmsg/insurer_number.hpp"
#include "onshi/xmlmsg/json_form.hpp"
#include "onshi/xmlmsg/text.hpp"

namespace onshi::sim::eligsim {
namespace {

using xmlmsg::all_digits;
using xmlmsg::characters;
using xmlmsg::Element;
using xmlmsg::is_valid_date;
using xmlmsg::utf8_prefix;

Problem abnormal(std::string code, std::string message) {
  return Problem{true, std::move(code), std::move(message)};
}
Problem field(std::string code, std::string message) {
  return Problem{false, std::move(code), std::move(message)};
}

// The text of a leaf, "" when absent; nullptr result means "present but a structure".
std::optional<std::string> leaf(const Element& node, std::string_view name) {
  const Element* e = node.child(name);
  if (e == nullptr) return std::string();
  if (!e->leaf) return std::nullopt;
  return e->text;
}

struct Message {
  Element root;
  const Element* body = nullptr;
  Header header;
};

Parsed<Message> parse_message(std::string_view body, bool with_date) {
  auto root = xmlmsg::parse_json(body);
  if (!root)
    return abnormal("SIM9001", root.error().message);  // answers.cpp makes it safe to quote
  Message m;
  m.root = std::move(*root);
  const Element* header = m.root.child("MessageHeader");
  if (header == nullptr || header->leaf) return abnormal("SIM9002", "MessageHeader: missing");
  const auto institution = leaf(*header, "MedicalInstitutionCode");
  if (!institution || institution->empty()) {
    return abnormal("SIM9002", "MessageHeader.MedicalInstitutionCode: missing");
  }
  if (auto problem = institution_code_problem(*institution)) {
    return abnormal("SIM9002", "MessageHeader.MedicalInstitutionCode: " + *problem);
  }
  m.header.medical_institution_code = *institution;
  if (with_date) {
    const auto date = leaf(*header, "QualificationConfirmationDate");
    if (!date || !is_valid_date(*date)) {
      return abnormal("SIM9002", "MessageHeader.QualificationConfirmationDate: must be YYYYMMDD");
    }
    m.header.qualification_confirmation_date = *date;
  }
  const auto file_id = leaf(*header, "ArbitraryFileIdentifier");
  if (!file_id || characters(*file_id) > 100) {
    return abnormal("SIM9002", "MessageHeader.ArbitraryFileIdentifier: text up to 100 characters");
  }
  m.header.arbitrary_file_identifier = *file_id;
  m.body = m.root.child("MessageBody");
  if (m.body == nullptr || m.body->leaf) return abnormal("SIM9002", "MessageBody: missing");
  return m;
}

// The fields of QualificationConfirmSearchInfo and the longest echo onshi's parser reads.
constexpr std::pair<std::string_view, std::size_t> kEchoedFields[] = {
    {"InsurerNumber", 8},
    {"InsuredCardSymbol", 20},
    {"InsuredIdentificationNumber", 20},
    {"InsuredBranchNumber", 2},
    {"Birthdate", 8},
    {"LimitApplicationCertificateRelatedConsFlg", 1},
    {"ArbitraryIdentifier", 100}};

Element echo_of(const Element& info) {
  Element echo = Element::make_node("QualificationConfirmSearchInfo");
  if (info.leaf) return echo;
  for (const auto& [name, limit] : kEchoedFields) {
    const Element* e = info.child(name);
    if (e == nullptr || !e->leaf) continue;
    echo.add_leaf(std::string(name), std::string(utf8_prefix(e->text, limit)));
  }
  return echo;
}

// QualificationConfirmSearchInfo (eligibility-system.md §1.5).
Parsed<Search> parse_search(const Element& info) {
  Search s;
  s.echo = echo_of(info);
  if (info.leaf) return field("SIM2000", "QualificationConfirmSearchInfo: must be a structure");
  const auto text = [&](std::string_view name) { return leaf(info, name); };
  const auto insurer = text("InsurerNumber");
  const auto symbol = text("InsuredCardSymbol");
  const auto number = text("InsuredIdentificationNumber");
  const auto branch = text("InsuredBranchNumber");
  const auto birth = text("Birthdate");
  const auto consent = text("LimitApplicationCertificateRelatedConsFlg");
  const auto arbitrary = text("ArbitraryIdentifier");
  if (!insurer || !symbol || !number || !branch || !birth || !consent || !arbitrary) {
    return field("SIM2000", "QualificationConfirmSearchInfo: every field must be text");
  }
  const auto digits = xmlmsg::insurer_digits(*insurer);
  if (!digits) {
    return field("SIM2001", fmt::format("InsurerNumber \"{}\": 8 characters, a 6-digit 国保 "
                                        "number padded with spaces or zeros",
                                        std::string(utf8_prefix(*insurer, 16))));
  }
  if (auto problem = xmlmsg::insurer_number_problem(*digits)) {
    return field("SIM2002", "InsurerNumber: " + *problem);
  }
  s.insurer_number = *digits;
  if (characters(*symbol) > 20) return field("SIM2006", "InsuredCardSymbol: up to 20 characters");
  if (digits->substr(0, 2) == "39" && digits->size() == 8 && !symbol->empty()) {
    return field("SIM2006", "InsuredCardSymbol: a 後期高齢 number has no 記号");
  }
  s.symbol = *symbol;
  if (number->empty() || characters(*number) > 20) {
    return field("SIM2004", "InsuredIdentificationNumber: 1 to 20 characters");
  }
  s.number = *number;
  if (!branch->empty() && (branch->size() != 2 || !all_digits(*branch))) {
    return field("SIM2005", "InsuredBranchNumber: 2 digits or empty");
  }
  s.branch = *branch;
  if (!is_valid_date(*birth)) return field("SIM2003", "Birthdate: must be a date YYYYMMDD");
  s.birthdate = *birth;
  if (!consent->empty() && !xmlmsg::codes::kLimitConsent.contains(*consent)) {
    return field("SIM2007", "LimitApplicationCertificateRelatedConsFlg: 0 or 1 (OQSCD001)");
  }
  s.limit_consent = consent->empty() ? "0" : *consent;
  if (characters(*arbitrary) > 100) {
    return field("SIM2000", "ArbitraryIdentifier: up to 100 characters");
  }
  s.arbitrary_identifier = *arbitrary;
  return s;
}

template <typename T>
bool is_problem(const Parsed<T>& p) {
  return std::holds_alternative<Problem>(p);
}

}  // namespace

Parsed<AuthRequest> parse_auth_request(std::string_view body) {
  const auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return abnormal("SIM9001", "the auth body must be a JSON object");
  }
  const auto it = j.find("medicalInstitutionCode");
  if (it == j.end() || !it->is_string()) {
    return abnormal("SIM9002", "medicalInstitutionCode: a string is required");
  }
  const std::string code = it->get<std::string>();
  if (auto problem = institution_code_problem(code)) {
    return abnormal("SIM9002", "medicalInstitutionCode: " + *problem);
  }
  return AuthRequest{code};
}

Parsed<SearchRequest> parse_search_request(std::string_view body) {
  auto m = parse_message(body, true);
  if (is_problem(m)) return std::get<Problem>(m);
  auto& message = std::get<Message>(m);
  const auto infos = message.body->children_named("QualificationConfirmSearchInfo");
  if (infos.size() != 1) {
    return abnormal("SIM9002", fmt::format("MessageBody.QualificationConfirmSearchInfo: a 個別照会 "
                                           "carries exactly one, not {}",
                                           infos.size()));
  }
  auto search = parse_search(*infos[0]);
  if (is_problem(search)) return std::get<Problem>(search);
  return SearchRequest{std::move(message.header), std::move(std::get<Search>(search))};
}

Parsed<BulkSubmitRequest> parse_bulk_submit_request(std::string_view body) {
  auto m = parse_message(body, true);
  if (is_problem(m)) return std::get<Problem>(m);
  auto& message = std::get<Message>(m);
  const auto infos = message.body->children_named("QualificationConfirmSearchInfo");
  if (infos.empty()) {
    return abnormal("SIM9002", "MessageBody.QualificationConfirmSearchInfo: at least one patient");
  }
  if (infos.size() > kMaxBulkPatients) {
    return abnormal("SIM9005", fmt::format("{} patients in one 一括照会, more than the {} allowed",
                                           infos.size(), kMaxBulkPatients));
  }
  BulkSubmitRequest r{std::move(message.header), {}};
  for (const Element* info : infos) {
    auto search = parse_search(*info);
    BulkPatient patient;
    if (is_problem(search)) {
      patient.problem = std::get<Problem>(search);
      patient.search.echo = echo_of(*info);
    } else {
      patient.search = std::move(std::get<Search>(search));
    }
    r.patients.push_back(std::move(patient));
  }
  return r;
}

Parsed<BulkFetchRequest> parse_bulk_fetch_request(std::string_view body) {
  auto m = parse_message(body, false);
  if (is_problem(m)) return std::get<Problem>(m);
  auto& message = std::get<Message>(m);
  const auto number = leaf(*message.body, "ReceptionNumber");
  if (!number || number->empty() || number->size() > 64) {
    return abnormal("SIM9002", "MessageBody.ReceptionNumber: missing");
  }
  return BulkFetchRequest{std::move(message.header), *number};
}

Parsed<VerifyRequest> parse_verify_request(std::string_view body) {
  auto m = parse_message(body, true);
  if (is_problem(m)) return std::get<Problem>(m);
  auto& message = std::get<Message>(m);
  const Element* info = message.body->child("MyNumberCardVerificationInfo");
  if (info == nullptr || info->leaf) {
    return abnormal("SIM9002", "MessageBody.MyNumberCardVerificationInfo: missing");
  }
  for (const auto& child : info->children) {
    if (!child.leaf) {
      return field("SIM2100", "MyNumberCardVerificationInfo." + child.name +
                                  ": must be text, not a structure");
    }
  }
  VerifyRequest r;
  r.header = std::move(message.header);
  const auto get = [&](std::string_view name) { return leaf(*info, name).value_or(""); };
  r.challenge_id = get("ChallengeId");
  const std::string mode = get("VerificationMode");
  if (mode == "1") {
    r.mode = xmlmsg::VerificationMode::pin;
  } else if (mode == "2") {
    r.mode = xmlmsg::VerificationMode::face;
  } else if (mode == "3") {
    r.mode = xmlmsg::VerificationMode::visual;
  } else {
    return field("SIM2100", "VerificationMode: 1 (PIN), 2 (face) or 3 (目視)");
  }
  if (r.challenge_id.empty() || r.challenge_id.size() > 128) {
    return field("SIM2101", "ChallengeId: missing");
  }
  const auto cert = from_base64(get("UserAuthenticationCertificate"), 32 * 1024);
  if (!cert || cert->empty()) {
    return field("SIM2102", "UserAuthenticationCertificate: base64 of the DER certificate");
  }
  r.certificate_der.assign(cert->begin(), cert->end());
  const auto proof = from_base64(get("Proof"), 2048);
  if (!proof || proof->empty()) return field("SIM2103", "Proof: base64 of the signature");
  r.proof.assign(proof->begin(), proof->end());
  r.face_match_result = get("FaceMatchResult");
  r.face_match_score = get("FaceMatchScore");
  auto& c = r.consents;
  c.pharmaceutical = get("PharmacistsInfoConsFlg");
  c.specific_health_checkups = get("SpecificHealthCheckupsInfoConsFlg");
  c.diagnosis = get("DiagnosisInfoConsFlg");
  c.operation = get("OperationInfoConsFlg");
  c.limit = get("LimitApplicationCertificateRelatedConsFlg");
  c.specific_diseases = get("SpecificDiseasesCertificateRelatedConsFlg");
  for (const std::string* v :
       {&c.pharmaceutical, &c.specific_health_checkups, &c.diagnosis, &c.operation}) {
    if (!v->empty() && !xmlmsg::codes::kConsent.contains(*v)) {
      return field("SIM2107", "a consent flag is not an OQSCD016 value (0, 1, 2, 3)");
    }
  }
  for (const std::string* v : {&c.limit, &c.specific_diseases}) {
    if (!v->empty() && !xmlmsg::codes::kLimitConsent.contains(*v)) {
      return field("SIM2107", "a 限度額/特定疾病 consent flag is not 0 or 1 (OQSCD001)");
    }
  }
  if (r.mode == xmlmsg::VerificationMode::face && r.face_match_result != "1" &&
      r.face_match_result != "2") {
    return field("SIM2104", "FaceMatchResult: face mode needs 1 (matched) or 2 (not matched)");
  }
  if (r.face_match_score.size() > 4 ||
      (!r.face_match_score.empty() && !all_digits(r.face_match_score))) {
    return field("SIM2100", "FaceMatchScore: digits");
  }
  return r;
}

}  // namespace onshi::sim::eligsim
