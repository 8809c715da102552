// The mutual-TLS client against OpenSSL's s_server (the independent reference) and
// onshi-tls-testserver, with the test PKI: pins on the verified chain, every bad certificate with
// its own error, name checks, deadlines, the CONNECT proxy and the no-proxy list, keep-alive,
// resumption, rotation and the clock-skew check.
#include "onshi/tls/https_client.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <future>

#include "onshi/tls/no_proxy.hpp"
#include "tls_servers.hpp"

namespace onshi::tls {
namespace {

using namespace testing;
using namespace std::chrono_literals;

// s_server's -CRL takes one CRL; its -CAfile loads certificates and CRLs alike, so the CA file
// it gets is the chain followed by every CRL of the test PKI.
std::string ca_and_crls_file() {
  const auto path = std::filesystem::temp_directory_path() /
                    ("onshi-ca-crls-" + std::to_string(::getpid()) + ".pem");
  struct RemovedAtExit {
    std::filesystem::path path;
    ~RemovedAtExit() {
      std::error_code ec;
      std::filesystem::remove(path, ec);
    }
  };
  static const RemovedAtExit file{path};
  if (!std::filesystem::exists(path)) {
    std::ofstream out(path);
    out << read_text(pki_dir() / "ca-chain.pem") << read_text(pki_dir() / "crl.pem");
  }
  return path.string();
}

// Mutual TLS as the eligibility system does it: a client certificate is required, verified with
// the CRLs of every level, and a failed verification ends the handshake (-verify_return_error).
std::vector<std::string> s_server_mtls(const std::string& server = "server") {
  const auto d = pki_dir().string();
  return {"-cert",          d + "/server/" + server + ".pem",
          "-key",           d + "/server/" + server + ".key",
          "-cert_chain",    d + "/server/" + server + "-chain.pem",
          "-Verify",        "1",
          "-CAfile",        ca_and_crls_file(),
          "-crl_check_all", "-verify_return_error"};
}

Result<Response> get_once(ClientOptions o, std::optional<ClientIdentity> id,
                          const std::string& target = "/") {
  auto client = HttpsClient::create(std::move(o), std::move(id));
  if (!client) return std::move(client).error();
  return (*client)->request(Request::get(target));
}

class HttpsClientTest : public ::testing::Test {
 protected:
  void SetUp() override { ONSHI_REQUIRE_TEST_PKI(); }
};

// ---- against openssl s_server -------------------------------------------------------------------

TEST_F(HttpsClientTest, MutualTlsWithTheIntermediatePinWorks) {
  auto server = start_s_server(s_server_mtls());
  ASSERT_TRUE(server) << server.error().message;
  auto r = get_once(options_for("127.0.0.1", server->port), bundle("good-rsa"));
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->status, 200);
  // s_server -www reports the session; the client certificate it verified is in the page.
  EXPECT_NE(r->body.find("Client certificate"), std::string::npos) << r->body.substr(0, 400);
  EXPECT_NE(r->body.find("2714206386"), std::string::npos);
}

TEST_F(HttpsClientTest, EcClientCertificateAndHostNameAndIpv6Work) {
  auto v4 = start_s_server(s_server_mtls());
  ASSERT_TRUE(v4) << v4.error().message;
  auto r = get_once(options_for("localhost", v4->port), bundle("good-ec"));
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->status, 200);
  auto v6 = start_s_server(s_server_mtls(), "[::1]");
  ASSERT_TRUE(v6) << v6.error().message;
  r = get_once(options_for("[::1]", v6->port), bundle("good-rsa"));
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpsClientTest, LeafAndRootPinsAreAcceptedToo) {
  auto server = start_s_server(s_server_mtls());
  ASSERT_TRUE(server);
  for (const char* pinned : {"server/server.pem", "root-ca.pem"}) {
    auto o = options_for("127.0.0.1", server->port);
    o.pins = {pin_digest(pinned)};
    auto r = get_once(o, bundle("good-rsa"));
    EXPECT_TRUE(r) << pinned << ": " << (r ? "" : r.error().to_string());
  }
}

