// onshid end to end: the process, its Unix socket and TCP listener, real mutual TLS to
// onshi-eligsim, the journal across kill -9.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>

#include <fstream>
#include <thread>

#include "onshi/tls/certificate_store.hpp"
#include "onshi/tls/client_identity.hpp"
#include "onshid_rig.hpp"

// Rig options are given as designated initializers that name only what a test changes; the rest
// keep their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace onshi::agent::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

json body_of(const Reply& r) { return json::parse(r.body, nullptr, false); }

std::string code_of(const Reply& r) {
  const json j = body_of(r);
  if (j.contains("error") && j["error"].is_object()) return j["error"].value("code", "");
  return "";
}

// POST and wait for the outcome.
json verify(OnshidRig& rig, const json& request, const std::string& key) {
  const Reply r = rig.post("/v1/verifications", request, key, {{"Prefer", "wait=20"}});
  EXPECT_EQ(r.status, 200) << r.body;
  return body_of(r);
}

std::string unique_key(const std::string& base) {
  static int n = 0;
  return base + "-" + std::to_string(::getpid()) + "-" + std::to_string(++n);
}

TEST(Onshid, HealthReportsEveryStateWithoutHardware) {
  auto rig = OnshidRig::start();
  ASSERT_TRUE(rig);
  const Reply r = rig->get("/v1/health");
  ASSERT_EQ(r.status, 200);
  const json h = body_of(r);
  EXPECT_EQ(h["institutions"][0]["code"], "2714206386");
  EXPECT_EQ(h["institutions"][0]["certificate"]["state"], "ok") << h.dump(1);
  EXPECT_TRUE(h["institutions"][0]["certificate"]["next_action"].is_string());
  EXPECT_TRUE(h["upstream"]["configured"]);
  // No pcscd in this test (PCSCLITE_CSOCK_NAME points nowhere): a state, not an exit.
  EXPECT_NE(h["pcscd"]["state"], "running") << h["pcscd"].dump();
  EXPECT_EQ(h["status"], "degraded");
  EXPECT_TRUE(h["face_readers"].contains("state"));
  EXPECT_EQ(h["journal"]["unfinished"], 0);
}

TEST(Onshid, StartsWithoutCertificateOrUpstreamAndSaysWhatToDo) {
  auto rig = OnshidRig::start({.client = "", .upstream = false});
  ASSERT_TRUE(rig);
  const json h = body_of(rig->get("/v1/health"));
  EXPECT_EQ(h["institutions"][0]["certificate"]["state"], "missing");
  EXPECT_THAT(h["institutions"][0]["certificate"]["next_action"].get<std::string>(),
              HasSubstr("cert import"));
  EXPECT_EQ(h["upstream"]["state"], "not_configured");
}

TEST(Onshid, InsuranceCardVerificationEndToEnd) {
  auto rig = OnshidRig::start();
  ASSERT_TRUE(rig);
  const json dataset = rig->dataset();
  for (const std::string category : {"self", "kokuho", "koki"}) {
    const json& person = person_of(dataset, category);
    ASSERT_TRUE(person.is_object()) << category;
    const json v = verify(*rig, insurance_request(person), unique_key(category));
    ASSERT_EQ(v["state"], "succeeded") << category << ": " << v.dump(1);
    EXPECT_EQ(v["result"]["validity"]["code"], "1") << category << ": " << v.dump(1);
    EXPECT_THAT(v["result"].dump(), HasSubstr(person["name"].get<std::string>())) << category;
    // Answered from the journal afterwards, by id.
    const Reply again = rig->get("/v1/verifications/" + v["id"].get<std::string>());
    ASSERT_EQ(again.status, 200);
    EXPECT_EQ(body_of(again)["result"], v["result"]);
  }
  // Nobody: validity 4, still a success of the query.
  json nobody = insurance_request(person_of(dataset, "self"));
  nobody["birthdate"] = "1901-01-01";
  const json v = verify(*rig, nobody, unique_key("nobody"));
  EXPECT_EQ(v["result"]["validity"]["code"], "4") << v.dump(1);
}

