#include "request_fields.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "onshi/check_digit.hpp"
#include "onshi/japan_time.hpp"
#include "onshi/text_scan.hpp"
#include "onshi/xmlmsg/insurer_number.hpp"
#include "onshi/xmlmsg/text.hpp"

namespace onshi::api::detail {
namespace {

using nlohmann::json;
using xmlmsg::all_digits;

// 記号 and 番号 (eligibility-system.md §2): at most 20 characters each.
constexpr std::size_t kMaxSymbolCharacters = 20;
constexpr std::size_t kMaxNumberCharacters = 20;
// Dates before 1900 are typing errors (no living patient, no open qualification).
constexpr int kFirstYear = 1900;

bool present(const json& object, std::string_view name) {
  const auto it = object.find(name);
  return it != object.end() && !it->is_null();
}

std::string_view type_phrase(const json& value) {
  switch (value.type()) {
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::string:
      return "a string";
    case json::value_t::null:
      return "null";
    default:
      return "a number";
  }
}

bool ascii_only(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// A 全角 digit typed by a receptionist is the likeliest non-ASCII in a number field.
std::string digits_hint(std::string_view value) {
  return ascii_only(value) ? std::string() : " (full-width digits such as ０６ are not accepted)";
}

int number_of(std::string_view digits) {
  int n = 0;
  for (const char c : digits) n = n * 10 + (c - '0');
  return n;
}

std::string join(std::span<const std::string> codes) {
  std::string list;
  for (const auto& c : codes) {
    if (!list.empty()) list += ", ";
    list += c;
  }
  return list;
}

bool starts_or_ends_with_space(std::string_view s) {
  constexpr std::string_view kIdeographicSpace = "\u3000";
  return s.front() == ' ' || s.back() == ' ' || s.starts_with(kIdeographicSpace) ||
         s.ends_with(kIdeographicSpace);
}

void check_insurer(const json& object, const std::string& field, xmlmsg::SearchInfo& s,
                   Problems& problems) {
  const auto value = string_member(object, "insurer_number", field, problems);
  if (!value || value->empty()) {
    if (!value && present(object, "insurer_number")) return;  // wrong type, recorded
    problems.add(field, "required: the 保険者番号 on the card (8 digits, or 6 for 国保)");
    return;
  }
  const std::string& v = *value;
  if (!all_digits(v)) {
    problems.add(field, fmt::format("{} must be ASCII digits only (8, or 6 for 国保){}",
                                    quote_value(v), digits_hint(v)));
    return;
  }
  if (v.size() != 6 && v.size() != 8) {
    problems.add(field,
                 fmt::format("{} has {} digits; a 保険者番号 has 8, or 6 for 国保", v, v.size()));
    return;
  }
  if (const auto problem = xmlmsg::insurer_number_problem(v)) {
    const auto expected = check_digit_2_1(std::string_view(v).substr(0, v.size() - 1));
    if (v.substr(0, 2) != "00" || v.size() == 6) {
      if (expected && *expected != v.back() - '0') {
        problems.add(field,
                     fmt::format("{} fails its check digit (should end in {})", v, *expected));
        return;
      }
    }
    problems.add(field, fmt::format("{}: {}", v, *problem));
    return;
  }
  s.insurer_number = v;
}

void check_number(const json& object, const std::string& field, bool koki, xmlmsg::SearchInfo& s,
                  Problems& problems) {
  const auto value = string_member(object, "number", field, problems);
  if (!value || value->empty()) {
    if (!value && present(object, "number")) return;
    problems.add(field, "required: the 番号 (被保険者番号) on the card");
    return;
  }
  const std::string& v = *value;
  if (koki) {
    // 後期高齢 被保険者番号 (§2): 8 digits, the last the 2-1 check digit over the first 7.
    if (v.size() != 8 || !all_digits(v)) {
      problems.add(field, fmt::format("{} is not a 後期高齢 被保険者番号: that is 8 ASCII digits{}",
                                      quote_value(v), digits_hint(v)));
      return;
    }
    const auto expected = check_digit_2_1(std::string_view(v).substr(0, 7));
    if (!expected || *expected != v.back() - '0') {
      problems.add(
          field, fmt::format("{} fails its check digit (a 後期高齢 被保険者番号 should end in {})",
                             v, expected.value_or(0)));
      return;
    }
  } else if (!check_identifier_text(v, kMaxNumberCharacters, "番号", field, problems)) {
    return;
  }
  s.insured_identification_number = v;
}

}  // namespace

void Problems::add(std::string field, std::string reason) {
  ++total_;
  if (listed_.size() >= kMaxListedProblems) return;
  std::string message = field.empty() ? std::move(reason) : fmt::format("{}: {}", field, reason);
  listed_.push_back(make_api_error(Errc::invalid_argument, std::move(message),
                                   field.empty() ? std::nullopt : std::optional(std::move(field))));
}

ApiError Problems::error() const {
  if (listed_.empty()) return make_api_error(Errc::internal, "no problem was recorded");
  ApiError first = listed_.front();
  if (total_ > 1) {
    first.message += fmt::format(" (and {} more: details.errors)", total_ - 1);
    json list = json::array();
    for (const auto& p : listed_) {
      json item{{"message", p.message}};
      if (p.field) item["field"] = *p.field;
      list.push_back(std::move(item));
    }
    first.details["errors"] = std::move(list);
    if (total_ > listed_.size()) first.details["errors_not_listed"] = total_ - listed_.size();
  }
  return first;
}

std::string quote_value(std::string_view text) {
  const std::string_view prefix = xmlmsg::utf8_prefix(text, 24);
  std::string q = json(std::string(prefix)).dump(-1, ' ', false, json::error_handler_t::replace);
  if (prefix.size() < text.size()) q += "…";
  return q;
}

std::string field_path(std::string_view prefix, std::string_view field) {
  return prefix.empty() ? std::string(field) : fmt::format("{}.{}", prefix, field);
}

std::optional<std::string> string_member(const json& object, std::string_view name,
                                         const std::string& field, Problems& problems) {
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) {
    problems.add(field,
                 "must be a JSON string, not a number (a number loses leading zeros: "
                 "send the digits in quotes)");
  } else {
    problems.add(field, fmt::format("must be a JSON string, not {}", type_phrase(*it)));
  }
  return std::nullopt;
}

bool bool_member(const json& object, std::string_view name, const std::string& field, bool fallback,
                 Problems& problems) {
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) return fallback;
  if (it->is_boolean()) return it->get<bool>();
  problems.add(field, fmt::format("must be true or false, not {}", type_phrase(*it)));
  return fallback;
}

