// 一括照会 phase 1 (eligibility-system.md §1.6): the body a caller submits, validated into the
// SearchInfo list that xmlmsg::make_bulk_submit_request takes.
//
//   {"institution":"0110113719", "date":"2026-12-02",
//    "patients":[{"id":"P0001", "insurer_number":"06139995", "symbol":"京中2", "number":"1002",
//                 "branch":"00", "birthdate":"1965-02-11", "limit_consent":true}, …]}
//
// institution and date as in insurance_query.hpp; each patient's fields follow the same rules,
// reported with their path ("patients[3].insurer_number"). Every problem of the body is listed in
// details.errors (the first is the error itself), so a whole batch is fixed at once.
//   patients  an array of 1 to kMaxBulkPatients objects.
//   id        the caller's correlation id for the patient, sent as ArbitraryIdentifier and used
//             as the key of the answer's units (result_json.hpp): 1 to kMaxPatientIdCharacters
//             characters, no control or bidirectional characters, no space at either end, unique
//             within the request.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "onshi/api/api_error.hpp"
#include "onshi/api/json_body.hpp"
#include "onshi/xmlmsg/messages.hpp"

namespace onshi::api {

// The real limit is not public; 2000 is onshi-eligsim's invented one (tests/sim/eligsim/README.md,
// 一括照会: more than 2000 patients is SIM9005), so onshid refuses what the service would.
inline constexpr std::size_t kMaxBulkPatients = 2000;
// onshi's choice: §1.6 gives no length for ArbitraryIdentifier (xmlmsg accepts 100); 64 holds any
// 患者ID or UUID a receipt program would send and keeps the answer's keys short.
inline constexpr std::size_t kMaxPatientIdCharacters = 64;

struct BulkQuery {
  std::string institution;  // resolved as for InsuranceCardQuery
  std::string date;         // YYYYMMDD: the field, or today (JST)
  bool date_given = false;
  std::vector<xmlmsg::SearchInfo> patients;  // validated; arbitrary_identifier = the caller's id
};

ApiResult<BulkQuery> parse_bulk_query(const nlohmann::json& body,
                                      std::span<const std::string> institutions,
                                      std::chrono::system_clock::time_point now);

std::string canonical_request(const BulkQuery& q);
// Institution, date and each patient's id and identifiers, never more.
nlohmann::json journal_request_json(const BulkQuery& q);

}  // namespace onshi::api
