// The eligibility adapter against onshi-eligsim as a process, over mutual TLS with the test PKI:
// every kind of answer, the token (reused, renewed before it runs out, renewed after the service
// expired it), concurrent calls, 一括 in two phases, every fault eligsim injects, and the
// certificates refused before connecting. What the service saw is read from its record of calls
// (`GET /calls`) and its log.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <regex>
#include <thread>
#include <vector>

#include "eligsim_rig.hpp"
#include "onshi/eligibility/client.hpp"
#include "onshi/tls/certificate.hpp"
#include "onshi/tls/client_identity.hpp"

namespace onshi::eligibility {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using sim::eligsim::testing::Eligsim;
using sim::eligsim::testing::pki;

constexpr std::string_view kInstitution = "2714206386";  // the test PKI's institution a
constexpr std::string_view kDate = "20261202";

bool has(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

Result<tls::ClientIdentity> identity_of(std::string_view client) {
  const auto dir = pki() / "clients";
  return tls::load_identity_pem(dir / (std::string(client) + ".pem"),
                                dir / (std::string(client) + ".key"));
}

// The adapter as onshid sets it up, as `client` of the test PKI (none for ""), pinned to the
// issuing CA.
Result<std::unique_ptr<EligibilityClient>> make_client(
    const Eligsim& sim, std::string_view client, std::chrono::milliseconds request_timeout = 5000ms,
    std::string institution = std::string(kInstitution)) {
  std::optional<tls::ClientIdentity> identity;
  if (!client.empty()) {
    ONSHI_TRY_ASSIGN(identity, identity_of(client));
  }
  ONSHI_TRY_ASSIGN(const auto issuing,
                   tls::Certificate::load_pem_file(pki() / "intermediate-ca.pem"));
  ClientSettings s;
  s.institution = std::move(institution);
  s.tls.base_url = fmt::format("https://localhost:{}/oqs-sim/v1", sim.api_port());
  s.tls.pins = {issuing.at(0).spki_sha256()};
  s.tls.test_mode = true;
  s.tls.server_ca_file = pki() / "root-ca.pem";
  s.tls.request_timeout = request_timeout;
  s.tls.max_idle_connections = 16;
  return EligibilityClient::create(std::move(s), std::move(identity));
}

xmlmsg::SearchInfo search_for(const json& person, std::size_t qualification = 0) {
  const json& q = person.at("qualifications").at(qualification);
  return {q.at("insurer_number"),
          q.at("symbol"),
          q.at("number"),
          q.at("branch"),
          person.at("birthdate"),
          "0",
          ""};
}

class Adapter : public ::testing::Test {
 protected:
  static std::vector<std::string> service_args() { return {"--bulk-delay-ms", "1500"}; }

  void SetUp() override {
    auto started = sim::eligsim::testing::start_eligsim(service_args());
    ASSERT_TRUE(started) << started.error().to_string();
    sim_.emplace(std::move(*started));
    dataset_ = json::parse(control("GET", "/dataset"), nullptr, false);
    ASSERT_TRUE(dataset_.is_object()) << "GET /dataset";
    auto client = make_client(*sim_, "good-rsa");
    ASSERT_TRUE(client) << client.error().to_string();
    client_ = std::move(*client);
  }

  std::string control(std::string_view method, std::string_view path,
                      std::string_view body = {}) const {
    return sim::eligsim::testing::control(*sim_, method, path, body);
  }
  void faults(std::string_view list) {
    const std::string answer = control("PUT", "/faults", fmt::format(R"({{"faults":[{}]}})", list));
    ASSERT_TRUE(has(answer, "\"faults\"")) << answer;
  }

  // The record of calls since the last call of this.
  json calls() {
    json all = json::parse(control("GET", "/calls"), nullptr, false);
    control("DELETE", "/calls");
    return all.is_object() ? all["calls"] : json::array();
  }
  static int count(const json& calls, std::string_view route) {
    int n = 0;
    for (const auto& c : calls) n += text(c, "route") == route ? 1 : 0;
    return n;
  }
  // A string member, "" when it is absent or not a string.
  static std::string text(const json& object, std::string_view name) {
    const auto it = object.find(name);
    return it != object.end() && it->is_string() ? it->get_ref<const std::string&>() : "";
  }

  const json& person(const std::string& category) const {
    const auto examples = dataset_.find("examples");
    const std::string id = examples != dataset_.end() ? text(*examples, category) : "";
    const auto persons = dataset_.find("persons");
    if (!id.empty() && persons != dataset_.end()) {
      for (const auto& p : *persons) {
        if (text(p, "id") == id) return p;
      }
    }
    static const json none;
    ADD_FAILURE() << "no example " << category << " in the data set";
    return none;
  }

  Result<Answer<xmlmsg::QualificationResponse>> search(const std::string& category,
                                                       std::string_view file_id = "req") {
    return client_->search(search_for(person(category)), kDate, file_id);
  }

  // Handshakes the service logged ("conn N from ADDR: handshake ..."), refused ones included.
  int handshakes_logged() const {
    static const std::regex line(R"(conn \d+ from [^ ]+: handshake)");
    const std::string log = sim_->process.output();
    return static_cast<int>(
        std::distance(std::sregex_iterator(log.begin(), log.end(), line), std::sregex_iterator()));
  }

  std::optional<Eligsim> sim_;
  json dataset_;
  std::unique_ptr<EligibilityClient> client_;
};

// --- answers ---

TEST_F(Adapter, SearchAnswersEveryValidityWithTheRecords) {
  const json& self = person("self");
  auto valid = client_->search(search_for(self), kDate, "req-valid");
  ASSERT_TRUE(valid) << valid.error().to_string();
  EXPECT_EQ(valid->parsed.qualification_validity, "1");
  ASSERT_EQ(valid->parsed.results.size(), 1u);
  EXPECT_EQ(valid->parsed.results[0].name, self["name"]);
  EXPECT_EQ(valid->parsed.results[0].name_kana, self["name_kana"]);
  EXPECT_EQ(valid->parsed.header.medical_institution_code, kInstitution);
  EXPECT_EQ(valid->parsed.header.arbitrary_file_identifier, "req-valid");
  EXPECT_TRUE(has(valid->raw_json, "\"XmlMsg\"")) << "the raw answer is kept";
  EXPECT_TRUE(has(valid->raw_json, self["name"].get<std::string>()));

  const json& changed = person("expired-newer");
  auto older = client_->search(search_for(changed, 0), kDate, "req-older");
  ASSERT_TRUE(older) << older.error().to_string();
  EXPECT_EQ(older->parsed.qualification_validity, "3");
  EXPECT_FALSE(older->parsed.results.at(0).disqualification_date.empty());
  auto newer = client_->search(search_for(changed, 1), kDate, "req-newer");
  ASSERT_TRUE(newer) << newer.error().to_string();
  EXPECT_EQ(newer->parsed.qualification_validity, "1");

  auto lost = search("lost");
  ASSERT_TRUE(lost) << lost.error().to_string();
  EXPECT_EQ(lost->parsed.qualification_validity, "2");
  auto multiple = search("multiple");
  ASSERT_TRUE(multiple) << multiple.error().to_string();
  EXPECT_EQ(multiple->parsed.qualification_validity, "5");
  EXPECT_EQ(multiple->parsed.results.size(), 2u);
  auto koki = search("koki");
  ASSERT_TRUE(koki) << koki.error().to_string();
  EXPECT_EQ(koki->parsed.qualification_validity, "1");
  EXPECT_EQ(koki->parsed.results.at(0).insurer_number.substr(0, 2), "39");
  auto kokuho = search("kokuho");
  ASSERT_TRUE(kokuho) << kokuho.error().to_string();
  EXPECT_EQ(kokuho->parsed.results.at(0).insurer_number.size(), 6u);  // the padding removed

  auto nobody_search = search_for(self);
  nobody_search.birthdate = "19010101";
  auto nobody = client_->search(nobody_search, kDate, "req-nobody");
  ASSERT_TRUE(nobody) << nobody.error().to_string();
  EXPECT_EQ(nobody->parsed.qualification_validity, "4");
  EXPECT_TRUE(nobody->parsed.results.empty());

  const auto state = client_->state();
  EXPECT_EQ(state.health, UpstreamHealth::ok);
  EXPECT_TRUE(state.last_success);
  EXPECT_FALSE(state.last_error);
}

TEST_F(Adapter, ChallengeAndAProcessingResultStatus2OverTheWire) {
  auto challenge = client_->challenge();
  ASSERT_TRUE(challenge) << challenge.error().to_string();
  EXPECT_EQ(challenge->bytes.size(), 32u);
  EXPECT_FALSE(challenge->id.empty());
  EXPECT_EQ(challenge->expires_in, 60s);
  // A proof for a challenge the service never issued: SIM2101, ProcessingResultStatus 2.
  xmlmsg::VerificationInfo v;
  v.challenge_id = "never-issued";
  v.certificate_der = "not a certificate";
  v.proof = "not a signature";
  auto refused = client_->verify(v, kDate, "req-verify");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::elig_rejected) << refused.error().to_string();
  EXPECT_EQ(refused.error().native, 200);
  EXPECT_TRUE(has(refused.error().message,
                  "refused the My Number card verification: "
                  "ProcessingResultStatus 2, ProcessingResultCode "
                  "SIM2101"))
      << refused.error().message;
  // One query's content refused: the service is fine.
  EXPECT_EQ(client_->state().health, UpstreamHealth::ok);
}

TEST_F(Adapter, AGoodCertificateOfAnotherInstitutionIsRefusedByTheService) {
  auto other = make_client(*sim_, "wrong-institution");
  ASSERT_TRUE(other) << other.error().to_string();
  auto r = (*other)->search(search_for(person("self")), kDate, "req");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::http_status) << r.error().to_string();
  EXPECT_EQ(r.error().native, 403);
  EXPECT_TRUE(has(r.error().message,
                  "403 to the login (POST /auth): \"medicalInstitutionCode "
                  "2714206386 is not the client certificate's institution "
                  "1311234569\""))
      << r.error().message;
  EXPECT_EQ((*other)->state().health, UpstreamHealth::failing);
}

