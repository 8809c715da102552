#include "onshi/api/insurance_query.hpp"

#include <fmt/format.h>

#include "request_fields.hpp"

namespace onshi::api {
namespace {

using nlohmann::json;

constexpr std::string_view kInsuranceCard = "insurance_card";
constexpr std::string_view kMyNumber = "mynumber";

// The method, or the error that ends parsing at once: the rest of a body for another method is
// not this parser's to judge.
std::optional<ApiError> check_method(const json& body) {
  const auto it = body.find("method");
  const std::string* name =
      it != body.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
  if (name != nullptr && *name == kInsuranceCard) return std::nullopt;
  if (name != nullptr && *name == kMyNumber) {
    return make_api_error(Errc::not_supported,
                          "method: \"mynumber\" (verification by My Number card) is not "
                          "available in this onshid yet; use \"insurance_card\"",
                          "method");
  }
  if (it == body.end() || it->is_null()) {
    return make_api_error(Errc::invalid_argument,
                          "method: required: \"insurance_card\" (or \"mynumber\")", "method");
  }
  const std::string got =
      name != nullptr ? detail::quote_value(*name) : std::string("a JSON ") + it->type_name();
  return make_api_error(
      Errc::invalid_argument,
      fmt::format("method: {} is not a method: \"insurance_card\" or \"mynumber\"", got), "method");
}

}  // namespace

ApiResult<InsuranceCardQuery> parse_insurance_card_query(
    const json& body, std::span<const std::string> institutions,
    std::chrono::system_clock::time_point now) {
  if (!body.is_object()) {
    return make_api_error(Errc::api_bad_request, "the body must be a JSON object");
  }
  if (auto e = check_method(body)) return std::move(*e);
  if (auto e = detail::no_institution_configured(institutions)) return std::move(*e);

  const std::string today = detail::japan_today(now);
  detail::Problems problems;
  InsuranceCardQuery q;
  q.institution = detail::resolve_institution(body, institutions, problems);
  const auto date = detail::confirmation_date(body, today, problems);
  q.date = date.date;
  q.date_given = date.given;
  auto search = detail::search_fields(body, "", today, problems);
  q.include_raw = detail::bool_member(body, "raw", "raw", false, problems);
  if (!problems.empty()) return problems.error();
  q.search = std::move(*search);
  return q;
}

std::string canonical_request(const InsuranceCardQuery& q) {
  // nlohmann::json keeps members sorted by name, and dump() has one spelling for each value.
  json c = detail::search_identifiers_json(q.search);
  c["method"] = kInsuranceCard;
  c["institution"] = q.institution;
  c["date"] = q.date_given ? json(detail::iso_date(q.date)) : json(nullptr);
  c["raw"] = q.include_raw;
  return c.dump(-1, ' ', false, json::error_handler_t::replace);
}

json journal_request_json(const InsuranceCardQuery& q) {
  json j = detail::search_identifiers_json(q.search);
  j["method"] = kInsuranceCard;
  j["institution"] = q.institution;
  j["date"] = detail::iso_date(q.date);
  return j;
}

}  // namespace onshi::api