TEST(Onshid, FieldsAreCheckedBeforeAnythingIsSent) {
  auto rig = OnshidRig::start();
  ASSERT_TRUE(rig);
  rig->control("DELETE", "/calls");
  json request = insurance_request(person_of(rig->dataset(), "self"));
  std::string insurer = request["insurer_number"];
  insurer.back() = insurer.back() == '9' ? '0' : static_cast<char>(insurer.back() + 1);
  request["insurer_number"] = insurer;
  const Reply r = rig->post("/v1/verifications", request, unique_key("bad"));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(body_of(r)["error"]["field"], "insurer_number") << r.body;
  json koki = insurance_request(person_of(rig->dataset(), "koki"));
  koki["symbol"] = "12";
  const Reply k = rig->post("/v1/verifications", koki, unique_key("koki-symbol"));
  EXPECT_EQ(k.status, 400) << k.body;
  const json calls = json::parse(rig->control("GET", "/calls"), nullptr, false);
  EXPECT_THAT(calls.dump(), ::testing::Not(HasSubstr("search"))) << calls.dump();
}

TEST(Onshid, IdempotencyKeys) {
  auto rig = OnshidRig::start();
  ASSERT_TRUE(rig);
  const json request = insurance_request(person_of(rig->dataset(), "self"));
  const Reply none = rig->post("/v1/verifications", request, "");
  EXPECT_EQ(none.status, 400);
  EXPECT_EQ(code_of(none), "idempotency_key_missing");

  const Reply first = rig->post("/v1/verifications", request, "key-1", {{"Prefer", "wait=20"}});
  ASSERT_EQ(first.status, 200) << first.body;
  const std::string id = body_of(first)["id"];
  EXPECT_THAT(id, ::testing::StartsWith("vf_"));
  // Same key, same body (other field order, an unknown field): the same verification.
  json reordered = json::parse(request.dump());
  reordered["x_vendor_note"] = "ignored";
  const Reply second = rig->post("/v1/verifications", reordered, "key-1");
  EXPECT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(body_of(second)["id"], id);
  EXPECT_EQ(second.header("Idempotent-Replayed"), "true");
  // Same key, another body: 409.
  json other = request;
  other["limit_consent"] = true;
  const Reply conflict = rig->post("/v1/verifications", other, "key-1");
  EXPECT_EQ(conflict.status, 409) << conflict.body;
  EXPECT_EQ(code_of(conflict), "idempotency_conflict");
  // The first one was queried once only.
  const json calls = json::parse(rig->control("GET", "/calls"), nullptr, false);
  int searches = 0;
  for (const auto& c : calls["calls"]) searches += c.value("route", "") == "search" ? 1 : 0;
  EXPECT_EQ(searches, 1) << calls.dump();
}

TEST(Onshid, UpstreamFaultsBecomeSpecificErrors) {
  auto rig = OnshidRig::start({.request_timeout = std::chrono::milliseconds(1500)});
  ASSERT_TRUE(rig);
  const json request = insurance_request(person_of(rig->dataset(), "self"));
  struct Case {
    std::string fault;
    std::string code;
  };
  const std::vector<Case> cases = {
      {R"({"kind":"status","status":503,"routes":["search"]})", "http_status"},
      {R"({"kind":"reset","routes":["search"]})", ""},
      {R"({"kind":"latency","ms":4000,"routes":["search"]})", "net_timeout"},
      {R"({"kind":"malformed","variant":"not_json","routes":["search"]})", "elig_message_invalid"},
      {R"({"kind":"malformed","variant":"bad_segment","routes":["search"]})",
       "elig_message_invalid"},
  };
  for (const auto& c : cases) {
    rig->control("PUT", "/faults", R"({"faults":[)" + c.fault + "]}");
    const json v = verify(*rig, request, unique_key("fault"));
    EXPECT_EQ(v["state"], "failed") << c.fault << ": " << v.dump(1);
    if (!c.code.empty()) {
      EXPECT_EQ(v["error"]["code"], c.code) << c.fault << ": " << v.dump(1);
    } else {
      EXPECT_FALSE(v["error"]["code"].get<std::string>().empty()) << v.dump(1);
    }
    rig->control("DELETE", "/faults");
  }
  // An expired token is renewed without the caller noticing.
  rig->control("POST", "/tokens/expire");
  EXPECT_EQ(verify(*rig, request, unique_key("token"))["state"], "succeeded");
  // The service gone: a network error, and health says failing.
  rig->eligsim()->process.stop();
  const json down = verify(*rig, request, unique_key("down"));
  EXPECT_EQ(down["state"], "failed");
  EXPECT_THAT(down["error"]["code"].get<std::string>(), ::testing::StartsWith("net_"))
      << down.dump();
  EXPECT_EQ(body_of(rig->get("/v1/health"))["upstream"]["state"], "failing");
}