// --- the token ---

TEST_F(Adapter, TheTokenIsReusedAcrossCalls) {
  calls();
  for (int i = 0; i < 5; ++i) {
    auto r = search("self", fmt::format("req-{}", i));
    ASSERT_TRUE(r) << r.error().to_string();
  }
  ASSERT_TRUE(client_->challenge());
  const json seen = calls();
  EXPECT_EQ(count(seen, "auth"), 1) << seen.dump();
  EXPECT_EQ(count(seen, "search"), 5);
  const auto state = client_->state();
  EXPECT_TRUE(state.has_token);
  ASSERT_TRUE(state.token_expires);
  const auto left = *state.token_expires - std::chrono::system_clock::now();
  EXPECT_GT(left, 590s);  // eligsim's 600 s
  EXPECT_LE(left, 600s);
}

TEST_F(Adapter, ATokenTheServiceExpiredIsRenewedAndTheQueryAnsweredOnce) {
  ASSERT_TRUE(search("self"));
  calls();
  control("POST", "/tokens/expire");
  auto r = search("self", "req-after-expiry");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->parsed.qualification_validity, "1");
  const json seen = calls();
  ASSERT_EQ(seen.size(), 3u) << seen.dump();
  EXPECT_EQ(seen[0]["route"], "search");
  EXPECT_EQ(seen[0]["http_status"], 401);
  EXPECT_EQ(seen[0]["outcome"], "token-expired");
  EXPECT_EQ(seen[1]["route"], "auth");
  EXPECT_EQ(seen[2]["route"], "search");
  EXPECT_EQ(seen[2]["outcome"], "segment=1 status=1 validity=1");
  EXPECT_EQ(client_->state().health, UpstreamHealth::ok);
}

