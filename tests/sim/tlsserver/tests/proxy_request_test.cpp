#include "proxy_request.hpp"

#include <gtest/gtest.h>

namespace onshi::sim::tlsserver {
namespace {

TEST(ProxyRequest, TunnelsAConnect) {
  const auto d = decide("CONNECT", "127.0.0.1:8443", std::nullopt, {});
  EXPECT_EQ(d.outcome, ProxyOutcome::ok);
  EXPECT_EQ(d.target.host, "127.0.0.1");
  EXPECT_EQ(d.target.port, 8443);
  EXPECT_EQ(proxy_log_line("CONNECT", "127.0.0.1:8443", d.outcome), "CONNECT 127.0.0.1:8443 -> ok");
}

TEST(ProxyRequest, OtherMethodsAreNotAllowed) {
  EXPECT_EQ(decide("GET", "http://example.jp/", std::nullopt, {}).outcome,
            ProxyOutcome::not_allowed);
  EXPECT_NE(refusal_response(ProxyOutcome::not_allowed, false).find("405"), std::string::npos);
}

TEST(ProxyRequest, BadTargetsAreBadRequests) {
  for (const char* target : {"example.jp", "example.jp:0", "/path", "[::1:443", "a:b"}) {
    EXPECT_EQ(decide("CONNECT", target, std::nullopt, {}).outcome, ProxyOutcome::bad_request)
        << target;
  }
}

TEST(ProxyRequest, RefuseAnswers403) {
  const ProxyPolicy policy{true, std::nullopt};
  const auto d = decide("CONNECT", "h:443", std::nullopt, policy);
  EXPECT_EQ(d.outcome, ProxyOutcome::refused);
  EXPECT_EQ(proxy_log_line("CONNECT", "h:443", d.outcome), "CONNECT h:443 -> refused");
  EXPECT_TRUE(refusal_response(d.outcome, false).starts_with("HTTP/1.1 403 Forbidden\r\n"));
}

TEST(ProxyRequest, BasicCredentialsAreChecked) {
  const ProxyPolicy policy{false, std::string("user:pass")};
  // base64("user:pass") = dXNlcjpwYXNz
  EXPECT_EQ(decide("CONNECT", "h:443", "Basic dXNlcjpwYXNz", policy).outcome, ProxyOutcome::ok);
  EXPECT_EQ(decide("CONNECT", "h:443", "basic  dXNlcjpwYXNz ", policy).outcome, ProxyOutcome::ok);
  EXPECT_EQ(decide("CONNECT", "h:443", std::nullopt, policy).outcome, ProxyOutcome::unauthorized);
  EXPECT_EQ(decide("CONNECT", "h:443", "Basic dXNlcjpwYXNx", policy).outcome,
            ProxyOutcome::unauthorized);
  EXPECT_EQ(decide("CONNECT", "h:443", "Bearer dXNlcjpwYXNz", policy).outcome,
            ProxyOutcome::unauthorized);
  EXPECT_EQ(decide("CONNECT", "h:443", "Basic", policy).outcome, ProxyOutcome::unauthorized);
  const auto response = refusal_response(ProxyOutcome::unauthorized, true);
  EXPECT_TRUE(response.starts_with("HTTP/1.1 407 "));
  EXPECT_NE(response.find("Proxy-Authenticate: Basic"), std::string::npos);
  EXPECT_NE(response.find("Connection: keep-alive"), std::string::npos);
}

TEST(ProxyRequest, LogLinesHaveNoControlBytes) {
  const auto line = proxy_log_line("CONNECT", std::string("a\x01\nb:1", 6), ProxyOutcome::failed);
  EXPECT_EQ(line, "CONNECT a??b:1 -> failed");
  EXPECT_EQ(proxy_log_line("", "", ProxyOutcome::bad_request), "- - -> bad-request");
  EXPECT_LT(proxy_log_line("CONNECT", std::string(5000, 'x'), ProxyOutcome::ok).size(), 300u);
}

TEST(ProxyRequest, EstablishedIsExactly200) {
  EXPECT_EQ(established_response(), "HTTP/1.1 200 Connection established\r\n\r\n");
}

}  // namespace
}  // namespace onshi::sim::tlsserver
