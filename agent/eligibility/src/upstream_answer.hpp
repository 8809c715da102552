// What an answer of the eligibility system means for onshi's callers: the mapping of HTTP
// statuses and XmlMsg answers to onshi's errors (README.md, "Errors", is the table). Separate from
// the client so the unit tests can feed it constructed answers.
#pragma once

#include <string>
#include <string_view>

#include "onshi/result.hpp"
#include "onshi/xmlmsg/messages.hpp"

namespace onshi::eligibility::detail {

// A route of the modelled protocol (tests/sim/eligsim/README.md, "The protocol") and its name in
// messages.
struct Route {
  std::string_view path;
  std::string_view name;
};
inline constexpr Route kAuth{"/auth", "login"};
inline constexpr Route kSearch{"/qualifications/search", "個別照会"};
inline constexpr Route kChallenge{"/mynumber/challenge", "challenge"};
inline constexpr Route kVerify{"/mynumber/verify", "My Number card verification"};
inline constexpr Route kBulkSubmit{"/qualifications/bulk", "一括照会 submission"};
inline constexpr Route kBulkFetch{"/qualifications/bulk/result", "一括照会 result"};

// What a refusal said, for a message: `"<msg>"` when the body is a JSON object with a non-empty
// string `msg` (eligsim's 401, 403 and 429 are envelopes), else the start of the body (an HTML
// page from a front end), "(no body)" for none. Always valid UTF-8 without control characters.
std::string what_it_said(std::string_view body);

// An HTTP status other than 200 (and other than 401): http_status, with the status in
// Error::native, the route, and what the body said; 5xx also says to try again later.
Error http_status_error(const Route& route, int status, std::string_view body);
// 401 to the login itself, or to a token the service had just issued (the retry after a new
// login): elig_unauthorized, native 401, with what the body said.
Error unauthorized_error(const Route& route, std::string_view body);

// What the answer must echo: the header's MedicalInstitutionCode and ArbitraryFileIdentifier
// (when the request carried one). An answer that leaves one out is not refused for it (the
// abnormal answers of a real service may carry less); one that names another is.
struct Echo {
  std::string_view institution;
  std::string_view file_id;
};

// An HTTP 200 body as the XmlMsg answer of `route`: elig_message_invalid when it is not the JSON
// form or breaks the parser, or echoes another institution or file; then §1.10's decision order:
// SegmentOfResult 9 is elig_rejected "… SegmentOfResult 9 (異常終了): ErrorCode SIM9003:
// <ErrorMessage>", 2 elig_not_ready (except for the 一括 result, where 処理中 is an answer). Every
// error carries native 200.
Result<xmlmsg::QualificationResponse> read_qualification_answer(const Route& route,
                                                                std::string_view body,
                                                                const Echo& echo);
Result<xmlmsg::BulkSubmitResponse> read_bulk_submit_answer(std::string_view body, const Echo& echo);
Result<xmlmsg::BulkFetchResponse> read_bulk_fetch_answer(std::string_view body, const Echo& echo);

// The next step of §1.10: ProcessingResultStatus 2 is elig_rejected "… ProcessingResultCode
// SIM2002: <ProcessingResultMessage>" (native 200). The query reached the service and was
// answered; only this query's content was refused.
Status expect_processed(const Route& route, const xmlmsg::QualificationResponse& answer);

}  // namespace onshi::eligibility::detail