TEST_F(Adapter, ANewIdentityDropsTheTokenAndLogsInWithTheNewCertificate) {
  ASSERT_TRUE(search("self"));
  calls();
  // The old token belongs to the old certificate (the service would answer 401 to it): the client
  // drops it and logs in again before the next query.
  auto renewed = identity_of("renewed");
  ASSERT_TRUE(renewed) << renewed.error().to_string();
  ASSERT_TRUE(client_->set_identity(std::move(*renewed)));
  EXPECT_FALSE(client_->state().has_token);  // dropped with the old certificate
  auto r = search("self", "req-renewed");
  ASSERT_TRUE(r) << r.error().to_string();
  const json seen = calls();
  ASSERT_EQ(seen.size(), 2u) << seen.dump();  // a new login, then the query: no 401
  EXPECT_EQ(seen[0]["route"], "auth");
  EXPECT_EQ(seen[1]["route"], "search");
  EXPECT_EQ(seen[0]["certificate_sha256"], seen[1]["certificate_sha256"]);
  auto leaf = tls::Certificate::load_pem_file(pki() / "clients" / "renewed.pem");
  ASSERT_TRUE(leaf);
  EXPECT_EQ(seen[1]["certificate_sha256"], tls::hex(leaf->at(0).fingerprint()));
}

