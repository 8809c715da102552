// onshi-eligsim as a process: mutual TLS checked by curl and openssl s_client (the independent
// clients), the test PKI's bad certificates refused, onshi's own client and XmlMsg parser against
// it, My Number verification with the generated personas' keys, and faults over the wire.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "eligsim_rig.hpp"
#include "onshi/base64.hpp"
#include "onshi/pcsc/card_present_proof.hpp"
#include "onshi/sim/jpki_test_pki.hpp"
#include "onshi/sim/tool_run.hpp"
#include "onshi/xmlmsg/json_form.hpp"
#include "onshi/xmlmsg/messages.hpp"

namespace onshi::sim::eligsim {
namespace {

using namespace testing;
using nlohmann::json;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The pin pins.txt lists for a file.
std::string pin_of(std::string_view file) {
  std::istringstream lines(read_file(pki() / "pins.txt"));
  std::string name, pin;
  while (lines >> name >> pin) {
    if (name == file) return pin;
  }
  return "<no pin>";
}

std::string auth_body() { return R"('{"medicalInstitutionCode":"2714206386"}')"; }

ByteView view(const std::string& s) {
  return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

class EligsimProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = start_eligsim({"--bulk-delay-ms", "200", "--challenge-lifetime", "30"});
    ASSERT_TRUE(started) << started.error().to_string();
    sim_.emplace(std::move(*started));
  }
  std::optional<Eligsim> sim_;
};

TEST_F(EligsimProcess, CurlWithTheLeafPinGetsATokenAndAWrongPinFails) {
  const auto ok = run_tool(curl_as("good-rsa") + " --pinnedpubkey " + pin_of("server/server.pem") +
                           " " + sim_->url("/auth") + " -d " + auth_body());
  ASSERT_EQ(ok.status, 0) << ok.output;
  const auto j = json::parse(ok.output);
  EXPECT_EQ(j["status"], "200");
  EXPECT_EQ(j["result"]["accessToken"].get<std::string>().size(), 64u);
  // curl pins the leaf only: the issuing CA's pin does not match it.
  const auto wrong =
      run_tool(curl_as("good-rsa") + " --pinnedpubkey " + pin_of("intermediate-ca.pem") + " " +
               sim_->url("/auth") + " -d " + auth_body());
  EXPECT_EQ(wrong.status, 90) << wrong.output;  // CURLE_SSL_PINNEDPUBKEYNOTMATCH
}

TEST_F(EligsimProcess, OpensslSClientSeesTls12OrLaterWithAClientCertificateRequest) {
  const auto p = pki();
  const auto base = fmt::format(
      "echo | openssl s_client -connect 127.0.0.1:{} -servername localhost "
      "-CAfile {}/root-ca.pem -cert {}/clients/good-ec.pem -key "
      "{}/clients/good-ec.key ",
      sim_->api_port(), p.string(), p.string(), p.string());
  const auto v12 = run_tool(base + "-tls1_2 2>&1");
  EXPECT_NE(v12.output.find("Protocol  : TLSv1.2"), std::string::npos) << v12.output;
  EXPECT_NE(v12.output.find("Verify return code: 0 (ok)"), std::string::npos);
  EXPECT_NE(v12.output.find("Acceptable client certificate CA names"), std::string::npos);
  const auto v13 = run_tool(base + "-tls1_3 2>&1");
  EXPECT_NE(v13.output.find("TLSv1.3"), std::string::npos) << v13.output;
  // The client offers TLS 1.1 (security level 0 allows it); the server refuses it.
  const auto v11 = run_tool(base + "-tls1_1 -cipher DEFAULT@SECLEVEL=0 2>&1");
  EXPECT_NE(v11.status, 0) << v11.output;
  EXPECT_NE(v11.output.find("alert protocol version"), std::string::npos) << v11.output;
}

TEST_F(EligsimProcess, TheTestPkisBadClientCertificatesAreRefusedAtTheHandshake) {
  for (const char* client : {"expired", "revoked", "other-ca", "not-yet-valid"}) {
    const auto r = run_tool(curl_as(client) + " " + sim_->url("/auth") + " -d " + auth_body());
    EXPECT_NE(r.status, 0) << client << ": " << r.output;
  }
  const auto none = run_tool(fmt::format("curl -s -S --cacert {}/root-ca.pem {} -d {}",
                                         pki().string(), sim_->url("/auth"), auth_body()));
  EXPECT_NE(none.status, 0) << none.output;
  const auto log = sim_->process.output();
  EXPECT_NE(log.find("certificate has expired"), std::string::npos) << log;
  EXPECT_NE(log.find("certificate revoked"), std::string::npos) << log;
  // A good certificate of another institution is let in, and the service refuses its claims.
  const auto other =
      run_tool(curl_as("wrong-institution") + " " + sim_->url("/auth") + " -d " + auth_body());
  EXPECT_NE(other.output.find("is not the client certificate's institution 1311234569"),
            std::string::npos)
      << other.output;
}

TEST_F(EligsimProcess, OnshisClientSearchesAndTheCallIsRecordedWithTheCertificate) {
  auto client = onshi_client(*sim_, "good-rsa");
  ASSERT_TRUE(client) << client.error().to_string();
  auto token = login(**client);
  ASSERT_TRUE(token) << token.error().to_string();
  const auto generated = testpki::load_generated_personas(personas());
  ASSERT_TRUE(generated) << generated.error().to_string();
  const auto& ip =
      generated->manifest_content.find_persona(testpki::kPinLessPersona)->insured_person;
  xmlmsg::SearchInfo s{ip.insurer_number,
                       ip.insured_card_symbol,
                       ip.insured_identification_number,
                       ip.insured_branch_number,
                       ip.birth_date,
                       "0",
                       ""};
  ASSERT_EQ(ip.insurer_number.size(), 6u);  // the 国保 persona
  const auto body =
      xmlmsg::to_json(*xmlmsg::make_search_request({"20261202", "2714206386", "x"}, s));
  auto r = post(**client, "/qualifications/search", *body, *token);
  ASSERT_TRUE(r) << r.error().to_string();
  auto answer = xmlmsg::parse_qualification_response(*xmlmsg::parse_json(r->body));
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_EQ(answer->qualification_validity, "1");
  EXPECT_EQ(answer->results.at(0).name, ip.name);
  // A 後期高齢 person picked from the data set the service publishes: no 記号, 8 digits from 39.
  const auto dataset = json::parse(control(*sim_, "GET", "/dataset"));
  const std::string koki_id = dataset["examples"]["koki"];
  for (const auto& p : dataset["persons"]) {
    if (p["id"] != koki_id) continue;
    const auto& q = p["qualifications"][0];
    xmlmsg::SearchInfo k{q["insurer_number"], "",  q["number"], q["branch"],
                         p["birthdate"],      "0", ""};
    auto kr = post(
        **client, "/qualifications/search",
        *xmlmsg::to_json(*xmlmsg::make_search_request({"20261202", "2714206386", "k"}, k)), *token);
    ASSERT_TRUE(kr);
    auto ka = xmlmsg::parse_qualification_response(*xmlmsg::parse_json(kr->body));
    ASSERT_TRUE(ka) << ka.error().message;
    EXPECT_EQ(ka->qualification_validity, "1");
    EXPECT_EQ(ka->results.at(0).insurer_number.substr(0, 2), "39");
    EXPECT_TRUE(ka->results.at(0).insured_card_symbol.empty());
    EXPECT_EQ(ka->results.at(0).name_kana, p["name_kana"]);
  }
  const auto calls = json::parse(control(*sim_, "GET", "/calls"))["calls"];
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[1]["institution"], "2714206386");
  EXPECT_EQ(calls[1]["terminal"], "受付1号機");
  EXPECT_EQ(calls[1]["outcome"], "segment=1 status=1 validity=1");
}

