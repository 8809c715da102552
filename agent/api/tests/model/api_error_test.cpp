#include "onshi/api/api_error.hpp"

#include <gtest/gtest.h>

#include <set>

namespace onshi::api {
namespace {

using nlohmann::json;

TEST(HttpStatus, EveryErrorCodeHasAnErrorStatus) {
  std::set<int> seen;
  for (int i = 0; i <= static_cast<int>(Errc::pin_less_card); ++i) {
    const auto code = static_cast<Errc>(i);
    const int status = http_status_for(code);
    EXPECT_GE(status, 400) << errc_name(code);
    EXPECT_LE(status, 599) << errc_name(code);
    seen.insert(status);
  }
  // The table tells callers apart: their fault, a state to change, the patient's card, onshid,
  // what stands behind it.
  EXPECT_EQ(seen, (std::set<int>{400, 403, 404, 405, 409, 413, 422, 500, 501, 502, 503, 504}));
}

TEST(HttpStatus, DeliberateChoices) {
  const std::pair<Errc, int> cases[] = {
      {Errc::invalid_argument, 400},
      {Errc::api_bad_request, 400},
      {Errc::idempotency_key_missing, 400},
      {Errc::api_forbidden, 403},
      {Errc::api_not_found, 404},
      {Errc::api_method_not_allowed, 405},
      {Errc::idempotency_conflict, 409},
      {Errc::card_removed, 409},
      {Errc::pin_last_try, 409},
      {Errc::api_too_large, 413},
      {Errc::pin_wrong, 422},
      {Errc::pin_blocked, 422},
      {Errc::internal, 500},
      {Errc::journal_failed, 500},
      {Errc::request_interrupted, 500},
      {Errc::not_supported, 501},
      {Errc::tls_handshake, 502},
      {Errc::http_status, 502},
      {Errc::elig_rejected, 502},
      {Errc::elig_message_invalid, 502},
      {Errc::cert_expired, 503},
      {Errc::cert_not_found, 503},
      {Errc::upstream_not_configured, 503},
      {Errc::busy, 503},
      {Errc::reader_busy, 409},
      {Errc::reader_not_found, 404},
      {Errc::identity_not_confirmed, 422},
      {Errc::token_not_supported, 422},
      {Errc::pin_less_card, 422},
      {Errc::elig_not_ready, 503},
      {Errc::net_timeout, 504},
      {Errc::timeout, 504},
  };
  for (const auto& [code, status] : cases) {
    EXPECT_EQ(http_status_for(code), status) << errc_name(code);
  }
  EXPECT_EQ(http_status_for(static_cast<Errc>(60000)), 500);
}

TEST(ApiErrorJson, CarriesTheStableCodeAndOnlyWhatIsSet) {
  const ApiError plain = make_api_error(Errc::api_not_found, "no such verification");
  EXPECT_EQ(plain.http_status, 404);
  EXPECT_EQ(to_json(plain),
            json::parse(R"({"error":{"code":"api_not_found","message":"no such verification"}})"));

  Error pin(Errc::pin_wrong, "the PIN is wrong");
  pin.retries_remaining = 2;
  ApiError e = to_api_error(pin, "pin");
  e.details["next_action"] = "ask the patient to try again";
  EXPECT_EQ(e.http_status, 422);
  EXPECT_EQ(to_json(e), json::parse(R"({"error":{"code":"pin_wrong",
      "message":"the PIN is wrong","retries_remaining":2,"field":"pin",
      "details":{"next_action":"ask the patient to try again"}}})"));
}

TEST(ApiErrorJson, AnEmptyMessageGetsTheTablesText) {
  const ApiError e = to_api_error(Error(Errc::cert_expired, ""));
  EXPECT_EQ(e.code, "cert_expired");
  EXPECT_EQ(e.message, "the certificate has expired");
  EXPECT_EQ(e.http_status, 503);
}

TEST(ApiResult, HoldsAValueOrAnError) {
  ApiResult<int> ok = 7;
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, 7);
  ApiResult<json> bad = make_api_error(Errc::api_bad_request, "x");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "api_bad_request");
  ApiResult<json> value = json::object();
  EXPECT_TRUE(value && value->is_object());
}

}  // namespace
}  // namespace onshi::api