// A service that hands out 4-second tokens: the margin is at most half of that, so the client
// renews 2 s before the end, by itself, without ever sending an expired token.
class ShortTokens : public Adapter {
 protected:
  void SetUp() override {
    auto started = sim::eligsim::testing::start_eligsim({"--token-lifetime", "4"});
    ASSERT_TRUE(started) << started.error().to_string();
    sim_.emplace(std::move(*started));
    dataset_ = json::parse(control("GET", "/dataset"), nullptr, false);
    auto client = make_client(*sim_, "good-ec");
    ASSERT_TRUE(client) << client.error().to_string();
    client_ = std::move(*client);
  }
};

TEST_F(ShortTokens, TheTokenIsRenewedBeforeItRunsOut) {
  ASSERT_TRUE(search("self"));
  ASSERT_TRUE(search("self"));  // within the first 2 s: reused
  std::this_thread::sleep_for(2500ms);
  ASSERT_TRUE(search("self"));  // inside the margin: a new login first
  const json seen = calls();
  EXPECT_EQ(count(seen, "auth"), 2) << seen.dump();
  EXPECT_EQ(count(seen, "search"), 3);
  for (const auto& c : seen) EXPECT_NE(c["http_status"], 401) << seen.dump();
}

TEST_F(Adapter, ConcurrentCallsShareOneLogin) {
  calls();
  constexpr int kThreads = 8;
  constexpr int kEach = 3;
  std::atomic<int> succeeded{0};
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  const std::vector<std::string> categories{"self", "kokuho", "koki", "family"};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string category = categories[static_cast<std::size_t>(t + i) % 4];
        auto r = search(category, fmt::format("req-{}-{}", t, i));
        if (r && r->parsed.qualification_validity == "1" &&
            r->parsed.header.arbitrary_file_identifier == fmt::format("req-{}-{}", t, i)) {
          ++succeeded;
        } else {
          failures[static_cast<std::size_t>(t)] = r ? r->raw_json : r.error().to_string();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(succeeded.load(), kThreads * kEach);
  for (const auto& f : failures) EXPECT_EQ(f, "");
  const json seen = calls();
  EXPECT_EQ(count(seen, "auth"), 1) << seen.dump();
  EXPECT_EQ(count(seen, "search"), kThreads * kEach);
}

TEST_F(Adapter, ConcurrentCallsAfterTheServiceExpiredTheTokenShareOneNewLogin) {
  ASSERT_TRUE(search("self"));
  control("POST", "/tokens/expire");
  calls();
  constexpr int kThreads = 6;
  std::atomic<int> succeeded{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      if (search("self", fmt::format("req-{}", t))) ++succeeded;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(succeeded.load(), kThreads);
  const json seen = calls();
  // Every thread may have sent the old token once (401), but they logged in once between them.
  EXPECT_EQ(count(seen, "auth"), 1) << seen.dump();
  int answered = 0;
  for (const auto& c : seen) answered += c["route"] == "search" && c["http_status"] == 200;
  EXPECT_EQ(answered, kThreads);
}

// --- 一括 ---

TEST_F(Adapter, BulkSubmitThenFetchWhileProcessingThenTheUnits) {
  std::vector<xmlmsg::SearchInfo> patients{search_for(person("self")), search_for(person("kokuho")),
                                           search_for(person("lost"))};
  for (std::size_t i = 0; i < patients.size(); ++i) {
    patients[i].arbitrary_identifier = fmt::format("patient-{}", i);
  }
  auto submitted = client_->bulk_submit(patients, kDate, "bulk-1");
  ASSERT_TRUE(submitted) << submitted.error().to_string();
  const std::string reception = submitted->parsed.reception_number;
  ASSERT_FALSE(reception.empty());

  auto processing = client_->bulk_fetch(reception, "bulk-1-fetch");
  ASSERT_TRUE(processing) << processing.error().to_string();
  EXPECT_EQ(processing->parsed.header.segment_of_result, "2");  // 処理中 is an answer
  EXPECT_TRUE(processing->parsed.units.empty());

  std::optional<Answer<xmlmsg::BulkFetchResponse>> ready;
  const auto until = std::chrono::steady_clock::now() + 15s;
  while (!ready && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(200ms);
    auto r = client_->bulk_fetch(reception, "bulk-1-fetch");
    ASSERT_TRUE(r) << r.error().to_string();
    if (r->parsed.header.segment_of_result == "1") ready = std::move(*r);
  }
  ASSERT_TRUE(ready) << "still 処理中 after 15 s";
  ASSERT_EQ(ready->parsed.units.size(), 3u);
  EXPECT_EQ(ready->parsed.header.number_of_processing_result, "3");
  std::map<std::string, std::string> validity;
  for (const auto& u : ready->parsed.units) {
    validity[u.search.arbitrary_identifier] = u.qualification_validity;
  }
  EXPECT_EQ(validity["patient-0"], "1");
  EXPECT_EQ(validity["patient-1"], "1");
  EXPECT_EQ(validity["patient-2"], "2");
  EXPECT_EQ(client_->state().health, UpstreamHealth::ok);
}

TEST_F(Adapter, AnUnknownReceptionNumberIsSegmentOfResult9) {
  auto r = client_->bulk_fetch("R-NOT-ISSUED", "fetch-unknown");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::elig_rejected) << r.error().to_string();
  EXPECT_EQ(r.error().native, 200);
  EXPECT_TRUE(has(r.error().message,
                  "一括照会 result answer: SegmentOfResult 9 (異常終了): "
                  "ErrorCode SIM9004"))
      << r.error().message;
  EXPECT_EQ(client_->state().health, UpstreamHealth::failing);
}

// --- faults ---

TEST_F(Adapter, TheServiceDownIsANetworkErrorAndTheHealthSaysSo) {
  ASSERT_TRUE(search("self"));
  EXPECT_EQ(client_->state().health, UpstreamHealth::ok);
  sim_->process.stop();
  auto r = search("self");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().code == Errc::net_refused || r.error().code == Errc::net_closed)
      << r.error().to_string();
  const auto state = client_->state();
  EXPECT_EQ(state.health, UpstreamHealth::failing);
  ASSERT_TRUE(state.last_error);
  EXPECT_EQ(state.last_error->code, r.error().code);
  EXPECT_TRUE(state.last_failure);
}

