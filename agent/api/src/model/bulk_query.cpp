#include "onshi/api/bulk_query.hpp"

#include <fmt/format.h>

#include <map>

#include "request_fields.hpp"

namespace onshi::api {
namespace {

using nlohmann::json;

// The canonical form tells a 一括 from a 個別照会 with the same identifiers.
constexpr std::string_view kBulkLabel = "insurance_card_bulk";

// The caller's id of one patient, or empty (a problem recorded).
std::string patient_id(const json& patient, const std::string& field, detail::Problems& problems) {
  const auto id = detail::string_member(patient, "id", field, problems);
  if (!id || id->empty()) {
    const auto it = patient.find("id");
    if (id || it == patient.end() || it->is_null()) {
      problems.add(field, fmt::format("required: your id for this patient (1 to {} characters), "
                                      "the key of its answer",
                                      kMaxPatientIdCharacters));
    }
    return {};
  }
  if (!detail::check_identifier_text(*id, kMaxPatientIdCharacters, "id", field, problems)) {
    return {};
  }
  return *id;
}

}  // namespace

ApiResult<BulkQuery> parse_bulk_query(const json& body, std::span<const std::string> institutions,
                                      std::chrono::system_clock::time_point now) {
  if (!body.is_object()) {
    return make_api_error(Errc::api_bad_request, "the body must be a JSON object");
  }
  if (auto e = detail::no_institution_configured(institutions)) return std::move(*e);

  const std::string today = detail::japan_today(now);
  detail::Problems problems;
  BulkQuery q;
  q.institution = detail::resolve_institution(body, institutions, problems);
  const auto date = detail::confirmation_date(body, today, problems);
  q.date = date.date;
  q.date_given = date.given;

  const auto list = body.find("patients");
  if (list == body.end() || list->is_null()) {
    problems.add("patients", "required: an array of the patients to ask about");
    return problems.error();
  }
  if (!list->is_array()) {
    problems.add("patients",
                 fmt::format("must be an array of patients, not a JSON {}", list->type_name()));
    return problems.error();
  }
  if (list->empty()) {
    problems.add("patients", "at least one patient");
    return problems.error();
  }
  if (list->size() > kMaxBulkPatients) {
    problems.add("patients",
                 fmt::format("{} patients; at most {} in one 一括照会 (onshi-eligsim's limit: the "
                             "real one is not public)",
                             list->size(), kMaxBulkPatients));
    return problems.error();
  }

  std::map<std::string, std::size_t, std::less<>> first_with_id;
  q.patients.reserve(list->size());
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json& patient = (*list)[i];
    const std::string prefix = fmt::format("patients[{}]", i);
    if (!patient.is_object()) {
      problems.add(prefix, fmt::format("must be an object with id, insurer_number, number, "
                                       "birthdate…, not a JSON {}",
                                       patient.type_name()));
      continue;
    }
    const std::string id_field = detail::field_path(prefix, "id");
    std::string id = patient_id(patient, id_field, problems);
    if (!id.empty()) {
      const auto [it, fresh] = first_with_id.emplace(id, i);
      if (!fresh) {
        problems.add(id_field, fmt::format("{} is the id of patients[{}] too: ids must be unique",
                                           detail::quote_value(id), it->second));
      }
    }
    auto search = detail::search_fields(patient, prefix, today, problems);
    if (search && problems.empty()) {
      search->arbitrary_identifier = std::move(id);
      q.patients.push_back(std::move(*search));
    }
  }
  if (!problems.empty()) return problems.error();
  return q;
}

std::string canonical_request(const BulkQuery& q) {
  json patients = json::array();
  for (const auto& p : q.patients) {
    json one = detail::search_identifiers_json(p);
    one["id"] = p.arbitrary_identifier;
    patients.push_back(std::move(one));
  }
  json c{{"method", kBulkLabel},
         {"institution", q.institution},
         {"date", q.date_given ? json(detail::iso_date(q.date)) : json(nullptr)},
         {"patients", std::move(patients)}};
  return c.dump(-1, ' ', false, json::error_handler_t::replace);
}

json journal_request_json(const BulkQuery& q) {
  json patients = json::array();
  for (const auto& p : q.patients) {
    json one = detail::search_identifiers_json(p);
    one["id"] = p.arbitrary_identifier;
    patients.push_back(std::move(one));
  }
  return json{{"institution", q.institution},
              {"date", detail::iso_date(q.date)},
              {"patients", std::move(patients)}};
}

}  // namespace onshi::api