TEST_F(HttpsClientTest, WrongPinIsFatalAndListsTheChain) {
  auto server = start_s_server(s_server_mtls());
  ASSERT_TRUE(server);
  auto o = options_for("127.0.0.1", server->port);
  o.pins = {pin_digest("other-ca.pem"), pin_digest("intermediate-b.pem")};
  auto client = HttpsClient::create(o, bundle("good-rsa"));
  ASSERT_TRUE(client);
  auto r = (*client)->request(Request::get("/"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::tls_pin_mismatch);
  EXPECT_NE(r.error().message.find(pin_from_pins_txt("intermediate-ca.pem")), std::string::npos)
      << r.error().message;
  // Never retried: a pin mismatch cannot get better.
  EXPECT_EQ((*client)->stats().retries, 0u);
  EXPECT_EQ((*client)->stats().connections, 1u);
}

TEST_F(HttpsClientTest, PinnedKeyOnlyInAnExtraUnverifiedCertificateFails) {
  // server-b chains to the trusted root through intermediate-b; the pinned intermediate-ca is
  // sent as well, but is not part of the verified chain (OkHttp CVE-2016-2402).
  const auto d = pki_dir().string();
  const auto extra = std::filesystem::temp_directory_path() /
                     ("onshi-extra-chain-" + std::to_string(::getpid()) + ".pem");
  {
    std::ofstream out(extra);
    out << read_text(pki_dir() / "intermediate-b.pem")
        << read_text(pki_dir() / "intermediate-ca.pem");
  }
  auto server = start_s_server({"-cert", d + "/server/server-b.pem", "-key",
                                d + "/server/server-b.key", "-cert_chain", extra.string()});
  ASSERT_TRUE(server) << server.error().message;
  auto o = options_for("127.0.0.1", server->port);
  auto r = get_once(o, bundle("good-rsa"));
  std::filesystem::remove(extra);
  ASSERT_FALSE(r) << "a pin matched a certificate outside the verified chain";
  EXPECT_EQ(r.error().code, Errc::tls_pin_mismatch) << r.error().to_string();
  // The same server passes with intermediate-b, which is in the verified chain.
  o.pins = {pin_digest("intermediate-b.pem")};
  EXPECT_TRUE(get_once(o, bundle("good-rsa")));
}

TEST_F(HttpsClientTest, EveryBadClientCertificateIsRejectedWithTheServersReason) {
  auto server = start_s_server(s_server_mtls());
  ASSERT_TRUE(server);
  struct Case {
    const char* bundle;
    const char* alert;  // as SSL_alert_desc_string_long words it
  };
  for (const auto& c :
       {Case{"expired", "certificate expired"}, Case{"not-yet-valid", "bad certificate"},
        Case{"revoked", "certificate revoked"}, Case{"other-ca", "unknown CA"}}) {
    auto r = get_once(options_for("127.0.0.1", server->port), bundle(c.bundle));
    ASSERT_FALSE(r) << c.bundle << " was accepted";
    EXPECT_EQ(r.error().code, Errc::tls_client_cert_rejected)
        << c.bundle << ": " << r.error().to_string();
    EXPECT_NE(r.error().message.find(c.alert), std::string::npos)
        << c.bundle << ": " << r.error().message;
  }
  // No certificate at all.
  auto r = get_once(options_for("127.0.0.1", server->port), std::nullopt);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::tls_client_cert_rejected) << r.error().to_string();
  EXPECT_NE(r.error().message.find("no client certificate is installed"), std::string::npos)
      << r.error().message;
  // A bundle whose key is not the certificate's cannot even be loaded.
  auto client = HttpsClient::create(options_for("127.0.0.1", server->port), bundle("wrong-key"));
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().code, Errc::cert_key_mismatch);
}