TEST_F(Adapter, A5xxIsHttpStatusAndTheNextAnswerMakesTheHealthOkAgain) {
  ASSERT_TRUE(search("self"));
  faults(R"({"kind":"status","status":503,"routes":["search"],"count":1})");
  auto r = search("self");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::http_status);
  EXPECT_EQ(r.error().native, 503);
  EXPECT_EQ(r.error().message,
            "the eligibility system answered 503 to the 個別照会 (POST /qualifications/search): it "
            "is unavailable; try again later: <html><body>503 Service Unavailable</body></html>");
  EXPECT_EQ(client_->state().health, UpstreamHealth::failing);
  ASSERT_TRUE(search("self"));
  EXPECT_EQ(client_->state().health, UpstreamHealth::ok);
  EXPECT_EQ(client_->state().last_error->code, Errc::http_status);  // kept for the record
}

TEST_F(Adapter, A5xxToTheLoginNamesTheLogin) {
  faults(R"({"kind":"status","status":500,"routes":["auth"],"count":1})");
  auto r = search("self");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::http_status);
  EXPECT_EQ(r.error().native, 500);
  EXPECT_TRUE(has(r.error().message, "answered 500 to the login (POST /auth)"))
      << r.error().message;
  EXPECT_FALSE(client_->state().has_token);
  ASSERT_TRUE(search("self"));  // the next call logs in
}

