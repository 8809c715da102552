#include "auth_envelope.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>
#include <vector>

#include "onshi/base64.hpp"
#include "text_excerpt.hpp"

namespace onshi::eligibility::detail {
namespace {

using nlohmann::json;

Error invalid(std::string_view route, std::string_view what) {
  return Error(Errc::elig_message_invalid,
               fmt::format("the eligibility system's {} answer: {}", route, what));
}

bool printable_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}

// One JSON object, refusing what nlohmann would accept silently: a repeated member (the last one
// would win) and nesting deeper than any envelope.
Result<json> parse_object(std::string_view route, std::string_view body) {
  if (body.size() > kMaxEnvelopeBytes) {
    return fail(invalid(route, fmt::format("{} bytes, more than the {} an envelope may have",
                                           body.size(), kMaxEnvelopeBytes)));
  }
  std::vector<std::vector<std::string>> open_objects;
  std::optional<std::string> repeated;
  std::size_t depth = 0;
  const auto check = [&](int level, json::parse_event_t event, json& parsed) {
    depth = std::max(depth, static_cast<std::size_t>(level));
    // Deeper than any envelope: refused below, and not built meanwhile.
    if (depth > kMaxEnvelopeDepth) return false;
    if (event == json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == json::parse_event_t::object_end && !open_objects.empty()) {
      open_objects.pop_back();
    } else if (event == json::parse_event_t::key && !open_objects.empty()) {
      auto& names = open_objects.back();
      std::string name = parsed.get<std::string>();
      if (!repeated && std::find(names.begin(), names.end(), name) != names.end()) {
        repeated = std::move(name);
      } else {
        names.push_back(std::move(name));
      }
    }
    return true;
  };
  json j;
  try {
    j = json::parse(body, check, /*allow_exceptions=*/false);
  } catch (const std::exception&) {  // allocation: the body is bounded, but never throw on
    j = json(json::value_t::discarded);
  }
  if (j.is_discarded()) return fail(invalid(route, "not JSON"));
  if (!j.is_object()) return fail(invalid(route, "not a JSON object"));
  if (depth > kMaxEnvelopeDepth) return fail(invalid(route, "nested deeper than an envelope"));
  if (repeated) {
    return fail(invalid(route, fmt::format("the member \"{}\" appears twice in one object",
                                           text_excerpt(*repeated, 40))));
  }
  return j;
}

// The envelope's `status` ("200") and `msg`, then its `result` object.
Result<json> envelope_result(std::string_view route, std::string_view body) {
  ONSHI_TRY_ASSIGN(json j, parse_object(route, body));
  const auto msg = j.find("msg");
  if (msg != j.end() && !msg->is_string() && !msg->is_null()) {
    return fail(invalid(route, "msg is neither a string nor null"));
  }
  const auto status = j.find("status");
  if (status == j.end()) return fail(invalid(route, "status is missing"));
  if (!status->is_string()) return fail(invalid(route, "status is not a string"));
  if (status->get_ref<const std::string&>() != "200") {
    // A well-formed refusal: the service said no, in its own envelope.
    const std::string text =
        msg != j.end() && msg->is_string() ? msg->get_ref<const std::string&>() : "";
    return fail(Error(Errc::elig_rejected,
                      fmt::format("the eligibility system refused the {} call: status \"{}\", "
                                  "msg \"{}\"",
                                  route, text_excerpt(status->get_ref<const std::string&>(), 16),
                                  text_excerpt(text, 200))));
  }
  const auto result = j.find("result");
  if (result == j.end()) return fail(invalid(route, "result is missing"));
  if (!result->is_object()) return fail(invalid(route, "result is not an object"));
  return std::move(*result);
}

// A printable-ASCII string member of `result` of 1..max characters (the value is never shown:
// it may be a token).
Result<std::string> required_text(std::string_view route, const json& result, const char* name,
                                  std::size_t max) {
  const auto it = result.find(name);
  if (it == result.end()) return fail(invalid(route, fmt::format("result.{} is missing", name)));
  if (!it->is_string()) {
    return fail(invalid(route, fmt::format("result.{} is not a string", name)));
  }
  const auto& text = it->get_ref<const std::string&>();
  if (text.empty() || text.size() > max || !printable_ascii(text)) {
    return fail(invalid(route, fmt::format("result.{} is not 1-{} printable ASCII characters "
                                           "without spaces ({} bytes)",
                                           name, max, text.size())));
  }
  return text;
}

// A member we do not use but whose type we know: null or printable ASCII.
Status optional_text(std::string_view route, const json& result, const char* name) {
  const auto it = result.find(name);
  if (it == result.end() || it->is_null()) return {};
  if (!it->is_string()) {
    return fail(invalid(route, fmt::format("result.{} is neither a string nor null", name)));
  }
  const auto& text = it->get_ref<const std::string&>();
  if (text.size() > kMaxTokenLength || !printable_ascii(text)) {
    return fail(invalid(route, fmt::format("result.{} is not at most {} printable ASCII "
                                           "characters ({} bytes)",
                                           name, kMaxTokenLength, text.size())));
  }
  return {};
}

Result<std::chrono::seconds> seconds_member(std::string_view route, const json& result,
                                            const char* name, long long max) {
  const auto it = result.find(name);
  if (it == result.end()) return fail(invalid(route, fmt::format("result.{} is missing", name)));
  // nlohmann reads a non-negative integer as unsigned; negative ones, fractions and exponents,
  // and integers beyond 64 bits are other kinds.
  if (it->is_number_unsigned()) {
    const auto v = it->get<std::uint64_t>();
    if (v >= 1 && v <= static_cast<std::uint64_t>(max)) {
      return std::chrono::seconds(static_cast<long long>(v));
    }
  } else if (!it->is_number_integer()) {
    return fail(invalid(route, fmt::format("result.{} is not an integer", name)));
  }
  return fail(invalid(route, fmt::format("result.{} is {}, not 1..{} seconds", name,
                                         text_excerpt(it->dump(), 24), max)));
}

}  // namespace