class Verification : public EligsimProcess {
 protected:
  void SetUp() override {
    EligsimProcess::SetUp();
    auto generated = testpki::load_generated_personas(personas());
    ASSERT_TRUE(generated) << generated.error().to_string();
    generated_ = std::move(*generated);
    auto client = onshi_client(*sim_, "good-rsa");
    ASSERT_TRUE(client) << client.error().to_string();
    client_ = *client;
    auto token = login(*client_);
    ASSERT_TRUE(token) << token.error().to_string();
    token_ = *token;
  }

  std::pair<std::string, std::string> challenge() {
    auto r = post(*client_, "/mynumber/challenge", "", token_);
    EXPECT_TRUE(r && r->status == 200);
    if (!r) return {};
    const auto j = json::parse(r->body)["result"];
    const auto bytes = from_base64(j["challenge"].get<std::string>());
    return {j["challengeId"], std::string(bytes->begin(), bytes->end())};
  }

  std::string certificate(std::string_view persona) {
    const auto* p = generated_.find(persona);
    auto certs = tls::Certificate::load_pem_file(p->auth_cert_pem);
    const auto der = certs->at(0).der();
    return std::string(der.begin(), der.end());
  }

  xmlmsg::QualificationResponse verify(const xmlmsg::VerificationInfo& v) {
    const auto body =
        xmlmsg::to_json(*xmlmsg::make_verification_request({"20261202", "2714206386", "v"}, v));
    auto r = post(*client_, "/mynumber/verify", *body, token_);
    EXPECT_TRUE(r) << r.error().to_string();
    auto a = xmlmsg::parse_qualification_response(*xmlmsg::parse_json(r->body));
    EXPECT_TRUE(a) << a.error().message;
    return a ? *a : xmlmsg::QualificationResponse{};
  }