TEST_F(Adapter, AResetIsNetClosedAndTheQueryIsNotSentAgain) {
  ASSERT_TRUE(search("self"));
  calls();
  faults(R"({"kind":"reset","routes":["search"],"count":1})");
  auto r = search("self", "req-reset");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::net_closed) << r.error().to_string();
  const json seen = calls();
  EXPECT_EQ(count(seen, "search"), 1)
      << "a query that may have been processed is not repeated: " << seen.dump();
  ASSERT_TRUE(search("self"));
}

TEST_F(Adapter, LatencyBeyondTheRequestTimeoutIsNetTimeoutAndWithinItAnAnswer) {
  auto quick = make_client(*sim_, "good-rsa", 1500ms);
  ASSERT_TRUE(quick) << quick.error().to_string();
  const auto self = search_for(person("self"));
  ASSERT_TRUE((*quick)->search(self, kDate, "warm-up"));
  faults(R"({"kind":"latency","ms":400,"routes":["search"],"count":1})");
  const auto started = std::chrono::steady_clock::now();
  auto slow = (*quick)->search(self, kDate, "req-slow");
  ASSERT_TRUE(slow) << slow.error().to_string();
  EXPECT_GE(std::chrono::steady_clock::now() - started, 400ms);
  faults(R"({"kind":"latency","ms":4000,"routes":["search"],"count":1})");
  auto late = (*quick)->search(self, kDate, "req-late");
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, Errc::net_timeout) << late.error().to_string();
  EXPECT_EQ((*quick)->state().health, UpstreamHealth::failing);
}

TEST_F(Adapter, ASlowBodyIsReadToItsEnd) {
  ASSERT_TRUE(search("self"));
  faults(R"({"kind":"slow_body","bytes":128,"ms":30,"routes":["search"],"count":1})");
  const auto started = std::chrono::steady_clock::now();
  auto r = search("self", "req-trickle");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->parsed.qualification_validity, "1");
  // At least a few pieces of 128 bytes, 30 ms apart.
  EXPECT_GE(std::chrono::steady_clock::now() - started, 30ms * (r->raw_json.size() / 128));
}

TEST_F(Adapter, AHandshakeFailureIsTlsHandshake) {
  // A client with no connection in its pool yet, so the call needs a handshake.
  auto fresh = make_client(*sim_, "good-rsa");
  ASSERT_TRUE(fresh) << fresh.error().to_string();
  faults(R"({"kind":"handshake","count":1})");
  auto r = (*fresh)->search(search_for(person("self")), kDate, "req");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::tls_handshake) << r.error().to_string();
  EXPECT_EQ((*fresh)->state().health, UpstreamHealth::failing);
  ASSERT_TRUE((*fresh)->search(search_for(person("self")), kDate, "req"));
}

