#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <stdexcept>

#include "onshi/api/http_parse.hpp"
#include "onshi/api/peer_policy.hpp"
#include "onshi/api/router.hpp"

namespace onshi::api {
namespace {

HttpRequest req(std::string method, std::string target) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  return r;
}

std::string code(const HttpResponse& r) {
  return nlohmann::json::parse(r.body)["error"]["code"].get<std::string>();
}

Router make_router() {
  Router router;
  router.add("GET", "/v1/verifications/{id}", [](const HttpRequest&, const PathParams& p) {
    return json_response(200, nlohmann::json{{"id", p.at("id")}}.dump());
  });
  router.add("POST", "/v1/verifications",
             [](const HttpRequest&, const PathParams&) { return json_response(202, "{}"); });
  router.add("GET", "/v1/boom", [](const HttpRequest&, const PathParams&) -> HttpResponse {
    throw std::runtime_error("kaboom");
  });
  return router;
}

TEST(Router, MatchesPatternsAndPassesParameters) {
  const Router router = make_router();
  const HttpResponse r = router.dispatch(req("GET", "/v1/verifications/vf_1?wait=3"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(nlohmann::json::parse(r.body)["id"], "vf_1");
  EXPECT_EQ(router.dispatch(req("POST", "/v1/verifications")).status, 202);
}

TEST(Router, UnknownPathIs404AndWrongMethod405WithAllow) {
  const Router router = make_router();
  const HttpResponse missing = router.dispatch(req("GET", "/v1/nothing"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(code(missing), "api_not_found");
  EXPECT_EQ(router.dispatch(req("GET", "/v1/verifications/a/b")).status, 404);
  const HttpResponse wrong = router.dispatch(req("DELETE", "/v1/verifications"));
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(code(wrong), "api_method_not_allowed");
  ASSERT_EQ(wrong.headers.size(), 1u);
  EXPECT_EQ(wrong.headers[0].second, "POST");
}

TEST(Router, AThrowingRouteIs500NotACrash) {
  const HttpResponse r = make_router().dispatch(req("GET", "/v1/boom"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(code(r), "internal");
}

TEST(Router, NotFoundMessageEscapesThePath) {
  const HttpResponse r = make_router().dispatch(req("GET", "/v1/\x1b[31m\xff"));
  EXPECT_FALSE(nlohmann::json::parse(r.body, nullptr, false).is_discarded());
}

TEST(HttpRequest, QueryAndHeaders) {
  HttpRequest r = req("GET", "/v1/x?a=1&wait=15&b");
  r.headers = {{"idempotency-key", "k"}};
  EXPECT_EQ(r.path(), "/v1/x");
  EXPECT_EQ(r.query_value("wait"), "15");
  EXPECT_EQ(r.query_value("b"), "");
  EXPECT_FALSE(r.query_value("c"));
  EXPECT_EQ(r.header("idempotency-key"), "k");
}

TEST(ParseRequestBytes, AWholeRequest) {
  const auto p = parse_request_bytes(
      "POST /v1/verifications HTTP/1.1\r\nHost: x\r\nIdempotency-Key: K1\r\nContent-Length: "
      "2\r\n\r\n{}",
      ServerLimits{});
  ASSERT_TRUE(p.request);
  EXPECT_EQ(p.request->method, "POST");
  EXPECT_EQ(p.request->header("idempotency-key"), "K1");  // names in lower case
  EXPECT_EQ(p.request->body, "{}");
}

TEST(ParseRequestBytes, LimitsAndGarbageAreRefusedWithJson) {
  ServerLimits limits;
  limits.max_body_bytes = 10;
  const auto big =
      parse_request_bytes("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n01234567890", limits);
  ASSERT_TRUE(big.refusal);
  EXPECT_EQ(big.refusal->status, 413);
  EXPECT_EQ(code(*big.refusal), "api_too_large");
  const auto garbage = parse_request_bytes("\x16\x03\x01 hello\r\n\r\n", limits);
  ASSERT_TRUE(garbage.refusal);
  EXPECT_EQ(garbage.refusal->status, 400);
  EXPECT_EQ(code(*garbage.refusal), "api_bad_request");
  EXPECT_TRUE(parse_request_bytes("GET / HTTP/1.1\r\nHost:", limits).incomplete);
}

TEST(PeerPolicy, UidPrimaryAndSupplementaryGroups) {
  PeerPolicy policy;
  policy.self_uid = 999;
  policy.uids = {1000};
  policy.gids = {50};
  Peer p;
  p.transport = Peer::Transport::unix_socket;
  p.uid = 1001;
  p.gid = 1001;
  EXPECT_FALSE(policy.allows(p));
  p.groups = {20, 50};
  EXPECT_TRUE(policy.allows(p));
  p.groups = {};
  p.gid = 50;
  EXPECT_TRUE(policy.allows(p));
  p.gid = 1;
  p.uid = 1000;
  EXPECT_TRUE(policy.allows(p));
  p.uid = 999;  // the agent's own user
  EXPECT_TRUE(policy.allows(p));
  p.uid.reset();  // no credentials: never
  EXPECT_FALSE(policy.allows(p));
}

TEST(PeerPolicy, UnknownNamesAreNamed) {
  auto r = PeerPolicy::resolve({"no-such-user-onshi"}, {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no-such-user-onshi"), std::string::npos);
  auto g = PeerPolicy::resolve({}, {"no-such-group-onshi"});
  ASSERT_FALSE(g);
  EXPECT_NE(g.error().message.find("api.allowed_groups"), std::string::npos);
  EXPECT_TRUE(PeerPolicy::resolve({"root"}, {"root"}));
}

}  // namespace
}  // namespace onshi::api
