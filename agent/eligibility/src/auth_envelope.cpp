#include "auth_envelope.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "onshi/base64.hpp"

namespace onshi::eligibility::detail {
namespace {

using nlohmann::json;

Error invalid(std::string_view what) {
  return Error(Errc::elig_message_invalid,
               fmt::format("the eligibility system's answer: {}", what));
}

bool printable_ascii(std::string_view s) {
  for (char c : s) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

Result<json> envelope_result(std::string_view body) {
  if (body.size() > kMaxEnvelopeBytes) return fail(invalid("the envelope is too large"));
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(invalid("not a JSON object"));
  const auto status = j.find("status");
  if (status == j.end() || !status->is_string()) return fail(invalid("\"status\" is missing"));
  if (status->get<std::string>() != "200") {
    const auto msg = j.find("msg");
    std::string text = msg != j.end() && msg->is_string() ? msg->get<std::string>() : "";
    if (text.size() > 200) text.resize(200);
    return fail(Error(Errc::elig_rejected,
                      fmt::format("the eligibility system refused the call: status {} {}",
                                  status->get<std::string>().substr(0, 10),
                                  json(text).dump(-1, ' ', true, json::error_handler_t::replace))));
  }
  const auto result = j.find("result");
  if (result == j.end() || !result->is_object()) return fail(invalid("\"result\" is missing"));
  return *result;
}

Result<std::chrono::seconds> seconds_field(const json& r, const char* name, long max) {
  const auto it = r.find(name);
  if (it == r.end() || !it->is_number_integer()) {
    return fail(invalid(fmt::format("result.{} is not an integer", name)));
  }
  const auto v = it->get<long long>();
  if (v < 1 || v > max)
    return fail(invalid(fmt::format("result.{} is out of range 1..{}", name, max)));
  return std::chrono::seconds(v);
}

}  // namespace

Result<Token> parse_auth_envelope(std::string_view body) {
  ONSHI_TRY_ASSIGN(const json r, envelope_result(body));
  const auto token = r.find("accessToken");
  if (token == r.end() || !token->is_string())
    return fail(invalid("result.accessToken is missing"));
  Token t;
  t.access_token = token->get<std::string>();
  if (t.access_token.empty() || t.access_token.size() > kMaxTokenLength ||
      !printable_ascii(t.access_token)) {
    return fail(invalid("result.accessToken is not 1-4096 printable ASCII characters"));
  }
  ONSHI_TRY_ASSIGN(t.expires_in, seconds_field(r, "expiresIn", 86400));
  return t;
}

Result<ChallengeEnvelope> parse_challenge_envelope(std::string_view body) {
  ONSHI_TRY_ASSIGN(const json r, envelope_result(body));
  ChallengeEnvelope c;
  const auto id = r.find("challengeId");
  if (id == r.end() || !id->is_string()) return fail(invalid("result.challengeId is missing"));
  c.id = id->get<std::string>();
  if (c.id.empty() || c.id.size() > 256 || !printable_ascii(c.id)) {
    return fail(invalid("result.challengeId is not 1-256 printable ASCII characters"));
  }
  const auto bytes = r.find("challenge");
  if (bytes == r.end() || !bytes->is_string()) return fail(invalid("result.challenge is missing"));
  const auto decoded = from_base64(bytes->get<std::string>(), 2048);
  if (!decoded || decoded->size() < 16 || decoded->size() > 1024) {
    return fail(invalid("result.challenge is not base64 of 16-1024 bytes"));
  }
  c.bytes.assign(decoded->begin(), decoded->end());
  ONSHI_TRY_ASSIGN(c.expires_in, seconds_field(r, "expiresIn", 3600));
  return c;
}

}  // namespace onshi::eligibility::detail