TEST_F(Adapter, EveryMalformedAnswerIsMessageInvalid) {
  ASSERT_TRUE(search("self"));
  for (const char* variant :
       {"truncated", "not_json", "wrong_root", "number_leaf", "bad_segment", "no_body"}) {
    faults(fmt::format(R"({{"kind":"malformed","variant":"{}","routes":["search"],"count":1}})",
                       variant));
    auto r = search("self", "req-malformed");
    ASSERT_FALSE(r) << variant;
    EXPECT_EQ(r.error().code, Errc::elig_message_invalid)
        << variant << ": " << r.error().to_string();
    EXPECT_EQ(r.error().native, 200) << variant;
    EXPECT_TRUE(has(r.error().message, "the eligibility system's 個別照会 answer"))
        << r.error().message;
  }
  EXPECT_EQ(client_->state().health, UpstreamHealth::failing);
  ASSERT_TRUE(search("self"));
}

TEST_F(Adapter, AMalformedBulkAnswerIsMessageInvalidToo) {
  faults(R"({"kind":"malformed","variant":"wrong_root","routes":["bulk_submit"],"count":1})");
  const std::vector<xmlmsg::SearchInfo> one{search_for(person("self"))};
  auto r = client_->bulk_submit(one, kDate, "bulk-bad");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::elig_message_invalid) << r.error().to_string();
  EXPECT_TRUE(has(r.error().message, "一括照会 submission answer"));
}

// --- certificates refused before connecting ---

TEST_F(Adapter, AnExpiredOrNotYetValidCertificateIsRefusedBeforeConnecting) {
  // The control: a good certificate's connection shows in the service's log.
  auto good = make_client(*sim_, "good-ec");
  ASSERT_TRUE(good);
  const int before = handshakes_logged();
  ASSERT_TRUE((*good)->search(search_for(person("self")), kDate, "req"));
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (handshakes_logged() == before && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_GT(handshakes_logged(), before) << sim_->process.output();
  calls();

  const struct {
    const char* client;
    Errc code;
    const char* says;
  } cases[] = {{"expired", Errc::cert_expired, "(notAfter): nothing was sent"},
               {"not-yet-valid", Errc::cert_not_yet_valid, "(notBefore): nothing was sent"}};
  for (const auto& c : cases) {
    auto client = make_client(*sim_, c.client);
    ASSERT_TRUE(client) << c.client << ": " << client.error().to_string();
    const int handshakes = handshakes_logged();
    auto r = (*client)->search(search_for(person("self")), kDate, "req");
    ASSERT_FALSE(r) << c.client;
    EXPECT_EQ(r.error().code, c.code) << r.error().to_string();
    EXPECT_TRUE(has(r.error().message, c.says)) << r.error().message;
    EXPECT_TRUE(has(r.error().message, "institution 2714206386")) << r.error().message;
    EXPECT_FALSE((*client)->challenge());
    std::this_thread::sleep_for(200ms);  // what would have been logged is logged by now
    EXPECT_EQ(handshakes_logged(), handshakes) << c.client << " connected:\n"
                                               << sim_->process.output();
  }
  EXPECT_TRUE(calls().empty());
}

TEST_F(Adapter, ARevokedCertificateIsRefusedByTheServiceAtTheHandshake) {
  // Revocation is the CA's to know (the CRL): the client cannot tell before connecting.
  auto revoked = make_client(*sim_, "revoked");
  ASSERT_TRUE(revoked);
  auto r = (*revoked)->search(search_for(person("self")), kDate, "req");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::tls_client_cert_rejected) << r.error().to_string();
  EXPECT_TRUE(calls().empty());
}

}  // namespace
}  // namespace onshi::eligibility
