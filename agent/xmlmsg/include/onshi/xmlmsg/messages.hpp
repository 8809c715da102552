// The 資格確認 messages as typed values: the requests onshi builds (個別照会, 一括照会 submit and
// fetch, the My Number card verification) and the parser of the answers (eligibility-system.md
// §1.4-§1.6, §1.9, §1.10). The answers are untrusted input: every field is checked against its
// format or code table, and a violation is Errc::elig_message_invalid naming the element.
//
// The parser does not judge outcomes: SegmentOfResult 2 or 9, ProcessingResultStatus 2 and
// QualificationValidity other than 1 are answers, returned as parsed. expect_segment_normal()
// turns the first two into errors, in the decision order of §1.10.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "onshi/result.hpp"
#include "onshi/xmlmsg/element.hpp"

namespace onshi::xmlmsg {

// ----- requests -----------------------------------------------------------------------------

struct RequestHeader {
  std::string qualification_confirmation_date;  // YYYYMMDD (not sent in a 一括 fetch)
  std::string medical_institution_code;         // 10 digits
  std::string arbitrary_file_identifier;        // echoed back; correlates answers
};

// QualificationConfirmSearchInfo (§1.5).
struct SearchInfo {
  std::string insurer_number;                 // the digits: 8, or 6 for 国保 (padded on the wire)
  std::string insured_card_symbol;            // 記号, may be empty (後期高齢 has none)
  std::string insured_identification_number;  // 番号
  std::string insured_branch_number;          // 枝番: 2 digits or empty
  std::string birthdate;                      // YYYYMMDD
  std::string limit_consent = "0";   // OQSCD001: 限度額適用認定証関連情報 consent
  std::string arbitrary_identifier;  // 一括: correlates one patient's unit

  bool operator==(const SearchInfo&) const = default;
};

// How the patient was verified with the My Number card (onshi's model, README of onshi-eligsim).
enum class VerificationMode { pin, face, visual };
// "1" PIN, "2" face, "3" 目視 (visual check by staff).
std::string_view verification_mode_code(VerificationMode mode);

// The patient's consent answers on the reader (OQSCD016 for the viewing consents, OQSCD001 for
// 限度額); empty = not asked.
struct ConsentAnswers {
  std::string pharmaceutical;            // 薬剤情報 → PharmacistsInfoConsFlg
  std::string specific_health_checkups;  // 特定健診 → SpecificHealthCheckupsInfoConsFlg
  std::string diagnosis;                 // 診療情報 → DiagnosisInfoConsFlg
  std::string operation;                 // 手術 → OperationInfoConsFlg
  std::string limit;                     // 限度額 → LimitApplicationCertificateRelatedConsFlg
  std::string specific_diseases;  // 特定疾病 → SpecificDiseasesCertificateRelatedConsFlg

