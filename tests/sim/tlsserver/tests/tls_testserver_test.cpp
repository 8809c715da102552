// onshi-tls-testserver as a process, driven by curl and openssl s_client.

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <chrono>
#include <ctime>

#include "tlsserver_test_support.hpp"

namespace onshi::sim::tlsserver_test {
namespace {

using nlohmann::json;

std::string cert_args(const fs::path& cert, const fs::path& key) {
  return fmt::format("--cert {} --key {}", quote(cert.string()), quote(key.string()));
}

json stats(const TestProcess& server) {
  const auto run = curl(url(server.port(), "/stats"));
  const auto docs = json_lines(run.output);
  return docs.empty() ? json() : docs.front();
}

// "Sun, 06 Nov 1994 08:49:37 GMT" as seconds since the epoch; -1 when malformed.
long long parse_imf_fixdate(const std::string& text) {
  std::tm tm{};
  const char* end = ::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return -1;
  return static_cast<long long>(::timegm(&tm));
}

long long now_seconds() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

TEST(TlsTestServer, EchoReportsANewSessionAndStopsCleanlyOnSigterm) {
  START_OR_FAIL(server, start_tls_server());
  const auto run = curl(url(server.port(), "/echo?x=1") + " -w '\\n'");
  ASSERT_EQ(run.status, 0) << run.output << server.output();
  const auto docs = json_lines(run.output);
  ASSERT_EQ(docs.size(), 1u) << run.output;
  const auto& echo = docs.front();
  EXPECT_EQ(echo["method"], "GET");
  EXPECT_EQ(echo["target"], "/echo?x=1");
  EXPECT_EQ(echo["body"], "");
  EXPECT_EQ(echo["resumed"], false);
  EXPECT_EQ(echo["tls_version"], "TLSv1.3");
  EXPECT_TRUE(echo["client_subject"].is_null());
  EXPECT_TRUE(echo["client_fingerprint_sha256"].is_null());
  EXPECT_EQ(echo["connection_id"], 1);
  EXPECT_EQ(echo["request_on_connection"], 1);
  EXPECT_EQ(server.stop(), 0) << server.output();
  EXPECT_NE(server.output().find("GET /echo?x=1 -> 200"), std::string::npos) << server.output();
}

// The stop signal is handled from the moment the port file exists, and only once.
TEST(TlsTestServer, SigtermRightAfterThePortFileExitsCleanly) {
  for (int i = 0; i < 3; ++i) {
    START_OR_FAIL(server, start_tls_server());
    EXPECT_EQ(server.stop(), 0) << server.output();
  }
}

TEST(TlsTestServer, PostEchoReturnsTheBody) {
  START_OR_FAIL(server, start_tls_server());
  const auto run = curl("--data-binary 'hello onshi' " + url(server.port(), "/echo"));
  ASSERT_EQ(run.status, 0) << run.output;
  const auto docs = json_lines(run.output);
  ASSERT_EQ(docs.size(), 1u) << run.output;
  EXPECT_EQ(docs.front()["method"], "POST");
  EXPECT_EQ(docs.front()["body"], "hello onshi");
}

TEST(TlsTestServer, KeepAliveServesTwoRequestsOnOneConnection) {
  START_OR_FAIL(server, start_tls_server());
  const auto run =
      curl(url(server.port(), "/echo") + " " + url(server.port(), "/echo") + " -w '\\n'");
  ASSERT_EQ(run.status, 0) << run.output;
  const auto docs = json_lines(run.output);
  ASSERT_EQ(docs.size(), 2u) << run.output;
  EXPECT_EQ(docs[0]["connection_id"], docs[1]["connection_id"]);
  EXPECT_EQ(docs[0]["request_on_connection"], 1);
  EXPECT_EQ(docs[1]["request_on_connection"], 2);
  EXPECT_EQ(stats(server)["connections"], 2);
}

TEST(TlsTestServer, CloseAfterEndsTheConnectionAndTheNextOneResumes) {
  for (const char* version : {"1.2", "1.3"}) {
    SCOPED_TRACE(version);
    START_OR_FAIL(server, start_tls_server({"--tls-max", version, "--close-after", "1"}));
    const auto run =
        curl(url(server.port(), "/echo") + " " + url(server.port(), "/echo") + " -w '\\n'");
    ASSERT_EQ(run.status, 0) << run.output;
    const auto docs = json_lines(run.output);
    ASSERT_EQ(docs.size(), 2u) << run.output;
    EXPECT_EQ(docs[0]["tls_version"], fmt::format("TLSv{}", version));
    EXPECT_NE(docs[0]["connection_id"], docs[1]["connection_id"]);
    EXPECT_EQ(docs[0]["resumed"], false);
    EXPECT_EQ(docs[1]["resumed"], true) << server.output();
    EXPECT_EQ(stats(server)["resumed_handshakes"], 1);
  }
}

TEST(TlsTestServer, NoResumptionWithSessionTicketsOff) {
  for (const char* version : {"1.2", "1.3"}) {
    SCOPED_TRACE(version);
    START_OR_FAIL(server, start_tls_server({"--tls-max", version, "--close-after", "1",
                                            "--session-tickets", "off"}));
    const auto run =
        curl(url(server.port(), "/echo") + " " + url(server.port(), "/echo") + " -w '\\n'");
    const auto docs = json_lines(run.output);
    ASSERT_EQ(docs.size(), 2u) << run.output;
    EXPECT_EQ(docs[1]["resumed"], false);
  }
}

TEST(TlsTestServer, DateHeaderFollowsTheOffsetOrIsAbsent) {
  const auto date_of = [](const TestProcess& server) {
    const auto run = curl("-D - -o /dev/null " + url(server.port(), "/echo"));
    EXPECT_EQ(run.status, 0) << run.output;
    return header_value(run.output, "Date");
  };
  {
    START_OR_FAIL(server, start_tls_server());
    const auto date = parse_imf_fixdate(date_of(server));
    EXPECT_LE(std::abs(date - now_seconds()), 60) << date_of(server);
  }
  {
    START_OR_FAIL(server, start_tls_server({"--date-offset", "86400"}));
    const auto text = date_of(server);
    EXPECT_LE(std::abs(parse_imf_fixdate(text) - (now_seconds() + 86400)), 60) << text;
  }
  {
    START_OR_FAIL(server, start_tls_server({"--date-offset", "-7200"}));
    const auto text = date_of(server);
    EXPECT_LE(std::abs(parse_imf_fixdate(text) - (now_seconds() - 7200)), 60) << text;
  }
  {
    START_OR_FAIL(server, start_tls_server({"--no-date"}));
    EXPECT_EQ(date_of(server), "");
  }
}

TEST(TlsTestServer, StatusRouteGivesThatStatusAndUnknownRoutes404) {
  START_OR_FAIL(server, start_tls_server());
  const auto code = [&](std::string_view path) {
    return curl("-o /dev/null -w '%{http_code}' " + url(server.port(), path)).output;
  };
  EXPECT_EQ(code("/status/503"), "503");
  EXPECT_EQ(code("/status/200"), "200");
  EXPECT_EQ(code("/no/such/route"), "404");
  const auto headers = curl("-D - -o /dev/null " + url(server.port(), "/status/418")).output;
  EXPECT_EQ(header_value(headers, "Content-Type"), "application/json");
  EXPECT_NE(header_value(headers, "Content-Length"), "");
}

TEST(TlsTestServer, SlowAnswersLaterWithoutBlockingOtherConnections) {
  START_OR_FAIL(server, start_tls_server());
  // The slow request starts first; the echo must not wait for it.
  const auto run = run_tool(fmt::format(
      "curl -sS --max-time 10 --cacert {0} -o /dev/null -w 'slow=%{{time_total}}\\n' {1} & "
      "sleep 0.2; curl -sS --max-time 10 --cacert {0} -o /dev/null -w 'echo=%{{time_total}}\\n' "
      "{2}; wait",
      quote(pki().server_cert.string()), url(server.port(), "/slow?ms=1500"),
      url(server.port(), "/echo")));
  const auto value = [&](std::string_view key) {
    const auto at = run.output.find(std::string(key) + "=");
    return at == std::string::npos ? -1.0 : std::stod(run.output.substr(at + key.size() + 1));
  };
  EXPECT_GE(value("slow"), 1.4) << run.output;
  EXPECT_GE(value("echo"), 0.0) << run.output;
  EXPECT_LT(value("echo"), 0.8) << run.output;
}

TEST(TlsTestServer, MissingOrUntrustedClientCertificateFailsOnlyThatHandshake) {
  START_OR_FAIL(server, start_tls_server({"--client-ca", pki().ca_cert.string()}));
  const auto echo = url(server.port(), "/echo");

  const auto missing = curl(echo);
  EXPECT_NE(missing.status, 0) << missing.output;
  const auto untrusted =
      curl(cert_args(pki().server_cert, pki().server_key) + " " + echo);  // self-signed
  EXPECT_NE(untrusted.status, 0) << untrusted.output;
  ASSERT_TRUE(server.running()) << server.output();

  const auto run = curl(cert_args(pki().client_cert, pki().client_key) + " " + echo);
  ASSERT_EQ(run.status, 0) << run.output << server.output();
  const auto docs = json_lines(run.output);
  ASSERT_EQ(docs.size(), 1u) << run.output;
  EXPECT_EQ(docs.front()["client_subject"], "CN=onshi test client,O=onshi");
  EXPECT_EQ(docs.front()["client_fingerprint_sha256"], pki().client_fingerprint);

  const auto counters = stats(server);  // needs a certificate too
  EXPECT_TRUE(counters.is_null());
  const auto log = server.output();
  EXPECT_NE(log.find("peer did not return a certificate"), std::string::npos) << log;
  EXPECT_NE(log.find("client certificate rejected: self-signed certificate (depth 0"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("client \"CN=onshi test client,O=onshi\""), std::string::npos) << log;
}

TEST(TlsTestServer, RevokedClientCertificateIsRejectedWithTheCrl) {
  START_OR_FAIL(server, start_tls_server(
                            {"--client-ca", pki().ca_cert.string(), "--crl", pki().crl.string()}));
  const auto echo = url(server.port(), "/echo");
  const auto revoked = curl(cert_args(pki().revoked_cert, pki().revoked_key) + " " + echo);
  EXPECT_NE(revoked.status, 0) << revoked.output;
  const auto good = curl(cert_args(pki().client_cert, pki().client_key) + " " + echo);
  EXPECT_EQ(good.status, 0) << good.output << server.output();
  EXPECT_NE(server.output().find("certificate revoked (depth 0, subject CN=onshi revoked client"),
            std::string::npos)
      << server.output();
}

TEST(TlsTestServer, WrongProtocolVersionFailsOnlyThatHandshake) {
  START_OR_FAIL(server, start_tls_server({"--tls-min", "1.3"}));
  const auto old = curl("--tls-max 1.2 " + url(server.port(), "/echo"));
  EXPECT_NE(old.status, 0) << old.output;
  const auto run = curl(url(server.port(), "/echo"));
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(stats(server)["failed_handshakes"], 1);
}

TEST(TlsTestServer, ChainIsSentVerbatimAfterTheLeaf) {
  START_OR_FAIL(server, start_tls_server({"--chain", pki().unrelated_cert.string()}));
  const auto run = run_tool(
      fmt::format("openssl s_client -connect 127.0.0.1:{} -showcerts < /dev/null", server.port()));
  EXPECT_NE(run.output.find("CN = localhost"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("CN = unrelated"), std::string::npos) << run.output;
  std::size_t certificates = 0;
  for (auto at = run.output.find("BEGIN CERTIFICATE"); at != std::string::npos;
       at = run.output.find("BEGIN CERTIFICATE", at + 1)) {
    ++certificates;
  }
  EXPECT_EQ(certificates, 2u) << run.output;
}

TEST(TlsTestServer, MalformedRequestGets400AndTheServerCarriesOn) {
  START_OR_FAIL(server, start_tls_server());
  const auto garbage = run_tool(fmt::format(
      "printf 'NOT HTTP\\r\\n\\r\\n' | timeout 5 openssl s_client -quiet -connect 127.0.0.1:{}",
      server.port()));
  EXPECT_NE(garbage.output.find("HTTP/1.1 400 Bad Request"), std::string::npos) << garbage.output;
  const auto plain =
      run_tool(fmt::format("curl -sS --max-time 5 http://127.0.0.1:{}/echo", server.port()));
  EXPECT_NE(plain.status, 0);
  EXPECT_EQ(curl(url(server.port(), "/echo")).status, 0) << server.output();
}

TEST(TlsTestServer, ListensOnEveryAddressAndWritesEachPort) {
  if (!ipv6_loopback_available()) GTEST_SKIP() << "no IPv6 loopback";
  START_OR_FAIL(server, start_tls_server({"--listen", "127.0.0.1:0", "--listen", "[::1]:0"}));
  ASSERT_EQ(server.ports().size(), 2u);
  const auto v6 = curl(quote(fmt::format("https://[::1]:{}/echo", server.ports()[1])));
  EXPECT_EQ(v6.status, 0) << v6.output;
  EXPECT_EQ(curl(url(server.ports()[0], "/echo")).status, 0);
}

TEST(TlsTestServer, BadOptionsExitWithUsageStatus) {
  const auto run = run_tool(
      fmt::format("{} --cert {} --key {} --listen nowhere", quote(tls_testserver_path().string()),
                  quote(pki().server_cert.string()), quote(pki().server_key.string())));
  EXPECT_EQ(run.status, 2) << run.output;
  const auto mismatch =
      run_tool(fmt::format("{} --cert {} --key {}", quote(tls_testserver_path().string()),
                           quote(pki().server_cert.string()), quote(pki().client_key.string())));
  EXPECT_EQ(mismatch.status, 2) << mismatch.output;
  EXPECT_NE(mismatch.output.find("key values mismatch"), std::string::npos) << mismatch.output;
}

}  // namespace
}  // namespace onshi::sim::tlsserver_test
