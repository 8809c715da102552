// The field rules the verification requests share (insurance_query.hpp, bulk_query.hpp): one
// definition for the 個別照会 body and each patient of a 一括照会.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "onshi/api/api_error.hpp"
#include "onshi/bytes.hpp"
#include "onshi/xmlmsg/messages.hpp"

namespace onshi::api::detail {

// At most this many problems are listed in details.errors; the count of the rest is given.
inline constexpr std::size_t kMaxListedProblems = 100;

// Collects every problem of one request: the first becomes the answer, all of them are listed in
// its details.errors, so a vendor fixes a whole body (or a whole 一括) at once.
class Problems {
 public:
  void add(std::string field, std::string message);  // invalid_argument
  bool empty() const { return total_ == 0; }
  std::size_t count() const { return total_; }
  // The first problem; with details {"errors":[{"field","message"}…]} when there are several.
  ApiError error() const;

 private:
  std::vector<ApiError> listed_;
  std::size_t total_ = 0;
};

// A value quoted for a message: JSON-escaped (controls stay visible) and cut to 24 characters.
std::string quote_value(std::string_view text);

// "field" when prefix is empty, else "prefix.field" ("patients[3].number").
std::string field_path(std::string_view prefix, std::string_view field);

// A member that must be a string when present; nullopt when absent or null (or wrong, recorded).
std::optional<std::string> string_member(const nlohmann::json& object, std::string_view name,
                                         const std::string& field, Problems& problems);
// A member that must be true or false when present; `fallback` when absent or null.
bool bool_member(const nlohmann::json& object, std::string_view name, const std::string& field,
                 bool fallback, Problems& problems);
// How long a card session may wait for the card (and the people at the reader): "timeout_seconds"
// of the My Number and the signature requests.
inline constexpr std::chrono::seconds kMinSessionTimeout{10};
inline constexpr std::chrono::seconds kMaxSessionTimeout{600};

// A member that must be a whole number of seconds from `min` to `max` when present; nullopt when
// absent or null (or wrong, recorded).
std::optional<std::chrono::seconds> seconds_member(const nlohmann::json& object,
                                                   std::string_view name, std::chrono::seconds min,
                                                   std::chrono::seconds max, Problems& problems);
// A secret (a PIN) that must be a string `acceptable` accepts when present: copied into wiped
// memory; `rule` is the message, which never quotes the value. nullptr when absent or null.
std::shared_ptr<SecretBytes> secret_member(const nlohmann::json& object, std::string_view name,
                                           const std::function<bool(std::string_view)>& acceptable,
                                           std::string_view rule, Problems& problems);

// Text for an identifier (記号, 番号, id): 1..max characters, no control or bidirectional
// character, no space (ASCII or U+3000) at either end. Records a problem and returns false.
bool check_identifier_text(std::string_view value, std::size_t max_characters,
                           std::string_view what, const std::string& field, Problems& problems);

// "YYYY-MM-DD" → "YYYYMMDD" for a calendar date from 1900-01-01; records a problem otherwise.
std::optional<std::string> api_date(std::string_view value, const std::string& field,
                                    Problems& problems);
// "YYYYMMDD" → "YYYY-MM-DD" (any other text unchanged).
std::string iso_date(std::string_view yyyymmdd);
// Today in Japan, YYYYMMDD.
std::string japan_today(std::chrono::system_clock::time_point now);

// "institution": the field, or the only configured code. An empty `institutions` list is the
// agent's configuration fault (config_invalid, 500), returned rather than recorded.
std::optional<ApiError> no_institution_configured(std::span<const std::string> institutions);
std::string resolve_institution(const nlohmann::json& body,
                                std::span<const std::string> institutions, Problems& problems);

struct ConfirmationDate {
  std::string date;  // YYYYMMDD
  bool given = false;
};
ConfirmationDate confirmation_date(const nlohmann::json& body, std::string_view today,
                                   Problems& problems);

// The card's fields of one patient (insurer_number, symbol, number, branch, birthdate,
// limit_consent) as a SearchInfo; prefix "" for the 個別照会 body, "patients[3]" in a 一括.
// nullopt when a problem was recorded.
std::optional<xmlmsg::SearchInfo> search_fields(const nlohmann::json& object,
                                                std::string_view prefix, std::string_view today,
                                                Problems& problems);

// The identifiers of a SearchInfo in the API's names and forms (dates YYYY-MM-DD, limit_consent a
// boolean, empty symbol/branch null): the canonical form and the journal use the same.
nlohmann::json search_identifiers_json(const xmlmsg::SearchInfo& s);

}  // namespace onshi::api::detail
