// onshi-eligsim's request bodies are untrusted (a test, or a buggy agent, sends anything): the
// first byte picks the route, the rest is the body. Every parse ends in a request or a Problem with
// a code. A search that parses is answered from a small data set, and that answer must be valid for
// onshi's own answer parser: the service never writes what the agent would refuse.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "answers.hpp"
#include "api_requests.hpp"
#include "dataset.hpp"
#include "onshi/xmlmsg/json_form.hpp"
#include "onshi/xmlmsg/messages.hpp"

namespace {

using namespace onshi::sim::eligsim;

template <typename T>
void check_problem(const Parsed<T>& parsed) {
  if (const auto* p = std::get_if<Problem>(&parsed)) {
    if (p->code.size() != 7 || p->code.rfind("SIM", 0) != 0 || p->message.empty()) std::abort();
  }
}

void must_parse(const onshi::xmlmsg::Element& answer) {
  auto json = onshi::xmlmsg::to_json(answer);
  if (!json) std::abort();
  auto msg = onshi::xmlmsg::parse_json(*json);
  if (!msg || !onshi::xmlmsg::parse_qualification_response(*msg)) std::abort();
}

const Dataset& dataset() {
  static const Dataset d = *Dataset::generate({60, 3, nullptr});
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0:
      check_problem(parse_auth_request(body));
      break;
    case 1: {
      auto parsed = parse_search_request(body);
      check_problem(parsed);
      AnswerContext context{"20261202093000", {}, "2"};
      if (const auto* p = std::get_if<Problem>(&parsed)) {
        must_parse(p->abnormal ? abnormal_answer(context, *p) : field_error_answer(context, *p));
        break;
      }
      const auto& s = std::get<SearchRequest>(parsed);
      context.header = s.header;
      std::vector<Match> matches;
      for (const auto& m :
           dataset().by_card(s.search.insurer_number, s.search.symbol, s.search.number)) {
        if (m.person->birthdate == s.search.birthdate) matches.push_back(m);
      }
      Disclosure disclosure;
      disclosure.limit_consent = s.search.limit_consent;
      must_parse(qualification_answer(context, matches, disclosure));
      break;
    }
    case 2:
      check_problem(parse_bulk_submit_request(body));
      break;
    case 3:
      check_problem(parse_bulk_fetch_request(body));
      break;
    default:
      check_problem(parse_verify_request(body));
      break;
  }
  return 0;
}
