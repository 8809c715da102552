// 個別照会 by insurance card (eligibility-system.md §1.5): the body of
// POST /v1/verifications with "method":"insurance_card", validated into the SearchInfo that
// xmlmsg::make_search_request takes.
//
//   {"method":"insurance_card", "institution":"0110113719", "insurer_number":"06139995",
//    "symbol":"京中2", "number":"1002", "branch":"00", "birthdate":"1965-02-11",
//    "limit_consent":true, "date":"2026-12-02", "raw":false}
//
// Field rules (§2; every violation is a 400 invalid_argument naming the field, with a message a
// receptionist's vendor can act on; all problems of a body are listed in details.errors):
//   method          "insurance_card". "mynumber" (My Number card verification) is answered 501
//                   not_supported until it exists; the server dispatches it before calling this
//                   once it does. Anything else, or none: 400.
//   institution     one of the configured 医療機関コード; required when more than one is
//                   configured, else defaults to the only one.
//   insurer_number  ASCII digits, 8 (or 6 for 国保), the 2-1 check digit (xmlmsg rules).
//   symbol          記号: at most 20 characters (characters, not bytes: "京中2" is 3), no control
//                   or bidirectional characters, no space at either end; none for 後期高齢.
//   number          番号: 1 to 20 characters, the same rules; 後期高齢 (an 8-digit 保険者番号
//                   starting 39): 8 digits whose last is the 2-1 check digit over the first 7.
//   branch          枝番: absent or 2 digits.
//   birthdate       YYYY-MM-DD, a calendar date from 1900-01-01, not after today in Japan.
//   limit_consent   true/false (absent: false) → OQSCD001 "1"/"0".
//   date            the QualificationConfirmationDate, YYYY-MM-DD from 1900; absent: today (JST).
//   raw             true/false (absent: false): the answer also carries the raw XmlMsg.
// Identifier fields take JSON strings only (a number would lose leading zeros); null is the same
// as absent (anchors-and-conventions.md §3.5); unknown fields are ignored.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <span>
#include <string>

#include "onshi/api/api_error.hpp"
#include "onshi/api/json_body.hpp"
#include "onshi/xmlmsg/messages.hpp"

namespace onshi::api {

struct InsuranceCardQuery {
  std::string institution;    // resolved: the field, or the only configured institution
  xmlmsg::SearchInfo search;  // validated
  std::string date;           // YYYYMMDD QualificationConfirmationDate: the field, or today (JST)
  bool date_given = false;    // "date" was in the request (the canonical form keeps the difference)
  bool include_raw = false;   // "raw": true → the answer carries the raw XmlMsg
};

// `institutions`: the configured codes. `now`: for today's date in Japan.
ApiResult<InsuranceCardQuery> parse_insurance_card_query(const nlohmann::json& body,
                                                         std::span<const std::string> institutions,
                                                         std::chrono::system_clock::time_point now);

// A canonical form of the validated request for idempotency digests: the same meaning gives the
// same text whatever the member order, whitespace, escapes or omitted defaults; any other value
// gives another text. An omitted "date" stays omitted (a replay after midnight still matches).
std::string canonical_request(const InsuranceCardQuery& q);

// What the journal keeps of the request: method, institution, date and the card's identifiers
// (the clinic needs them), never anything else the caller sent.
nlohmann::json journal_request_json(const InsuranceCardQuery& q);

}  // namespace onshi::api
