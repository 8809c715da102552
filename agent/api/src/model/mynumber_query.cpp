#include "onshi/api/mynumber_query.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "request_fields.hpp"

namespace onshi::api {
namespace {

using nlohmann::json;

// cards-and-readers.md §1.4: the JPKI user-authentication PIN is exactly 4 digits.
constexpr std::size_t kAuthPinDigits = 4;

std::optional<CardMode> mode_from_name(std::string_view name) {
  if (name == "face") return CardMode::face;
  if (name == "pin") return CardMode::pin;
  if (name == "face_then_pin") return CardMode::face_then_pin;
  if (name == "visual") return CardMode::visual;
  return std::nullopt;
}

std::uint8_t read_consents(const json& body, detail::Problems& problems) {
  if (!body.contains("consents")) return kAllConsents;
  const json& list = body.at("consents");
  if (list.is_null()) return kAllConsents;
  if (!list.is_array()) {
    problems.add("consents", "must be an array of question names, e.g. [\"medication\"]");
    return 0;
  }
  std::uint8_t bits = 0;
  std::size_t i = 0;
  for (const json& item : list) {
    const std::string field = fmt::format("consents[{}]", i++);
    if (!item.is_string()) {
      problems.add(field, "must be a question name (a string)");
      continue;
    }
    const auto& name = item.get_ref<const std::string&>();
    bool found = false;
    for (std::size_t n = 0; n < kConsentNames.size(); ++n) {
      if (kConsentNames[n] == name) {
        bits = static_cast<std::uint8_t>(bits | (1u << n));
        found = true;
      }
    }
    if (!found) {
      problems.add(field, fmt::format("{} is not a question: medication, health_checkups, "
                                      "diagnosis, operations, limit_certificate, specific_diseases",
                                      detail::quote_value(name)));
    }
  }
  return bits;
}

}  // namespace

std::string_view card_mode_name(CardMode mode) noexcept {
  switch (mode) {
    case CardMode::face:
      return "face";
    case CardMode::pin:
      return "pin";
    case CardMode::face_then_pin:
      return "face_then_pin";
    case CardMode::visual:
      return "visual";
  }
  return "unknown";
}

ApiResult<MyNumberQuery> parse_mynumber_query(const json& body,
                                              std::span<const std::string> institutions,
                                              std::chrono::system_clock::time_point now) {
  if (!body.is_object()) {
    return make_api_error(Errc::api_bad_request, "the body must be a JSON object");
  }
  if (!body.contains("method") || body.at("method") != "mynumber") {
    return make_api_error(Errc::invalid_argument, "method: must be \"mynumber\" here", "method");
  }
  if (auto e = detail::no_institution_configured(institutions)) return std::move(*e);

  detail::Problems problems;
  MyNumberQuery q;
  q.date = detail::japan_today(now);
  q.institution = detail::resolve_institution(body, institutions, problems);
  if (auto reader = detail::string_member(body, "reader", "reader", problems)) {
    if (detail::check_identifier_text(*reader, 128, "a reader", "reader", problems)) {
      q.reader = std::move(*reader);
    }
  }
  // A reader name has spaces inside ("onshi Face Reader [CCID] (FACE0001) 00 00"): allowed.
  if (auto mode = detail::string_member(body, "mode", "mode", problems)) {
    q.mode = mode_from_name(*mode);
    if (!q.mode) {
      problems.add("mode", fmt::format("{} is not a mode: face, pin, face_then_pin or visual",
                                       detail::quote_value(*mode)));
    }
  }
  q.consents = read_consents(body, problems);
  q.use_last_try = detail::bool_member(body, "use_last_try", "use_last_try", false, problems);
  q.include_raw = detail::bool_member(body, "raw", "raw", false, problems);
  if (auto t = detail::seconds_member(body, "timeout_seconds", detail::kMinSessionTimeout,
                                      detail::kMaxSessionTimeout, problems)) {
    q.timeout = *t;
  }
  q.pin = detail::secret_member(
      body, "pin",
      [](std::string_view t) {
        return t.size() == kAuthPinDigits &&
               std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
      },
      "must be the 4 digits of the card's user-authentication PIN, as a string", problems);
  if (q.pin && q.mode && *q.mode != CardMode::pin) {
    problems.add("pin", fmt::format("a PIN goes with mode \"pin\" only, not \"{}\"",
                                    card_mode_name(*q.mode)));
  }
  if (!problems.empty()) return problems.error();
  return q;
}

std::string canonical_request(const MyNumberQuery& q) {
  return journal_request_json(q).dump(-1, ' ', false, json::error_handler_t::replace);
}

json journal_request_json(const MyNumberQuery& q) {
  json j{{"method", "mynumber"},
         {"institution", q.institution},
         {"reader", q.reader ? json(*q.reader) : json(nullptr)},
         {"mode", q.mode ? json(card_mode_name(*q.mode)) : json(nullptr)},
         {"use_last_try", q.use_last_try},
         {"timeout_seconds", q.timeout.count()},
         {"raw", q.include_raw},
         {"pin_given", q.pin != nullptr}};
  json consents = json::array();
  for (std::size_t n = 0; n < kConsentNames.size(); ++n) {
    if ((q.consents >> n) & 1u) consents.push_back(kConsentNames[n]);
  }
  j["consents"] = std::move(consents);
  return j;
}

}  // namespace onshi::api