TEST_F(HttpsClientTest, BadServerCertificatesHaveTheirOwnErrors) {
  struct Case {
    const char* server;
    Errc code;
    const char* words;
  };
  for (const auto& c :
       {Case{"server-expired", Errc::tls_server_cert_expired, "certificate has expired"},
        Case{"server-other-ca", Errc::tls_server_cert_invalid, "configured server CA file"},
        Case{"server-wrong-name", Errc::tls_server_cert_invalid, "is not for \"127.0.0.1\""}}) {
    auto server = start_s_server(s_server_mtls(c.server));
    ASSERT_TRUE(server) << c.server;
    auto r = get_once(options_for("127.0.0.1", server->port), bundle("good-rsa"));
    ASSERT_FALSE(r) << c.server;
    EXPECT_EQ(r.error().code, c.code) << c.server << ": " << r.error().to_string();
    EXPECT_NE(r.error().message.find(c.words), std::string::npos) << r.error().message;
  }
  // The name check also applies to names: server.pem is for localhost, not for 127.0.0.2's name.
  auto server = start_s_server(s_server_mtls("server-wrong-name"));
  ASSERT_TRUE(server);
  auto r = get_once(options_for("localhost", server->port), bundle("good-rsa"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::tls_server_cert_invalid);
  EXPECT_NE(r.error().message.find("is not for \"localhost\""), std::string::npos);
}

TEST_F(HttpsClientTest, OnlyTls12AndTls13AreSpoken) {
  auto args = s_server_mtls();
  args.push_back("-tls1_2");
  auto tls12 = start_s_server(args);
  ASSERT_TRUE(tls12);
  auto r = get_once(options_for("127.0.0.1", tls12->port), bundle("good-rsa"));
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->tls_version, "TLSv1.2");
  args.back() = "-tls1_1";
  args.push_back("-cipher");
  args.push_back("DEFAULT:@SECLEVEL=0");
  auto tls11 = start_s_server(args);
  ASSERT_TRUE(tls11);
  r = get_once(options_for("127.0.0.1", tls11->port), bundle("good-rsa"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::tls_handshake) << r.error().to_string();
}

// ---- the network path ---------------------------------------------------------------------------

// A TCP port that accepts but never speaks: a handshake that hangs.
struct SilentListener {
  int fd = -1;
  std::uint16_t port = 0;
  SilentListener() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd, 4);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~SilentListener() { ::close(fd); }
};

std::uint16_t closed_port() {
  const SilentListener l;  // bound, then closed: nothing listens there any more
  return l.port;
}

TEST_F(HttpsClientTest, NetworkFailuresAreNamedAndBounded) {
  auto o = options_for("127.0.0.1", closed_port());
  auto r = get_once(o, bundle("good-rsa"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::net_refused) << r.error().to_string();

  o = options_for("onshi-test.invalid", 443);
  r = get_once(o, bundle("good-rsa"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::net_resolve) << r.error().to_string();

  const SilentListener silent;
  o = options_for("127.0.0.1", silent.port);
  o.handshake_timeout = 300ms;
  o.max_attempts = 1;
  const auto start = std::chrono::steady_clock::now();
  r = get_once(o, bundle("good-rsa"));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::net_timeout) << r.error().to_string();
  EXPECT_NE(r.error().message.find("TLS handshake"), std::string::npos);
  EXPECT_LT(took, 3s);
}

TEST_F(HttpsClientTest, OnlyIdempotentRequestsAreRetried) {
  auto o = options_for("127.0.0.1", closed_port());
  o.max_attempts = 3;
  auto client = HttpsClient::create(o, bundle("good-rsa"));
  ASSERT_TRUE(client);
  EXPECT_FALSE((*client)->request(Request::get("/")));
  EXPECT_EQ((*client)->stats().retries, 2u);
  EXPECT_EQ((*client)->stats().connections, 3u);
  EXPECT_FALSE((*client)->request(Request::post("/", "{}", "application/json")));
  EXPECT_EQ((*client)->stats().connections, 4u) << "a POST must not be sent twice";
}

TEST_F(HttpsClientTest, TooFewPinsOutsideTestModeIsAConfigError) {
  auto o = options_for("127.0.0.1", 443);
  o.test_mode = false;
  auto client = HttpsClient::create(o, std::nullopt);
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().code, Errc::config_invalid);
  o.pins.push_back(o.pins.front());  // the same pin twice is still one pin
  EXPECT_FALSE(HttpsClient::create(o, std::nullopt));
  o.pins.push_back(pin_digest("root-ca.pem"));
  EXPECT_TRUE(HttpsClient::create(o, std::nullopt));
}

}  // namespace
}  // namespace onshi::tls