std::optional<std::chrono::seconds> seconds_member(const json& object, std::string_view name,
                                                   std::chrono::seconds min,
                                                   std::chrono::seconds max, Problems& problems) {
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) return std::nullopt;
  const bool whole = it->is_number_integer();
  const std::int64_t v = whole ? it->get<std::int64_t>() : 0;
  if (!whole || v < min.count() || v > max.count()) {
    problems.add(std::string(name), fmt::format("must be a whole number of seconds, {} to {}",
                                                min.count(), max.count()));
    return std::nullopt;
  }
  return std::chrono::seconds(v);
}

std::shared_ptr<SecretBytes> secret_member(const json& object, std::string_view name,
                                           const std::function<bool(std::string_view)>& acceptable,
                                           std::string_view rule, Problems& problems) {
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) return nullptr;
  const std::string* text = it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
  if (text == nullptr || !acceptable(*text)) {
    problems.add(std::string(name), std::string(rule));
    return nullptr;
  }
  return std::make_shared<SecretBytes>(
      ByteView(reinterpret_cast<const std::uint8_t*>(text->data()), text->size()));
}

bool check_identifier_text(std::string_view value, std::size_t max_characters,
                           std::string_view what, const std::string& field, Problems& problems) {
  const TextScan scan = scan_text(value);
  if (!scan.valid_utf8 || value.empty()) {
    problems.add(field,
                 fmt::format("the {} must be text of 1 to {} characters", what, max_characters));
    return false;
  }
  if (scan.characters > max_characters) {
    problems.add(field, fmt::format("{} characters; the {} has at most {}", scan.characters, what,
                                    max_characters));
    return false;
  }
  if (scan.control) {
    problems.add(field, fmt::format("holds a control character (U+{:04X}) at character {}",
                                    static_cast<std::uint32_t>(*scan.control), scan.control_at));
    return false;
  }
  if (scan.bidi_control) {
    problems.add(field, "holds a bidirectional control character (U+202A-202E, U+2066-2069)");
    return false;
  }
  if (starts_or_ends_with_space(value)) {
    problems.add(field, fmt::format("{} starts or ends with a space: send the {} as printed on the "
                                    "card",
                                    quote_value(value), what));
    return false;
  }
  return true;
}

std::optional<std::string> api_date(std::string_view v, const std::string& field,
                                    Problems& problems) {
  const bool shape = v.size() == 10 && v[4] == '-' && v[7] == '-' && all_digits(v.substr(0, 4)) &&
                     all_digits(v.substr(5, 2)) && all_digits(v.substr(8, 2));
  if (!shape) {
    problems.add(field,
                 fmt::format("{} must be a date YYYY-MM-DD (e.g. 1965-02-11)", quote_value(v)));
    return std::nullopt;
  }
  const int year = number_of(v.substr(0, 4));
  const std::chrono::year_month_day ymd{
      std::chrono::year(year), std::chrono::month(static_cast<unsigned>(number_of(v.substr(5, 2)))),
      std::chrono::day(static_cast<unsigned>(number_of(v.substr(8, 2))))};
  if (!ymd.ok()) {
    problems.add(field, fmt::format("{} is not a calendar date", v));
    return std::nullopt;
  }
  if (year < kFirstYear) {
    problems.add(field, fmt::format("{} is before {}-01-01", v, kFirstYear));
    return std::nullopt;
  }
  return fmt::format("{}{}{}", v.substr(0, 4), v.substr(5, 2), v.substr(8, 2));
}