  xmlmsg::VerificationInfo pin_mode(std::string_view persona) {
    const auto [id, bytes] = challenge();
    xmlmsg::VerificationInfo v;
    v.challenge_id = id;
    v.certificate_der = certificate(persona);
    v.proof =
        *sign_like_the_card(personas() / (std::string(persona) + "-auth-key.pem"), view(bytes));
    return v;
  }

  xmlmsg::VerificationInfo face_mode(std::string_view persona) {
    const auto [id, bytes] = challenge();
    xmlmsg::VerificationInfo v;
    v.challenge_id = id;
    v.mode = xmlmsg::VerificationMode::face;
    v.face_match_result = "1";
    v.face_match_score = "930";
    v.certificate_der = certificate(persona);
    const auto message = pcsc::card_present_message(view(bytes), view(v.certificate_der));
    v.proof = *sign_like_the_card(generated_.find(persona)->card_present_key_pem, *message);
    return v;
  }

  testpki::Generated generated_;
  std::shared_ptr<tls::HttpsClient> client_;
  std::string token_;
};

TEST_F(Verification, PinModeFindsTheCardsPersonAndAReplayedProofFails) {
  const auto v = pin_mode(testpki::kCardPersona);
  const auto a = verify(v);
  EXPECT_EQ(a.header.reference_classification, "1");
  EXPECT_EQ(a.qualification_validity, "1");
  const auto& ip = generated_.manifest_content.find_persona(testpki::kCardPersona)->insured_person;
  ASSERT_EQ(a.results.size(), 1u);
  EXPECT_EQ(a.results[0].name, ip.name);
  EXPECT_EQ(a.results[0].insurer_number, ip.insurer_number);
  // The same challenge and proof again: the challenge was single-use.
  const auto replay = verify(v);
  EXPECT_EQ(replay.processing_result_status, "2");
  EXPECT_EQ(replay.processing_result_code, "SIM2101");
  // The old proof on a fresh challenge is not a signature over it.
  auto old = v;
  old.challenge_id = challenge().first;
  EXPECT_EQ(verify(old).processing_result_code, "SIM2103");
}

TEST_F(Verification, TheInventedP384CardSignsWithEcdsa) {
  EXPECT_EQ(verify(pin_mode(testpki::kP384Persona)).qualification_validity, "1");
}