Result<Token> parse_auth_envelope(std::string_view body) {
  constexpr std::string_view route = "/auth";
  ONSHI_TRY_ASSIGN(const json r, envelope_result(route, body));
  Token t;
  ONSHI_TRY_ASSIGN(t.access_token, required_text(route, r, "accessToken", kMaxTokenLength));
  ONSHI_TRY_ASSIGN(t.expires_in, seconds_member(route, r, "expiresIn", kMaxTokenLifetime));
  for (const char* name : {"idToken", "refreshToken", "linkSysCharCd"}) {
    ONSHI_TRY(optional_text(route, r, name));
  }
  return t;
}

Result<ChallengeEnvelope> parse_challenge_envelope(std::string_view body) {
  constexpr std::string_view route = "/mynumber/challenge";
  ONSHI_TRY_ASSIGN(const json r, envelope_result(route, body));
  ChallengeEnvelope c;
  ONSHI_TRY_ASSIGN(c.id, required_text(route, r, "challengeId", kMaxChallengeIdLength));
  ONSHI_TRY_ASSIGN(const std::string encoded,
                   required_text(route, r, "challenge", 4 * (kMaxChallengeBytes / 3 + 1)));
  const auto decoded = from_base64(encoded, encoded.size());
  if (!decoded || decoded->size() < kMinChallengeBytes || decoded->size() > kMaxChallengeBytes) {
    return fail(invalid(route, fmt::format("result.challenge is not canonical base64 of {}-{} "
                                           "bytes",
                                           kMinChallengeBytes, kMaxChallengeBytes)));
  }
  c.bytes.assign(decoded->begin(), decoded->end());
  ONSHI_TRY_ASSIGN(c.expires_in, seconds_member(route, r, "expiresIn", kMaxChallengeLifetime));
  return c;
}

}  // namespace onshi::eligibility::detail
