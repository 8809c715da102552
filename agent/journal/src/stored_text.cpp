#include "stored_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string>

#include <nlohmann/json.hpp>

namespace onshi::journal::detail {
namespace {

using json = nlohmann::json;

// Walks the JSON without building it, stops at the first secret member name.
class SecretScan : public nlohmann::json_sax<json> {
 public:
  bool null() override { return top_level_value(false); }
  bool boolean(bool) override { return top_level_value(false); }
  bool number_integer(number_integer_t) override { return top_level_value(false); }
  bool number_unsigned(number_unsigned_t) override { return top_level_value(false); }
  bool number_float(number_float_t, const string_t&) override { return top_level_value(false); }
  bool string(string_t&) override { return top_level_value(false); }
  bool binary(binary_t&) override { return top_level_value(false); }
  bool start_object(std::size_t) override {
    if (depth_++ == 0) object_ = true;
    return true;
  }
  bool key(string_t& name) override {
    if (is_secret_member(name)) {
      secret_ = name;
      return false;
    }
    return true;
  }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override { return top_level_value(true); }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& e) override {
    error_ = fmt::format("not valid JSON at byte {}: {}", position, e.what());
    return false;
  }

  bool object() const { return object_; }
  const std::string& secret() const { return secret_; }
  const std::string& error() const { return error_; }

 private:
  // A scalar or an array at the top is allowed by JSON, not by the journal.
  bool top_level_value(bool opens) {
    if (depth_ == 0) object_ = false;
    if (opens) ++depth_;
    return true;
  }
  int depth_ = 0;
  bool object_ = false;
  std::string secret_;
  std::string error_;
};

std::string normalised(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '-' || c == '_' || c == ' ') continue;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

Status invalid(std::string message) { return Error(Errc::invalid_argument, std::move(message)); }

}  // namespace

bool is_secret_member(std::string_view name) {
  static constexpr std::array<std::string_view, 6> kSecret = {
      "pin", "pincode", "mynumber", "individualnumber", "kojinbango", "個人番号"};
  const std::string n = normalised(name);
  return std::find(kSecret.begin(), kSecret.end(), n) != kSecret.end();
}

Status check_stored_json(std::string_view what, std::string_view text, std::size_t limit) {
  if (text.size() > limit) {
    return Error(Errc::api_too_large,
                 fmt::format("journal: {} is {} bytes; the journal stores at most {}", what,
                             text.size(), limit));
  }
  SecretScan scan;
  // The exception-free SAX parser: errors come back through parse_error().
  const bool complete = json::sax_parse(text, &scan, json::input_format_t::json, true, false);
  if (!scan.secret().empty()) {
    return invalid(
        fmt::format("journal: {} has a member \"{}\"; the journal never stores a PIN "
                    "or a My Number",
                    what, scan.secret()));
  }
  if (!complete) {
    return invalid(fmt::format("journal: {} is {}", what,
                               scan.error().empty() ? "not valid JSON" : scan.error()));
  }
  if (!scan.object()) return invalid(fmt::format("journal: {} is not a JSON object", what));
  return {};
}

Status check_new_request(const NewRequest& r) {
  if (r.kind.empty() || r.kind.size() > kMaxKind ||
      r.kind.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos) {
    return invalid(
        fmt::format("journal: the request kind must be 1..{} of a-z, 0-9 and _", kMaxKind));
  }
  if (!r.institution.empty() &&
      (r.institution.size() != 10 ||
       r.institution.find_first_not_of("0123456789") != std::string::npos)) {
    return invalid("journal: the institution code must be 10 digits");
  }
  if (r.idempotency_key.empty() || r.idempotency_key.size() > kMaxIdempotencyKey ||
      std::any_of(r.idempotency_key.begin(), r.idempotency_key.end(),
                  [](char c) { return c < 0x20 || c > 0x7e; })) {
    return invalid(
        fmt::format("journal: the Idempotency-Key must be 1..{} printable ASCII "
                    "characters",
                    kMaxIdempotencyKey));
  }
  if (r.request_sha256.size() != 64 ||
      r.request_sha256.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return invalid("journal: the request digest must be 64 lowercase hex digits (SHA-256)");
  }
  return check_stored_json("request_json", r.request_json, kMaxStoredJson);
}

}  // namespace onshi::journal::detail