TEST(Onshid, ExpiredCertificateIsRefusedBeforeConnecting) {
  auto rig = OnshidRig::start({.client = "expired"});
  ASSERT_TRUE(rig);
  rig->control("DELETE", "/calls");
  const json v = verify(*rig, insurance_request(person_of(rig->dataset(), "self")), "expired-1");
  EXPECT_EQ(v["state"], "failed");
  EXPECT_EQ(v["error"]["code"], "cert_expired") << v.dump(1);
  EXPECT_FALSE(v["error"]["details"]["next_action"].get<std::string>().empty()) << v.dump(1);
  const json calls = json::parse(rig->control("GET", "/calls"), nullptr, false);
  EXPECT_TRUE(calls["calls"].empty()) << calls.dump();
}

TEST(Onshid, ClientNotOnTheAllowListIsRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to connect as another uid";
  // nobody may connect (the socket's group is nogroup) but is not on the allow-list.
  auto rig =
      OnshidRig::start({.upstream = false, .socket_group = "nogroup", .allowed_users = "\"root\""});
  ASSERT_TRUE(rig);
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  const pid_t child = fork();
  if (child == 0) {
    close(pipefd[0]);
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(3);
    const Reply r = call(rig->socket(), "GET", "/v1/health");
    const std::string out = std::to_string(r.status) + " " + r.body;
    (void)!write(pipefd[1], out.data(), out.size());
    _exit(0);
  }
  close(pipefd[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(pipefd[0], buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  close(pipefd[0]);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_THAT(out, ::testing::StartsWith("403 ")) << out;
  EXPECT_THAT(out, HasSubstr("api_forbidden"));
  EXPECT_EQ(rig->get("/v1/health").status, 200);  // root still is
  EXPECT_EQ(body_of(rig->get("/v1/health"))["api"]["refused_peers"], 1);
}

TEST(Onshid, SocketIsGroupOnly) {
  auto rig = OnshidRig::start({.upstream = false});
  ASSERT_TRUE(rig);
  struct stat st {};
  ASSERT_EQ(::stat(rig->socket().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  EXPECT_EQ(st.st_gid, getegid());
}

TEST(Onshid, TcpListenerNeedsAClientCertificate) {
  auto rig = OnshidRig::start({.tcp = true});
  ASSERT_TRUE(rig);
  const std::string address = body_of(rig->get("/v1/health"))["api"]["tcp"];
  ASSERT_FALSE(address.empty());
  const std::string port = address.substr(address.rfind(':') + 1);
  const auto pki = sim::eligsim::testing::pki().string();
  const std::string base = fmt::format(
      "curl -s -S --max-time 10 --cacert {0}/root-ca.pem --resolve localhost:{1}:127.0.0.1 ", pki,
      port);
  const std::string url = fmt::format(" https://localhost:{}/v1/health", port);
  const std::string with_cert =
      base + fmt::format("--cert {0}/clients/good-b.pem --key {0}/clients/good-b.key", pki) + url;
  FILE* p = popen((with_cert + " 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  EXPECT_EQ(pclose(p), 0) << out;
  EXPECT_THAT(out, HasSubstr("\"institutions\""));
  // Without a certificate, and with a revoked one: no HTTP at all.
  EXPECT_NE(std::system((base + url + " >/dev/null 2>&1").c_str()), 0);
  const std::string revoked =
      base + fmt::format("--cert {0}/clients/revoked.pem --key {0}/clients/revoked.key", pki) + url;
  EXPECT_NE(std::system((revoked + " >/dev/null 2>&1").c_str()), 0);
}

TEST(Onshid, KillMinus9MidRequestLosesNothingAndAnswersNothingTwice) {
  auto rig = OnshidRig::start({.request_timeout = std::chrono::milliseconds(20000)});
  ASSERT_TRUE(rig);
  const json request = insurance_request(person_of(rig->dataset(), "self"));
  const json done = verify(*rig, request, "before-crash");
  ASSERT_EQ(done["state"], "succeeded");
  rig->control("PUT", "/faults",
               R"({"faults":[{"kind":"latency","ms":10000,"routes":["search"]}]})");
  const Reply started = rig->post("/v1/verifications", request, "mid-crash");
  ASSERT_EQ(started.status, 202) << started.body;
  const std::string id = body_of(started)["id"];
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  rig->kill9();
  rig->control("DELETE", "/faults");
  ASSERT_TRUE(rig->restart());
  const json interrupted = body_of(rig->get("/v1/verifications/" + id));
  EXPECT_EQ(interrupted["state"], "failed") << interrupted.dump(1);
  EXPECT_EQ(interrupted["error"]["code"], "request_interrupted");
  // The same key stays failed: the retry is told, not run again.
  const Reply retry = rig->post("/v1/verifications", request, "mid-crash");
  EXPECT_EQ(body_of(retry)["id"], id);
  EXPECT_EQ(body_of(retry)["state"], "failed");
  // The finished one is still there, unchanged.
  const json kept = body_of(rig->get("/v1/verifications/" + done["id"].get<std::string>()));
  EXPECT_EQ(kept["result"], done["result"]);
  EXPECT_EQ(body_of(rig->get("/v1/health"))["journal"]["recovered_at_start"], 1);
}

// A SIGTERM while a caller waits and a query is in flight upstream: onshid stops waiting for the
// caller at once, lets the query finish and journals it, then exits cleanly; after a restart the
// request's key gives the finished result.
TEST(Onshid, StopsPromptlyWhileCallersWait) {
  auto rig = OnshidRig::start({.request_timeout = std::chrono::milliseconds(20000)});
  ASSERT_TRUE(rig);
  rig->control("PUT", "/faults",
               R"({"faults":[{"kind":"latency","ms":1000,"routes":["search"]}]})");
  const json request = insurance_request(person_of(rig->dataset(), "self"));
  Reply waited;
  std::thread caller([&] {
    waited = rig->post("/v1/verifications", request, "waiting", {{"Prefer", "wait=30"}});
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto t0 = std::chrono::steady_clock::now();
  const int status = rig->onshid().stop();  // SIGTERM, SIGKILL after 2 s
  const auto took = std::chrono::steady_clock::now() - t0;
  caller.join();
  EXPECT_EQ(status, 0) << rig->onshid().output();
  EXPECT_LT(took, std::chrono::milliseconds(1900));
  // The caller was not kept for its 30 s: answered 202 or disconnected by the stop.
  EXPECT_NE(waited.status, 200) << waited.body;
  rig->control("DELETE", "/faults");
  ASSERT_TRUE(rig->restart());
  const Reply after = rig->post("/v1/verifications", request, "waiting");
  EXPECT_EQ(body_of(after)["state"], "succeeded") << after.body;
}

TEST(Onshid, BulkVerification) {
  auto rig = OnshidRig::start();
  ASSERT_TRUE(rig);
  const json dataset = rig->dataset();
  json patients = json::array();
  int n = 0;
  for (const std::string category : {"self", "family", "koki"}) {
    json p = insurance_request(person_of(dataset, category));
    p.erase("method");
    p["id"] = "p" + std::to_string(++n);
    patients.push_back(p);
  }
  const Reply r = rig->post("/v1/bulk-verifications", {{"patients", patients}}, "bulk-1",
                            {{"Prefer", "wait=30"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json v = body_of(r);
  ASSERT_EQ(v["state"], "succeeded") << v.dump(1);
  EXPECT_THAT(v["result"].dump(), HasSubstr("\"p3\"")) << v.dump(1);
}

TEST(Onshid, SighupReloadsTheCertificate) {
  auto rig = OnshidRig::start({.client = "expired"});
  ASSERT_TRUE(rig);
  EXPECT_EQ(body_of(rig->get("/v1/health"))["institutions"][0]["certificate"]["state"], "expired");
  // A good certificate arrives (as `onshictl cert import` puts it), then SIGHUP.
  const auto pki = sim::eligsim::testing::pki();
  const std::string p12 = read_file(pki / "clients/good-rsa.p12");
  const std::string password = read_file(pki / "clients/password");
  auto identity = tls::open_pkcs12(
      ByteView(reinterpret_cast<const std::uint8_t*>(p12.data()), p12.size()),
      ByteView(reinterpret_cast<const std::uint8_t*>(password.data()), password.size()));
  ASSERT_TRUE(identity);
  tls::CertificateStore store(rig->dir() / "state/certs");
  ASSERT_TRUE(
      store.install(*identity, "2714206386", "good-rsa.p12",
                    std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())));
  ::kill(rig->onshid().pid(), SIGHUP);
  std::string state;
  for (int i = 0; i < 100 && state != "ok"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    state = body_of(rig->get("/v1/health"))["institutions"][0]["certificate"].value("state", "");
  }
  EXPECT_EQ(state, "ok");
  const json v = verify(*rig, insurance_request(person_of(rig->dataset(), "self")), "after-reload");
  EXPECT_EQ(v["state"], "succeeded") << v.dump(1);
  EXPECT_THAT(rig->onshid().output(), HasSubstr("reloaded"));
}

// systemd's side of Type=notify: a datagram socket in NOTIFY_SOCKET, WATCHDOG_USEC for the
// watchdog (sd_notify(3), sd_watchdog_enabled(3)).
TEST(Onshid, TellsSystemdReadyStatusWatchdogReloadAndStop) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("onshid-notify-" + std::to_string(::getpid()) + ".sock"))
                               .string();
  ::unlink(path.c_str());
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  timeval tv{0, 200000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "200000", 1);  // a watchdog ping every 100 ms
  auto rig = OnshidRig::start({.upstream = false});
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  ASSERT_TRUE(rig);
  std::vector<std::string> messages;
  const auto collect = [&](std::chrono::milliseconds how_long) {
    const auto end = std::chrono::steady_clock::now() + how_long;
    char buf[4096];
    while (std::chrono::steady_clock::now() < end) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0) messages.emplace_back(buf, static_cast<std::size_t>(n));
    }
  };
  const auto count = [&](std::string_view what) {
    return std::count_if(messages.begin(), messages.end(),
                         [&](const std::string& m) { return m.find(what) != std::string::npos; });
  };
  collect(std::chrono::milliseconds(700));
  EXPECT_EQ(count("READY=1"), 1);
  EXPECT_GE(count("STATUS="), 1);
  EXPECT_GE(count("WATCHDOG=1"), 3);  // ~7 in 700 ms
  ::kill(rig->onshid().pid(), SIGHUP);
  collect(std::chrono::milliseconds(500));
  EXPECT_EQ(count("RELOADING=1"), 1);
  EXPECT_EQ(count("READY=1"), 2);  // after the reload
  ::kill(rig->onshid().pid(), SIGTERM);
  collect(std::chrono::milliseconds(500));
  EXPECT_EQ(count("STOPPING=1"), 1);
  ::close(fd);
  ::unlink(path.c_str());
}

TEST(Onshid, UnknownRoutesAndMethods) {
  auto rig = OnshidRig::start({.upstream = false});
  ASSERT_TRUE(rig);
  EXPECT_EQ(code_of(rig->get("/v2/health")), "api_not_found");
  const Reply r = call(rig->socket(), "DELETE", "/v1/health");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("Allow"), "GET");
  // A body announced larger than the limit is refused from its header, before it is read.
  boost::asio::io_context io;
  boost::asio::local::stream_protocol::socket socket(io);
  socket.connect(boost::asio::local::stream_protocol::endpoint(rig->socket().string()));
  const std::string head =
      "POST /v1/verifications HTTP/1.1\r\nHost: x\r\nIdempotency-Key: big\r\n"
      "Content-Length: 9437184\r\n\r\n{";
  boost::asio::write(socket, boost::asio::buffer(head));
  std::string answer;
  boost::system::error_code ec;
  for (char buf[4096];;) {
    const std::size_t n = socket.read_some(boost::asio::buffer(buf), ec);
    if (ec) break;
    answer.append(buf, n);
  }
  EXPECT_THAT(answer, ::testing::StartsWith("HTTP/1.1 413")) << answer;
  EXPECT_THAT(answer, HasSubstr("api_too_large"));
  EXPECT_EQ(rig->get("/v1/health").status, 200);
}

}  // namespace
}  // namespace onshi::agent::testing
