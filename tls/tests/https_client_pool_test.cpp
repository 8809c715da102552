// The client's connection life against onshi-tls-testserver and onshi-connect-proxy: keep-alive,
// session resumption, rotation of the client certificate and of the pins, stale connections, the
// clock-skew check, the CONNECT proxy and the no-proxy list.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <future>
#include <thread>

#include "onshi/tls/certificate_store.hpp"
#include "onshi/tls/https_client.hpp"
#include "tls_servers.hpp"

namespace onshi::tls {
namespace {

using namespace testing;
using namespace std::chrono_literals;

// onshi-tls-testserver with the test PKI's server certificate, requiring a client certificate
// checked against the chain and the CRLs.
std::vector<std::string> server_args(std::vector<std::string> extra = {}) {
  const auto d = pki_dir().string();
  std::vector<std::string> args = {"--cert",      d + "/server/server.pem",
                                   "--key",       d + "/server/server.key",
                                   "--chain",     d + "/intermediate-ca.pem",
                                   "--client-ca", d + "/ca-chain.pem",
                                   "--crl",       d + "/crl.pem"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

nlohmann::json body_of(const Result<Response>& r) {
  EXPECT_TRUE(r) << (r ? "" : r.error().to_string());
  if (!r) return {};
  return nlohmann::json::parse(r->body, nullptr, false);
}

class HttpsClientPoolTest : public ::testing::Test {
 protected:
  void SetUp() override { ONSHI_REQUIRE_TEST_PKI(); }
};

TEST_F(HttpsClientPoolTest, KeepAliveReusesOneConnection) {
  auto server = start_testserver(server_args());
  ASSERT_TRUE(server) << server.error().message;
  auto client = HttpsClient::create(options_for("127.0.0.1", server->port), bundle("good-rsa"));
  ASSERT_TRUE(client);
  auto first = (*client)->request(Request::get("/echo"));
  auto second = (*client)->request(Request::post("/echo", "{\"a\":1}", "application/json"));
  const auto a = body_of(first);
  const auto b = body_of(second);
  EXPECT_FALSE(first->reused_connection);
  EXPECT_TRUE(second->reused_connection);
  EXPECT_EQ(a["connection_id"], b["connection_id"]);
  EXPECT_EQ(b["request_on_connection"], 2);
  EXPECT_EQ(b["body"], "{\"a\":1}");
  EXPECT_EQ(b["method"], "POST");
  EXPECT_EQ((*client)->stats().full_handshakes, 1u);
  // The server saw this terminal's certificate.
  EXPECT_EQ(a["client_fingerprint_sha256"], hex(bundle("good-rsa").leaf.fingerprint()));
}

// Regression: a connection freed without close_notify made OpenSSL mark its session not
// resumable, so no session was ever resumed (~Connection now queues a close_notify).
TEST_F(HttpsClientPoolTest, NewConnectionsResumeTheSessionInTls12AndTls13) {
  for (const char* version : {"1.2", "1.3"}) {
    auto server = start_testserver(server_args({"--tls-max", version, "--close-after", "1"}));
    ASSERT_TRUE(server) << server.error().message;
    auto client = HttpsClient::create(options_for("localhost", server->port), bundle("good-rsa"));
    ASSERT_TRUE(client);
    const auto a = body_of((*client)->request(Request::get("/echo")));
    const auto b = body_of((*client)->request(Request::get("/echo")));
    EXPECT_NE(a["connection_id"], b["connection_id"]) << version;
    EXPECT_EQ(a["resumed"], false) << version;
    EXPECT_EQ(b["resumed"], true) << version;
    EXPECT_EQ((*client)->stats().resumed_handshakes, 1u) << version;
    // A resumed session still presented this terminal's certificate.
    EXPECT_EQ(b["client_fingerprint_sha256"], a["client_fingerprint_sha256"]) << version;
  }
}

TEST_F(HttpsClientPoolTest, ChangedPinsFlushPooledConnectionsAndSessions) {
  auto server = start_testserver(server_args());
  ASSERT_TRUE(server);
  auto client = HttpsClient::create(options_for("127.0.0.1", server->port), bundle("good-rsa"));
  ASSERT_TRUE(client);
  ASSERT_TRUE((*client)->request(Request::get("/echo")));
  // New pins that no longer match: the pooled connection and the cached session must not carry
  // the request past the check.
  (*client)->set_pins({pin_digest("other-ca.pem")});
  auto r = (*client)->request(Request::get("/echo"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::tls_pin_mismatch);
  (*client)->set_pins({pin_digest("root-ca.pem")});
  r = (*client)->request(Request::get("/echo"));
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_FALSE(r->reused_connection);
  EXPECT_FALSE(r->resumed_session);
}

TEST_F(HttpsClientPoolTest, RotationFinishesInFlightRequestsOnTheOldCertificate) {
  auto server = start_testserver(server_args());
  ASSERT_TRUE(server);
  auto client = HttpsClient::create(options_for("127.0.0.1", server->port), bundle("good-rsa"));
  ASSERT_TRUE(client);
  const auto old_fp = hex(bundle("good-rsa").leaf.fingerprint());
  const auto new_fp = hex(bundle("renewed").leaf.fingerprint());
  auto shared = *client;
  auto in_flight = std::async(std::launch::async,
                              [shared] { return shared->request(Request::get("/slow?ms=700")); });
  std::this_thread::sleep_for(200ms);
  ASSERT_TRUE((*client)->set_identity(bundle("renewed")));
  const auto after = body_of((*client)->request(Request::get("/echo")));
  EXPECT_EQ(after["client_fingerprint_sha256"], new_fp);
  auto old = in_flight.get();
  ASSERT_TRUE(old) << old.error().to_string();
  EXPECT_EQ(old->status, 200);
  // The connection of the old certificate was not put back into the pool.
  const auto again = body_of((*client)->request(Request::get("/echo")));
  EXPECT_EQ(again["client_fingerprint_sha256"], new_fp);
  EXPECT_NE(old_fp, new_fp);
}

TEST_F(HttpsClientPoolTest, StaleIdleConnectionIsReplacedNotFailed) {
  auto server = start_testserver(server_args({"--idle-timeout", "1"}));
  ASSERT_TRUE(server);
  auto client = HttpsClient::create(options_for("127.0.0.1", server->port), bundle("good-rsa"));
  ASSERT_TRUE(client);
  const auto a = body_of((*client)->request(Request::get("/echo")));
  std::this_thread::sleep_for(1600ms);  // the server has closed the idle connection
  auto r = (*client)->request(Request::post("/echo", "x", "text/plain"));
  ASSERT_TRUE(r) << "a POST after the server closed an idle connection: " << r.error().to_string();
  EXPECT_FALSE(r->reused_connection);
  EXPECT_NE(body_of(r)["connection_id"], a["connection_id"]);
}

TEST_F(HttpsClientPoolTest, ClockSkewBeyondTheLimitIsAnError) {
  auto skewed = start_testserver(server_args({"--date-offset", "3600"}));
  ASSERT_TRUE(skewed);
  auto client = HttpsClient::create(options_for("127.0.0.1", skewed->port), bundle("good-rsa"));
  ASSERT_TRUE(client);
  auto r = (*client)->request(Request::get("/echo"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::clock_skew);
  EXPECT_NE(r.error().message.find("behind"), std::string::npos) << r.error().message;

  auto slight = start_testserver(server_args({"--date-offset", "-60"}));
  ASSERT_TRUE(slight);
  client = HttpsClient::create(options_for("127.0.0.1", slight->port), bundle("good-rsa"));
  ASSERT_TRUE(client);
  r = (*client)->request(Request::get("/echo"));
  ASSERT_TRUE(r) << r.error().to_string();
  ASSERT_TRUE(r->clock_skew);
  EXPECT_NEAR(static_cast<double>(r->clock_skew->count()), -60.0, 3.0);
}

TEST_F(HttpsClientPoolTest, HttpErrorStatusesComeBackAsResponses) {
  auto server = start_testserver(server_args());
  ASSERT_TRUE(server);
  auto client = HttpsClient::create(options_for("127.0.0.1", server->port), bundle("good-rsa"));
  ASSERT_TRUE(client);
  auto r = (*client)->request(Request::get("/status/503"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ((*client)->stats().retries, 0u);
}

// Regression: Beast 1.74 let a read continue past a Content-Length above body_limit.
TEST_F(HttpsClientPoolTest, ResponseLargerThanTheLimitIsRefused) {
  auto server = start_testserver(server_args());
  ASSERT_TRUE(server);
  auto o = options_for("127.0.0.1", server->port);
  o.max_response_bytes = 16;
  auto client = HttpsClient::create(o, bundle("good-rsa"));
  ASSERT_TRUE(client);
  auto r = (*client)->request(Request::get("/echo"));
  ASSERT_FALSE(r) << r->body.size() << " bytes read past a limit of 16";
  EXPECT_EQ(r.error().code, Errc::http_malformed);
}

// ---- proxy --------------------------------------------------------------------------------------

std::string read_log(const std::filesystem::path& p) { return read_text(p); }

TEST_F(HttpsClientPoolTest, ThroughTheConnectProxyAndAroundIt) {
  auto server = start_testserver(server_args());
  ASSERT_TRUE(server);
  const auto log = std::filesystem::temp_directory_path() /
                   ("onshi-proxy-" + std::to_string(::getpid()) + ".log");
  std::filesystem::remove(log);
  auto proxy = start_proxy({"--log", log.string()});
  ASSERT_TRUE(proxy) << proxy.error().message;
  auto o = options_for("localhost", server->port);
  o.proxy.url = "http://127.0.0.1:" + std::to_string(proxy->port);
  o.proxy.no_proxy = {"*.onshikaku.org"};
  auto client = HttpsClient::create(o, bundle("good-rsa"));
  ASSERT_TRUE(client);
  auto probe = (*client)->probe(Request::get("/echo"));
  ASSERT_FALSE(probe.error) << probe.error->to_string();
  EXPECT_TRUE(probe.via_proxy);
  EXPECT_EQ(probe.response->status, 200);
  EXPECT_NE(read_log(log).find("CONNECT localhost:" + std::to_string(server->port) + " -> ok"),
            std::string::npos)
      << read_log(log);
  std::vector<std::string> steps;
  for (const auto& s : probe.steps) steps.push_back(s.name);
  EXPECT_EQ(steps, (std::vector<std::string>{"resolve", "connect", "proxy", "handshake", "pins",
                                             "request"}));
  // localhost on the no-proxy list: reached directly, the proxy sees nothing more.
  const auto before = read_log(log);
  o.proxy.no_proxy = {"localhost"};
  client = HttpsClient::create(o, bundle("good-rsa"));
  ASSERT_TRUE(client);
  auto direct = (*client)->probe(Request::get("/echo"));
  ASSERT_FALSE(direct.error) << direct.error->to_string();
  EXPECT_FALSE(direct.via_proxy);
  EXPECT_EQ(read_log(log), before);
  std::filesystem::remove(log);
}

TEST_F(HttpsClientPoolTest, ProxyRefusalIsNamed) {
  auto server = start_testserver(server_args());
  ASSERT_TRUE(server);
  auto proxy = start_proxy({"--refuse"});
  ASSERT_TRUE(proxy);
  auto o = options_for("localhost", server->port);
  o.proxy.url = "http://127.0.0.1:" + std::to_string(proxy->port);
  auto client = HttpsClient::create(o, bundle("good-rsa"));
  ASSERT_TRUE(client);
  auto r = (*client)->request(Request::get("/echo"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::proxy_refused);
  EXPECT_NE(r.error().message.find("403"), std::string::npos) << r.error().message;
  // A refusal is not retried, even for a GET.
  EXPECT_EQ((*client)->stats().retries, 0u);
}

}  // namespace
}  // namespace onshi::tls

namespace onshi::tls {
namespace {

using namespace testing;

TEST_F(HttpsClientPoolTest, ARunningClientPicksUpAnImportWithoutRestart) {
  auto server = start_testserver(server_args());
  ASSERT_TRUE(server);
  char pattern[] = "/tmp/onshi-reload-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::filesystem::path dir = pattern;
  CertificateStore store(dir / "certs");
  const std::string code = institution("a");
  const auto now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  ASSERT_TRUE(store.install(bundle("good-rsa"), code, "good-rsa.p12", now));
  auto identity = store.load_current_identity(code);
  ASSERT_TRUE(identity);
  auto client = HttpsClient::create(options_for("127.0.0.1", server->port), std::move(*identity));
  ASSERT_TRUE(client);
  EXPECT_EQ(body_of((*client)->request(Request::get("/echo")))["client_fingerprint_sha256"],
            hex(bundle("good-rsa").leaf.fingerprint()));
  // Nothing changed yet: no switch.
  auto changed = reload_identity(**client, store, code);
  ASSERT_TRUE(changed);
  EXPECT_FALSE(*changed);
  // An import (onshictl cert import) while the client runs, then the reload.
  ASSERT_TRUE(store.install(bundle("renewed"), code, "renewed.p12", now + std::chrono::seconds(1)));
  changed = reload_identity(**client, store, code);
  ASSERT_TRUE(changed) << changed.error().to_string();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(body_of((*client)->request(Request::get("/echo")))["client_fingerprint_sha256"],
            hex(bundle("renewed").leaf.fingerprint()));
  // Rollback, and the client follows again.
  ASSERT_TRUE(store.rollback(code));
  ASSERT_TRUE(reload_identity(**client, store, code));
  EXPECT_EQ(body_of((*client)->request(Request::get("/echo")))["client_fingerprint_sha256"],
            hex(bundle("good-rsa").leaf.fingerprint()));
  std::filesystem::remove_all(dir);
}

TEST_F(HttpsClientPoolTest, ErrorStatusesBecomeHttpStatusErrorsOnRequest) {
  auto server = start_testserver(server_args());
  ASSERT_TRUE(server);
  auto client = HttpsClient::create(options_for("127.0.0.1", server->port), bundle("good-rsa"));
  ASSERT_TRUE(client);
  auto ok = (*client)->request(Request::get("/echo"));
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->expect_success());
  auto bad = (*client)->request(Request::get("/status/503"));
  ASSERT_TRUE(bad);
  const auto s = bad->expect_success();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::http_status);
  EXPECT_EQ(s.error().native, 503);
  EXPECT_NE(s.error().message.find("HTTP 503"), std::string::npos);
}

}  // namespace
}  // namespace onshi::tls
