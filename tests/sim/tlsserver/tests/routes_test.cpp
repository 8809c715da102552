#include "routes.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace onshi::sim::tlsserver {
namespace {

using nlohmann::json;

Request request(http::verb method, std::string target, std::string body = {}) {
  Request r(method, target, 11);
  r.body() = std::move(body);
  r.prepare_payload();
  return r;
}

ConnectionInfo connection() {
  ConnectionInfo info;
  info.connection_id = 7;
  info.request_on_connection = 2;
  info.tls_version = "TLSv1.3";
  info.resumed = true;
  return info;
}

TEST(Routes, EchoReportsTheRequestAndConnection) {
  const auto reply = route(request(http::verb::post, "/echo?x=1", "hello"), connection(), {});
  EXPECT_EQ(reply.response.result(), http::status::ok);
  EXPECT_EQ(reply.response[http::field::content_type], "application/json");
  EXPECT_EQ(reply.response[http::field::content_length],
            std::to_string(reply.response.body().size()));
  const auto body = json::parse(reply.response.body());
  EXPECT_EQ(body["method"], "POST");
  EXPECT_EQ(body["target"], "/echo?x=1");
  EXPECT_EQ(body["body"], "hello");
  EXPECT_TRUE(body["client_subject"].is_null());
  EXPECT_TRUE(body["client_fingerprint_sha256"].is_null());
  EXPECT_EQ(body["tls_version"], "TLSv1.3");
  EXPECT_EQ(body["resumed"], true);
  EXPECT_EQ(body["connection_id"], 7);
  EXPECT_EQ(body["request_on_connection"], 2);
}

TEST(Routes, EchoReportsTheClientCertificate) {
  auto info = connection();
  info.peer.subject = "CN=client";
  info.peer.fingerprint_sha256 = std::string(64, 'a');
  const auto body = json::parse(route(request(http::verb::get, "/echo"), info, {}).response.body());
  EXPECT_EQ(body["client_subject"], "CN=client");
  EXPECT_EQ(body["client_fingerprint_sha256"], std::string(64, 'a'));
}

TEST(Routes, EchoSurvivesInvalidUtf8) {
  const auto reply = route(request(http::verb::post, "/echo", "\xff\xfe"), connection(), {});
  EXPECT_EQ(reply.response.result(), http::status::ok);
  EXPECT_FALSE(json::parse(reply.response.body(), nullptr, false).is_discarded());
}

TEST(Routes, StatusGivesThatStatus) {
  const auto reply = route(request(http::verb::get, "/status/503"), connection(), {});
  EXPECT_EQ(reply.response.result_int(), 503u);
  EXPECT_EQ(json::parse(reply.response.body())["status"], 503);
  for (const char* bad : {"/status/99", "/status/600", "/status/abc", "/status/", "/status/2000"}) {
    EXPECT_EQ(route(request(http::verb::get, bad), connection(), {}).response.result_int(), 404u)
        << bad;
  }
  const auto empty = route(request(http::verb::get, "/status/204"), connection(), {});
  EXPECT_EQ(empty.response.result_int(), 204u);
  EXPECT_TRUE(empty.response.body().empty());
}

TEST(Routes, SlowAsksForADelay) {
  const auto reply = route(request(http::verb::get, "/slow?x=1&ms=250"), connection(), {});
  EXPECT_EQ(reply.response.result(), http::status::ok);
  EXPECT_EQ(reply.delay, std::chrono::milliseconds(250));
  for (const char* bad : {"/slow", "/slow?ms=", "/slow?ms=-1", "/slow?ms=1e3", "/slow?ms=999999"}) {
    const auto r = route(request(http::verb::get, bad), connection(), {});
    EXPECT_EQ(r.response.result(), http::status::bad_request) << bad;
    EXPECT_EQ(r.delay.count(), 0) << bad;
  }
}

TEST(Routes, StatsReportsTheCounters) {
  const ServerStats stats{3, 2, 1, 1, 5};
  const auto body =
      json::parse(route(request(http::verb::get, "/stats"), connection(), stats).response.body());
  EXPECT_EQ(body["connections"], 3);
  EXPECT_EQ(body["handshakes"], 2);
  EXPECT_EQ(body["resumed_handshakes"], 1);
  EXPECT_EQ(body["failed_handshakes"], 1);
  EXPECT_EQ(body["requests"], 5);
}

TEST(Routes, EverythingElseIs404) {
  for (const auto& [method, target] : {std::pair{http::verb::get, "/"},
                                       {http::verb::get, "/echo/x"},
                                       {http::verb::put, "/echo"},
                                       {http::verb::post, "/stats"},
                                       {http::verb::delete_, "/status/200"}}) {
    const auto r = route(request(method, target), connection(), {});
    EXPECT_EQ(r.response.result(), http::status::not_found) << target;
    EXPECT_EQ(r.response[http::field::content_type], "application/json");
  }
}

}  // namespace
}  // namespace onshi::sim::tlsserver
