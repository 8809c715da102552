#include "upstream_answer.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "onshi/xmlmsg/codes.hpp"
#include "onshi/xmlmsg/json_form.hpp"
#include "text_excerpt.hpp"

namespace onshi::eligibility::detail {
namespace {

constexpr int kHttpOk = 200;
// A refusal's body is only looked into for its msg up to this size and depth (an envelope is a
// few hundred bytes, two levels); anything else is shown as text.
constexpr std::size_t kMaxRefusalJson = 64 * 1024;
constexpr int kMaxRefusalDepth = 8;

Error with_native(Error e, int status) {
  e.native = status;
  return e;
}

Status check_echo(const Route& route, const xmlmsg::ResponseHeader& header, const Echo& echo) {
  if (!header.medical_institution_code.empty() &&
      header.medical_institution_code != echo.institution) {
    return Error(Errc::elig_message_invalid,
                 fmt::format("the eligibility system's {} answer is for institution {}, not {} "
                             "(MedicalInstitutionCode)",
                             route.name, header.medical_institution_code, echo.institution));
  }
  if (!header.arbitrary_file_identifier.empty() && !echo.file_id.empty() &&
      header.arbitrary_file_identifier != echo.file_id) {
    return Error(Errc::elig_message_invalid,
                 fmt::format("the eligibility system's {} answer is for the request \"{}\", not "
                             "\"{}\" (ArbitraryFileIdentifier)",
                             route.name, text_excerpt(header.arbitrary_file_identifier, 40),
                             text_excerpt(echo.file_id, 40)));
  }
  return {};
}

Status expect_segment(const Route& route, const xmlmsg::ResponseHeader& header,
                      bool processing_is_an_answer) {
  if (header.segment_of_result == xmlmsg::kSegmentProcessing) {
    if (processing_is_an_answer) return {};
    return Error(Errc::elig_not_ready,
                 fmt::format("the eligibility system's {} answer: SegmentOfResult 2 (処理中): ask "
                             "again later",
                             route.name));
  }
  if (header.segment_of_result == xmlmsg::kSegmentAbnormal) {
    return Error(Errc::elig_rejected,
                 fmt::format("the eligibility system's {} answer: SegmentOfResult 9 (異常終了): "
                             "ErrorCode {}: {}",
                             route.name, text_excerpt(header.error_code, 64),
                             text_excerpt(header.error_message, 400)));
  }
  return {};
}

template <class T, class Parse>
Result<T> read_answer(const Route& route, std::string_view body, const Echo& echo, Parse parse,
                      bool processing_is_an_answer) {
  auto read = [&]() -> Result<T> {
    auto element = xmlmsg::parse_json(body);
    if (!element) {
      return fail(Errc::elig_message_invalid,
                  fmt::format("the eligibility system's {} answer is not the JSON form of XmlMsg: "
                              "{}",
                              route.name, element.error().message));
    }
    auto parsed = parse(*element);
    if (!parsed) {
      return fail(Errc::elig_message_invalid, fmt::format("the eligibility system's {} answer: {}",
                                                          route.name, parsed.error().message));
    }
    ONSHI_TRY(check_echo(route, parsed->header, echo));
    ONSHI_TRY(expect_segment(route, parsed->header, processing_is_an_answer));
    return parsed;
  };
  auto result = read();
  if (!result) return with_native(std::move(result).error(), kHttpOk);
  return result;
}

}  // namespace

std::string what_it_said(std::string_view body) {
  if (body.empty()) return "(no body)";
  if (body.size() <= kMaxRefusalJson) {
    // Values deeper than an envelope are not built (the callback discards them).
    const auto shallow = [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
      return depth <= kMaxRefusalDepth;
    };
    const auto j = nlohmann::json::parse(body, shallow, /*allow_exceptions=*/false);
    if (j.is_object()) {
      const auto msg = j.find("msg");
      if (msg != j.end() && msg->is_string() && !msg->get_ref<const std::string&>().empty()) {
        return fmt::format("\"{}\"", text_excerpt(msg->get_ref<const std::string&>()));
      }
    }
  }
  const std::string start = text_excerpt(body);
  return start.empty() ? "(a body of whitespace)" : start;
}

Error http_status_error(const Route& route, int status, std::string_view body) {
  const std::string said = what_it_said(body);
  if (status >= 500 && status <= 599) {
    return Error(Errc::http_status,
                 fmt::format("the eligibility system answered {} to the {} (POST {}): it is "
                             "unavailable; try again later: {}",
                             status, route.name, route.path, said),
                 status);
  }
  return Error(Errc::http_status,
               fmt::format("the eligibility system answered {} to the {} (POST {}): {}", status,
                           route.name, route.path, said),
               status);
}

Error unauthorized_error(const Route& route, std::string_view body) {
  const std::string said = what_it_said(body);
  if (route.path == kAuth.path) {
    return Error(Errc::elig_unauthorized,
                 fmt::format("the eligibility system refused the login (401): {}; check that "
                             "this terminal's client certificate is the one registered for the "
                             "institution",
                             said),
                 401);
  }
  return Error(Errc::elig_unauthorized,
               fmt::format("the eligibility system refused a freshly issued access token for the "
                           "{} (401 after a new login): {}; check that this terminal's client "
                           "certificate is the one registered for the institution",
                           route.name, said),
               401);
}

Result<xmlmsg::QualificationResponse> read_qualification_answer(const Route& route,
                                                                std::string_view body,
                                                                const Echo& echo) {
  return read_answer<xmlmsg::QualificationResponse>(route, body, echo,
                                                    xmlmsg::parse_qualification_response, false);
}

Result<xmlmsg::BulkSubmitResponse> read_bulk_submit_answer(std::string_view body,
                                                           const Echo& echo) {
  return read_answer<xmlmsg::BulkSubmitResponse>(kBulkSubmit, body, echo,
                                                 xmlmsg::parse_bulk_submit_response, false);
}

Result<xmlmsg::BulkFetchResponse> read_bulk_fetch_answer(std::string_view body, const Echo& echo) {
  return read_answer<xmlmsg::BulkFetchResponse>(kBulkFetch, body, echo,
                                                xmlmsg::parse_bulk_fetch_response, true);
}

Status expect_processed(const Route& route, const xmlmsg::QualificationResponse& answer) {
  if (answer.processing_result_status != xmlmsg::kStatusError) return {};
  return Error(Errc::elig_rejected,
               fmt::format("the eligibility system refused the {}: ProcessingResultStatus 2, "
                           "ProcessingResultCode {}: {}",
                           route.name, text_excerpt(answer.processing_result_code, 64),
                           text_excerpt(answer.processing_result_message, 400)),
               kHttpOk);
}

}  // namespace onshi::eligibility::detail
