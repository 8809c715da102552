// The eligibility system's answers are untrusted: whatever the network delivers, the JSON form's
// parser and the answer parsers the agent uses must return an answer or a specific error, never
// crash, hang or leak. What parses must also hold the guarantees the agent relies on: the JSON
// form round-trips, SegmentOfResult is a table value, a normal result has a status and validity.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "onshi/xmlmsg/codes.hpp"
#include "onshi/xmlmsg/json_form.hpp"
#include "onshi/xmlmsg/messages.hpp"

namespace {

using namespace onshi::xmlmsg;

void check_answer(const QualificationResponse& r) {
  if (!codes::kSegmentOfResult.contains(r.header.segment_of_result)) std::abort();
  if (r.header.segment_of_result != kSegmentNormal) return;
  if (!codes::kProcessingStatus.contains(r.processing_result_status)) std::abort();
  if (r.processing_result_status == kStatusNormal &&
      !codes::kQualificationValidity.contains(r.qualification_validity)) {
    std::abort();
  }
  for (const auto& record : r.results) {
    const auto n = record.insurer_number.size();
    if (n != 0 && n != 6 && n != 8) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto msg = parse_json(text);
  if (!msg) {
    if (msg.error().code != onshi::Errc::elig_message_invalid || msg.error().message.empty()) {
      std::abort();
    }
    return 0;
  }
  // What parsed writes back and parses to the same tree.
  auto again = to_json(*msg);
  if (!again) std::abort();
  auto reparsed = parse_json(*again);
  if (!reparsed || !(*reparsed == *msg)) std::abort();

  if (auto answer = parse_qualification_response(*msg)) {
    check_answer(*answer);
    (void)expect_segment_normal(answer->header);
  } else if (answer.error().code != onshi::Errc::elig_message_invalid) {
    std::abort();
  }
  (void)parse_bulk_submit_response(*msg);
  // Units are read only from a finished job (SegmentOfResult 1): found by this target, a 処理中
  // answer carrying counts is not a broken count.
  if (auto bulk = parse_bulk_fetch_response(*msg);
      bulk && bulk->header.segment_of_result == kSegmentNormal) {
    if (!bulk->header.number_of_processing_result.empty() &&
        bulk->header.number_of_processing_result != std::to_string(bulk->units.size())) {
      std::abort();
    }
  }
  return 0;
}