std::string iso_date(std::string_view d) {
  if (d.size() != 8 || !all_digits(d)) return std::string(d);
  return fmt::format("{}-{}-{}", d.substr(0, 4), d.substr(4, 2), d.substr(6, 2));
}

std::string japan_today(std::chrono::system_clock::time_point now) {
  std::string d = format_japan_date(std::chrono::floor<std::chrono::seconds>(now));
  d.erase(std::remove(d.begin(), d.end(), '-'), d.end());
  return d;
}

std::optional<ApiError> no_institution_configured(std::span<const std::string> institutions) {
  if (!institutions.empty()) return std::nullopt;
  return make_api_error(Errc::config_invalid,
                        "no medical institution is configured in onshid ([[institutions]])");
}

std::string resolve_institution(const json& body, std::span<const std::string> institutions,
                                Problems& problems) {
  const std::string field = "institution";
  const auto value = string_member(body, "institution", field, problems);
  if (!value && present(body, "institution")) return {};
  if (!value || value->empty()) {
    if (institutions.size() == 1) return institutions.front();
    problems.add(field, fmt::format("required when several institutions are configured: {}",
                                    join(institutions)));
    return {};
  }
  if (std::find(institutions.begin(), institutions.end(), *value) != institutions.end()) {
    return *value;
  }
  if (const auto problem = institution_code_problem(*value)) {
    problems.add(field, fmt::format("{} is not a 医療機関コード ({}); configured here: {}",
                                    quote_value(*value), *problem, join(institutions)));
  } else {
    problems.add(field, fmt::format("{} is not configured in this onshid; configured here: {}",
                                    *value, join(institutions)));
  }
  return {};
}

ConfirmationDate confirmation_date(const json& body, std::string_view today, Problems& problems) {
  const std::string field = "date";
  const auto value = string_member(body, "date", field, problems);
  if (!value) return {std::string(today), false};
  auto date = api_date(*value, field, problems);
  return {date.value_or(std::string(today)), true};
}

std::optional<xmlmsg::SearchInfo> search_fields(const json& object, std::string_view prefix,
                                                std::string_view today, Problems& problems) {
  const std::size_t before = problems.count();
  const auto at = [&](std::string_view name) { return field_path(prefix, name); };
  xmlmsg::SearchInfo s;

  check_insurer(object, at("insurer_number"), s, problems);
  // 後期高齢 (§2): always an 8-digit 保険者番号 starting 39.
  const bool koki = s.insurer_number.size() == 8 && s.insurer_number.starts_with("39");

  const std::string symbol_field = at("symbol");
  if (const auto symbol = string_member(object, "symbol", symbol_field, problems);
      symbol && !symbol->empty()) {
    if (koki) {
      problems.add(symbol_field,
                   "a 後期高齢 保険者番号 (39…) has no 記号: leave symbol out or empty");
    } else if (check_identifier_text(*symbol, kMaxSymbolCharacters, "記号", symbol_field,
                                     problems)) {
      s.insured_card_symbol = *symbol;
    }
  }

  check_number(object, at("number"), koki, s, problems);

  const std::string branch_field = at("branch");
  if (const auto branch = string_member(object, "branch", branch_field, problems);
      branch && !branch->empty()) {
    if (branch->size() == 2 && all_digits(*branch)) {
      s.insured_branch_number = *branch;
    } else {
      problems.add(branch_field, fmt::format("{} must be 2 digits (\"01\") or left out{}",
                                             quote_value(*branch), digits_hint(*branch)));
    }
  }

  const std::string birth_field = at("birthdate");
  const auto birth = string_member(object, "birthdate", birth_field, problems);
  if (!birth || birth->empty()) {
    if (birth || !present(object, "birthdate")) {
      problems.add(birth_field, "required: the date of birth, YYYY-MM-DD");
    }
  } else if (auto compact = api_date(*birth, birth_field, problems)) {
    if (*compact > today) {
      problems.add(birth_field, fmt::format("{} is in the future (today is {} in Japan)", *birth,
                                            iso_date(today)));
    } else {
      s.birthdate = *compact;
    }
  }

  // OQSCD001: the patient's consent to 限度額適用認定証関連情報.
  const bool consent = bool_member(object, "limit_consent", at("limit_consent"), false, problems);
  s.limit_consent.assign(1, consent ? '1' : '0');
  if (problems.count() != before) return std::nullopt;
  return s;
}

json search_identifiers_json(const xmlmsg::SearchInfo& s) {
  const auto or_null = [](const std::string& v) { return v.empty() ? json(nullptr) : json(v); };
  return json{
      {"insurer_number", s.insurer_number},        {"symbol", or_null(s.insured_card_symbol)},
      {"number", s.insured_identification_number}, {"branch", or_null(s.insured_branch_number)},
      {"birthdate", iso_date(s.birthdate)},        {"limit_consent", s.limit_consent == "1"}};
}

}  // namespace onshi::api::detail