  bool operator==(const ConsentAnswers&) const = default;
};

// MyNumberCardVerificationInfo (modelled): the challenge answered, the user-authentication
// certificate, the proof (PIN mode: the certificate key's signature over the challenge; face and
// visual modes: the card-present proof), the reader's face-match result beside it (unsigned).
struct VerificationInfo {
  std::string challenge_id;
  VerificationMode mode = VerificationMode::pin;
  std::string certificate_der;    // raw bytes; base64 on the wire
  std::string proof;              // raw bytes; base64 on the wire
  std::string face_match_result;  // face mode: "1" matched, "2" not matched
  std::string face_match_score;   // face mode: 0-1000, optional
  ConsentAnswers consents;
};

// {"XmlMsg": {"MessageHeader": {...}, "MessageBody": {"QualificationConfirmSearchInfo": [...]}}}
// Errc::invalid_argument when a field breaks its format (insurer check digit, dates, lengths).
Result<Element> make_search_request(const RequestHeader& header, const SearchInfo& search);
// 一括照会 phase 1 (OQSmuquc01): one QualificationConfirmSearchInfo per patient, 1 or more.
Result<Element> make_bulk_submit_request(const RequestHeader& header,
                                         std::span<const SearchInfo> patients);
// 一括照会 phase 2 (OQSmuquc02): the ReceptionNumber of phase 1.
Result<Element> make_bulk_fetch_request(const RequestHeader& header,
                                        std::string_view reception_number);
Result<Element> make_verification_request(const RequestHeader& header,
                                          const VerificationInfo& verification);

// ----- answers --------------------------------------------------------------------------------

struct ResponseHeader {
  std::string process_execution_time;  // YYYYMMDDHHMMSS
  std::string qualification_confirmation_date;
  std::string medical_institution_code;
  std::string arbitrary_file_identifier;
  std::string reference_classification;  // OQSCD002
  std::string segment_of_result;         // OQSCD003, always present
  std::string error_code;                // with SegmentOfResult 9
  std::string error_message;
  std::string character_code_identifier;  // OQSCD005 (its values conflict in public code: kept)
  std::string reception_number;           // 一括
  std::string number_of_processing_result;
  std::string number_of_normal_processing;
  std::string number_of_error;
};

struct LimitCertificateInfo {
  std::string classification;       // OQSCD011
  std::string classification_flag;  // OQSCD012
  std::string certificate_date;
  std::string valid_start_date;
  std::string valid_end_date;
  std::string long_term_date;
};

struct ElderlyRecipientInfo {
  std::string certificate_date;
  std::string valid_start_date;
  std::string valid_end_date;
  std::string contribution_ratio;  // "020", "030"
};

struct SpecificDiseaseInfo {
  std::string category;  // OQSCD013
  std::string certificate_date;
  std::string valid_start_date;
  std::string valid_end_date;
  std::string self_pay;
};

// The consent flags and times that come back (OQSCD016; 限度額 and 特定疾病 OQSCD001).
struct ConsentFlags {
  std::string pharmaceutical, pharmaceutical_time;
  std::string specific_health_checkups, specific_health_checkups_time;
  std::string diagnosis, diagnosis_time;
  std::string operation, operation_time;
  std::string limit, limit_time;
  std::string specific_diseases, specific_diseases_time;
};

// ResultOfQualificationConfirmation (§1.5). Fields absent from the answer are empty.
struct QualificationRecord {
  std::string insured_card_classification;  // OQSCD010
  std::string insurer_number;               // the digits (6 or 8), padding removed
  std::string insured_card_symbol;
  std::string insured_identification_number;
  std::string insured_branch_number;
  std::string personal_family_classification;  // OQSCD009
  std::string insured_name;
  std::string name;
  std::string name_of_other;
  std::string name_kana;  // half-width katakana
  std::string name_of_other_kana;
  std::string sex1;  // OQSCD007
  std::string sex2;
  std::string birthdate;
  std::string address;
  std::string post_number;
  std::string insurer_name;
  std::string qualification_date;
  std::string disqualification_date;
  std::string insured_certificate_issuance_date;
  std::string insured_card_valid_date;
  std::string insured_card_expiration_date;
  std::string reason_of_loss;                      // OQSCD008
  std::string preschool_classification;            // OQSCD015
  std::string insured_partial_contribution_ratio;  // "030" = 3割
  std::string limit_changed;                       // OQSCD014
  std::string reference_number;
  std::string arbitrary_identifier;
  std::optional<ElderlyRecipientInfo> elderly_recipient;
  std::optional<LimitCertificateInfo> limit_certificate;
  std::vector<SpecificDiseaseInfo> specific_diseases;
  ConsentFlags consents;
};

struct QualificationResponse {
  ResponseHeader header;
  std::string processing_result_status;  // OQSCD004; empty when SegmentOfResult is not 1
  std::string processing_result_code;
  std::string processing_result_message;
  std::string qualification_validity;  // OQSCD006
  std::vector<QualificationRecord> results;
};

struct BulkSubmitResponse {
  ResponseHeader header;
  std::string reception_number;
  std::string reception_date_time;
};

struct BulkUnit {
  SearchInfo search;
  std::string processing_result_status;
  std::string processing_result_code;
  std::string processing_result_message;
  std::string qualification_validity;
  std::vector<QualificationRecord> results;
  std::string reference_number;
};

struct BulkFetchResponse {
  ResponseHeader header;
  std::vector<BulkUnit> units;  // empty while SegmentOfResult is 2
};

// 個別照会 and My Number verification answers.
Result<QualificationResponse> parse_qualification_response(const Element& xml_msg);
Result<BulkSubmitResponse> parse_bulk_submit_response(const Element& xml_msg);
Result<BulkFetchResponse> parse_bulk_fetch_response(const Element& xml_msg);

// §1.10's first step: Errc::elig_not_ready for SegmentOfResult 2, Errc::elig_rejected with
// ErrorCode and ErrorMessage for 9.
Status expect_segment_normal(const ResponseHeader& header);

}  // namespace onshi::xmlmsg
