// The XmlMsg answers onshi-eligsim sends (eligibility-system.md §1.4-§1.6): abnormal ends
// (SegmentOfResult 9), field errors (ProcessingResultStatus 2) and qualification results, with
// the header fields the real answers carry.
#pragma once

#include <string>
#include <vector>

#include "api_requests.hpp"
#include "dataset.hpp"
#include "onshi/xmlmsg/element.hpp"

namespace onshi::sim::eligsim {

struct AnswerContext {
  std::string now;  // ProcessExecutionTime, YYYYMMDDHHMMSS (JST)
  Header header;
  std::string reference_classification;  // OQSCD002: "1" My Number card, "2" insurance card
};

// What the patient consented to, and so what the result may carry.
struct Disclosure {
  std::string limit_consent = "0";                  // 限度額 (OQSCD001)
  std::string specific_diseases_consent;            // 特定疾病 (OQSCD001), My Number only
  const xmlmsg::ConsentAnswers* answers = nullptr;  // the reader's answers, My Number only
};

xmlmsg::Element abnormal_answer(const AnswerContext& context, const Problem& problem);
// SegmentOfResult 1, ProcessingResultStatus 2 with the problem's code and message.
xmlmsg::Element field_error_answer(const AnswerContext& context, const Problem& problem);
// The one of the two the problem's kind calls for.
xmlmsg::Element problem_answer(const AnswerContext& context, const Problem& problem);
// The header of a 一括 answer: no date or reference class, the reception number in phase 2.
xmlmsg::Element bulk_header(const AnswerContext& context, const std::string& reception_number,
                            std::string_view segment);

// Every match of a search: insurer, 記号 and 番号, the birth date, and the 枝番 when given.
std::vector<Match> matches_for(const Dataset& dataset, const Search& search);

// The validity (OQSCD006) of these matches on `date`: 4 none, 5 several persons, else 1, 2 or 3.
std::string validity_of(const std::vector<Match>& matches, const std::string& date);

// One ResultOfQualificationConfirmation.
xmlmsg::Element record_element(const Match& match, const std::string& date,
                               const Disclosure& disclosure, const std::string& now);

// A 個別照会 or My Number answer: header, ResultList, ProcessingResultStatus 1, validity.
xmlmsg::Element qualification_answer(const AnswerContext& context,
                                     const std::vector<Match>& matches,
                                     const Disclosure& disclosure);

}  // namespace onshi::sim::eligsim
