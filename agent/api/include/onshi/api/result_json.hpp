// The answers of the local API: a parsed XmlMsg answer (xmlmsg/messages.hpp) as JSON a receipt
// program reads without the OQS code tables, every code kept beside its meaning (from the xmlmsg
// tables, eligibility-system.md §1.9) so nothing of the original is lost.
//
// The shape is fixed: every member below is always present; a value the answer did not carry is
// null. A code is {"code":"1","meaning":"有効"} (null when absent; "meaning" null for a value
// outside the table, which the parser refuses anyway). Dates are YYYY-MM-DD, date-times
// ISO 8601 in Japan time ("2026-12-02T09:30:05+09:00"), ratios {"code":"030","percent":30}.
//
// qualification_json (個別照会, My Number verification):
//   validity                   QualificationValidity            OQSCD006
//   processing.status          ProcessingResultStatus           OQSCD004
//   processing.code / .message ProcessingResultCode / …Message
//   header.process_execution_time           ProcessExecutionTime
//   header.qualification_confirmation_date  QualificationConfirmationDate
//   header.reference_classification         ReferenceClassification      OQSCD002
//   header.segment_of_result                SegmentOfResult              OQSCD003
//   header.medical_institution_code, .arbitrary_file_identifier, .error_code, .error_message
//   qualifications[]           ResultOfQualificationConfirmation, each:
//     card_classification      InsuredCardClassification        OQSCD010
//     insurer.number / .name   InsurerNumber (digits) / InsurerName
//     symbol, number, branch   InsuredCardSymbol, InsuredIdentificationNumber, InsuredBranchNumber
//     personal_family          PersonalFamilyClassification     OQSCD009
//     insured_name             InsuredName (世帯主/被保険者)
//     name, name_kana          Name, NameKana
//     name_of_other, name_of_other_kana   NameOfOther, NameOfOtherKana
//     sex, sex2                Sex1, Sex2                       OQSCD007
//     birthdate, address, post_number     Birthdate, Address, PostNumber
//     qualification_date       QualificationDate
//     disqualification_date    DisqualificationDate
//     reason_of_loss           ReasonOfLoss                     OQSCD008
//     certificate_issuance_date, card_valid_date, card_expiration_date
//                              InsuredCertificateIssuanceDate, InsuredCardValidDate,
//                              InsuredCardExpirationDate
//     preschool                PreschoolClassification          OQSCD015
//     burden_ratio             InsuredPartialContributionRatio  ("030" = 30 %)
//     elderly_recipient        ElderlyRecipientCertificateInfo: certificate_date,
//                              valid_start_date, valid_end_date, burden_ratio
//     limit_certificate        LimitApplicationCertificateRelatedInfo: classification (OQSCD011),
//                              applied_class (適用区分 OQSCD012), certificate_date,
//                              valid_start_date, valid_end_date, long_term_date
//     limit_changed            LimitApplicationCertificateChanged OQSCD014
//     specific_diseases[]      SpecificDiseasesCertificateInfo: category (OQSCD013),
//                              certificate_date, valid_start_date, valid_end_date, self_pay (yen)
//     consents.{pharmaceutical, specific_health_checkups, diagnosis, operation}
//                              …InfoConsFlg (OQSCD016) and …ConsTime: {"code","meaning","time"}
//     consents.{limit, specific_diseases}
//                              …CertificateRelatedConsFlg (OQSCD001) and …ConsTime
//     reference_number         ReferenceNumber (照会番号)
//
// bulk_json (一括照会 phase 2): header as above plus reception_number and counts
// {processed, normal, error}; "patients" an object keyed by each unit's ArbitraryIdentifier (the
// caller's id), each {id, search (the echoed identifiers), processing, validity, qualifications,
// reference_number}; a unit without an id, or with one already used, goes to "unmatched" (an
// array) so no answer is lost.
#pragma once

#include <nlohmann/json.hpp>

#include "onshi/xmlmsg/messages.hpp"

namespace onshi::api {

nlohmann::json qualification_json(const xmlmsg::QualificationResponse& r);
nlohmann::json bulk_json(const xmlmsg::BulkFetchResponse& r);
// 一括照会 phase 1: {reception_number, reception_date_time, header}.
nlohmann::json bulk_submit_json(const xmlmsg::BulkSubmitResponse& r);

}  // namespace onshi::api
