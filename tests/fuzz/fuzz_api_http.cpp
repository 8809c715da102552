// The local API's request handling from raw bytes: the server's HTTP reading (its limits and
// refusals, agent/api/http_parse.hpp), the router, and the insurance-card and 一括 request models
// behind it. Whatever arrives, the answer is a status 200-599 with a JSON body, and every error
// body has a code and a message.
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "onshi/api/api_error.hpp"
#include "onshi/api/bulk_query.hpp"
#include "onshi/api/http_parse.hpp"
#include "onshi/api/insurance_query.hpp"
#include "onshi/api/json_body.hpp"
#include "onshi/api/router.hpp"

namespace {

using namespace onshi::api;

HttpResponse answer(const ApiError& e) { return json_response(e.http_status, to_json(e).dump()); }

const Router& router() {
  static const Router r = [] {
    Router router;
    static const std::vector<std::string> institutions = {"2714206386", "2734206382"};
    const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1796000000));
    router.add("GET", "/v1/health",
               [](const HttpRequest&, const PathParams&) { return json_response(200, "{}"); });
    router.add("POST", "/v1/verifications", [now](const HttpRequest& r, const PathParams&) {
      auto body = parse_json_body(r.body);
      if (!body) return answer(body.error());
      auto q = parse_insurance_card_query(*body, institutions, now);
      if (!q) return answer(q.error());
      return json_response(202, nlohmann::json{{"canonical", canonical_request(*q)}}.dump());
    });
    router.add("POST", "/v1/bulk-verifications", [now](const HttpRequest& r, const PathParams&) {
      auto body = parse_json_body(r.body);
      if (!body) return answer(body.error());
      auto q = parse_bulk_query(*body, institutions, now);
      if (!q) return answer(q.error());
      return json_response(202, "{}");
    });
    router.add("GET", "/v1/verifications/{id}", [](const HttpRequest&, const PathParams& p) {
      return json_response(200, nlohmann::json{{"id", p.at("id")}}.dump(
                                    -1, ' ', false, nlohmann::json::error_handler_t::replace));
    });
    return router;
  }();
  return r;
}

void check(const HttpResponse& r) {
  if (r.status < 200 || r.status > 599) std::abort();
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded()) std::abort();
  if (r.status >= 400) {
    if (!j.contains("error") || !j["error"].contains("code") || !j["error"].contains("message")) {
      std::abort();
    }
    if (j["error"]["code"].get<std::string>().empty()) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ServerLimits limits;
  limits.max_body_bytes = 64 * 1024;  // small, so the fuzzer reaches the limit
  limits.max_header_bytes = 4096;
  const auto parsed =
      parse_request_bytes(std::string_view(reinterpret_cast<const char*>(data), size), limits);
  if (parsed.refusal) check(*parsed.refusal);
  if (parsed.request) check(router().dispatch(*parsed.request));
  return 0;
}