TEST_F(Verification, FaceModeNeedsTheCardPresentProofAndReturnsTheConsentsAsAnswered) {
  auto v = face_mode(testpki::kCardPersona);
  v.consents.pharmaceutical = "1";
  v.consents.specific_health_checkups = "0";
  v.consents.diagnosis = "1";
  v.consents.operation = "0";
  v.consents.limit = "1";
  v.consents.specific_diseases = "1";
  const auto a = verify(v);
  ASSERT_EQ(a.results.size(), 1u) << a.processing_result_code << " " << a.processing_result_message;
  const auto& c = a.results[0].consents;
  EXPECT_EQ(c.pharmaceutical, "1");
  EXPECT_FALSE(c.pharmaceutical_time.empty());
  EXPECT_EQ(c.specific_health_checkups, "0");
  EXPECT_EQ(c.diagnosis, "1");
  EXPECT_EQ(c.operation, "0");
  EXPECT_EQ(c.limit, "1");
  EXPECT_EQ(c.specific_diseases, "1");
  EXPECT_TRUE(a.results[0].limit_certificate);  // the first persona holds one
  EXPECT_FALSE(a.results[0].specific_diseases.empty());

  // A copied certificate with a proof from another card, a failed face match, a phone.
  auto copied = face_mode(testpki::kCard2023Persona);
  copied.certificate_der = certificate(testpki::kCardPersona);
  EXPECT_EQ(verify(copied).processing_result_code, "SIM2103");
  auto no_match = face_mode(testpki::kCardPersona);
  no_match.face_match_result = "2";
  EXPECT_EQ(verify(no_match).processing_result_code, "SIM2104");
  auto phone = pin_mode(testpki::kSmartphonePersona);
  phone.mode = xmlmsg::VerificationMode::visual;
  EXPECT_EQ(verify(phone).processing_result_code, "SIM2106");
  // 目視 mode on a PIN-less card with its card-present proof.
  auto visual = face_mode(testpki::kPinLessPersona);
  visual.mode = xmlmsg::VerificationMode::visual;
  visual.face_match_result.clear();
  visual.face_match_score.clear();
  EXPECT_EQ(verify(visual).qualification_validity, "1");
}

TEST_F(EligsimProcess, FaultsReachTheClientAsTheNetworkWouldShowThem) {
  auto client = onshi_client(*sim_, "good-rsa");
  ASSERT_TRUE(client);
  auto token = login(**client);
  ASSERT_TRUE(token);
  const std::string search_body = *xmlmsg::to_json(*xmlmsg::make_search_request(
      {"20261202", "2714206386", ""}, {"123455", "", "1", "", "20010327", "0", ""}));
  const auto faults = [&](std::string_view json_text) {
    EXPECT_NE(control(*sim_, "PUT", "/faults", json_text).find("\"faults\""), std::string::npos);
  };

  faults(R"({"faults":[{"kind":"reset","routes":["search"],"count":1}]})");
  auto reset = post(**client, "/qualifications/search", search_body, *token);
  ASSERT_FALSE(reset);
  EXPECT_EQ(reset.error().code, Errc::net_closed) << reset.error().to_string();

  faults(R"({"faults":[{"kind":"status","status":503,"count":1}]})");
  auto unavailable = post(**client, "/qualifications/search", search_body, *token);
  ASSERT_TRUE(unavailable);
  EXPECT_EQ(unavailable->status, 503);

  faults(R"({"faults":[{"kind":"slow_body","bytes":64,"ms":40,"count":1}]})");
  const auto started = std::chrono::steady_clock::now();
  auto slow = post(**client, "/qualifications/search", search_body, *token);
  ASSERT_TRUE(slow) << slow.error().to_string();
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(200));
  EXPECT_TRUE(xmlmsg::parse_json(slow->body));

  faults(R"({"faults":[{"kind":"malformed","variant":"truncated","count":1}]})");
  auto broken = post(**client, "/qualifications/search", search_body, *token);
  ASSERT_TRUE(broken);
  EXPECT_EQ(xmlmsg::parse_json(broken->body).error().code, Errc::elig_message_invalid);

  faults(R"({"faults":[{"kind":"handshake","count":1}]})");
  auto fresh = onshi_client(*sim_, "good-rsa");
  auto refused = post(**fresh, "/qualifications/search", search_body, *token);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::tls_handshake) << refused.error().to_string();

  faults(R"({"faults":[{"kind":"latency","ms":300,"routes":["search"],"count":1}]})");
  const auto before_latency = std::chrono::steady_clock::now();
  ASSERT_TRUE(post(**client, "/qualifications/search", search_body, *token));
  EXPECT_GE(std::chrono::steady_clock::now() - before_latency, std::chrono::milliseconds(300));

  control(*sim_, "POST", "/tokens/expire");
  auto expired = post(**client, "/qualifications/search", search_body, *token);
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->status, 401);
}

}  // namespace
}  // namespace onshi::sim::eligsim
