// onshi-eligsim's request parser: the XmlMsg JSON bodies of its routes, read into typed requests.
// Every request body is untrusted; a problem is one of two kinds, as the real system reports them
// (eligibility-system.md §1.10):
//   - the message itself is unusable (not the JSON form, no header, a bad institution code):
//     answered with SegmentOfResult 9 and an ErrorCode;
//   - a search field is wrong (insurer check digit, birth date…): answered normally with
//     ProcessingResultStatus 2 and a ProcessingResultCode.
// The codes are onshi's invention (SIM9xxx, SIM2xxx); the real lists are not public (§1.10).
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "onshi/xmlmsg/element.hpp"
#include "onshi/xmlmsg/messages.hpp"

namespace onshi::sim::eligsim {

struct Problem {
  bool abnormal = false;  // true: SegmentOfResult 9; false: ProcessingResultStatus 2
  std::string code;
  std::string message;
};

struct Header {
  std::string qualification_confirmation_date;  // YYYYMMDD; empty in a 一括 fetch
  std::string medical_institution_code;
  std::string arbitrary_file_identifier;
};

struct Search {
  std::string insurer_number;  // digits (6 or 8)
  std::string symbol;
  std::string number;
  std::string branch;  // may be empty: any branch
  std::string birthdate;
  std::string limit_consent;  // "0" or "1"
  std::string arbitrary_identifier;
  // What the answer echoes: the known fields as received, as text, cut to the field limits of
  // onshi's parser; structures and unknown elements dropped (a patient's bad input must not make
  // the whole 一括 answer unreadable).
  xmlmsg::Element echo;
};

struct SearchRequest {
  Header header;
  Search search;
};

// A 一括 patient whose fields are wrong is answered in its own unit.
struct BulkPatient {
  Search search;
  std::optional<Problem> problem;
};

struct BulkSubmitRequest {
  Header header;
  std::vector<BulkPatient> patients;
};

struct BulkFetchRequest {
  Header header;
  std::string reception_number;
};

struct VerifyRequest {
  Header header;
  std::string challenge_id;
  xmlmsg::VerificationMode mode = xmlmsg::VerificationMode::pin;
  std::string certificate_der;
  std::string proof;
  std::string face_match_result;
  std::string face_match_score;
  xmlmsg::ConsentAnswers consents;
};

struct AuthRequest {
  std::string medical_institution_code;
};

inline constexpr std::size_t kMaxBulkPatients = 2000;  // onshi's limit; the real one is not public

template <typename T>
using Parsed = std::variant<T, Problem>;

// `body` is the raw HTTP body.
Parsed<AuthRequest> parse_auth_request(std::string_view body);
Parsed<SearchRequest> parse_search_request(std::string_view body);
Parsed<BulkSubmitRequest> parse_bulk_submit_request(std::string_view body);
Parsed<BulkFetchRequest> parse_bulk_fetch_request(std::string_view body);
Parsed<VerifyRequest> parse_verify_request(std::string_view body);

}  // namespace onshi::sim::eligsim
