// onshid's card sessions end to end: onshid as a process on onshi-facesim's emulated face readers
// (umockdev USB, their CCID slots driven by the real pcscd + libccid), the generated My Number
// personas in the slots, onshi-eligsim behind real mutual TLS. Every path (face, face failing
// over to the PIN on the pad, 目視, PIN-less card, smartphone refused), the PIN guard, card
// removal, unplug, cancel, two readers at once, progress events (long-poll and SSE), and a
// session the face reader starts by itself.
//
// This binary runs as onshi-facesim's child (ctest does that, as root: facesim needs its own
// mount namespace for pcscd); run by hand without it, every test skips.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <algorithm>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>

#include "card_test_support.hpp"
#include "onshi/base64.hpp"
#include "onshi/bytes.hpp"
#include "onshid_rig.hpp"

namespace onshi::agent::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// The RSA PKCS#1 v1.5 signature over the SHA-256 hash `digest_hex`, checked with the DER
// certificate (both base64 as in the answer), by OpenSSL: not by the code under test.
bool signature_verifies(const json& certificate_b64, const std::string& digest_hex,
                        const json& signature_b64) {
  if (!certificate_b64.is_string() || !signature_b64.is_string()) return false;
  auto der = from_base64(certificate_b64.get<std::string>(), 1 << 16);
  auto sig = from_base64(signature_b64.get<std::string>(), 1 << 12);
  auto digest = from_hex(digest_hex);
  if (!der || !sig || !digest) return false;
  const unsigned char* p = der->data();
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      d2i_X509(nullptr, &p, static_cast<long>(der->size())), X509_free);
  if (!cert) return false;
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(X509_get_pubkey(cert.get()),
                                                          EVP_PKEY_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      key ? EVP_PKEY_CTX_new(key.get(), nullptr) : nullptr, EVP_PKEY_CTX_free);
  return ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
         EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1 &&
         EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) == 1 &&
         EVP_PKEY_verify(ctx.get(), sig->data(), sig->size(), digest->data(), digest->size()) == 1;
}

// The receipt program asks first, then the patient puts the card on the reader (a card placed
// with nothing pending starts a session of the reader's own: the last test).
json run_with_card(const OnshidRig& rig, json body, int reader, const std::string& persona,
                   std::optional<int> tries_left = {}) {
  body["reader"] = fmt::format("FACE{:04}", reader + 1);
  const std::string id = start(rig, body);
  if (id.empty()) return json::object();
  EXPECT_TRUE(wait_for_event(rig, id, "waiting_for_card", std::chrono::seconds(20)));
  insert_card(reader, persona, tries_left);
  return wait_for(rig, id);
}

class CardSessionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!facesim_available()) return;
    rig_ = new std::optional<OnshidRig>(OnshidRig::start());
  }
  static void TearDownTestSuite() {
    delete rig_;
    rig_ = nullptr;
  }
  void SetUp() override {
    if (!facesim_available()) GTEST_SKIP() << "not under onshi-facesim (needs root)";
    ASSERT_TRUE(rig_ && rig_->has_value()) << "onshid did not start";
    // Every test starts with empty slots, both readers plugged in and paired, nothing queued.
    for (int r = 0; r < 2; ++r) {
      facesim_ctl(fmt::format("replug {}", r), true);
      facesim_ctl(fmt::format("remove {}", r), true);
      facesim_ctl(fmt::format("vendor-fault {} clear", r), true);
    }
    ASSERT_TRUE(wait_for_paired_readers(rig(), 2, 20s)) << rig().get("/v1/readers").body;
    ASSERT_TRUE(wait_until_idle(rig(), 20s));
  }
  void TearDown() override {
    if (HasFailure() && rig_ && rig_->has_value()) {
      const std::string log = rig().onshid().output();
      std::cerr << "--- sessions: " << rig().get("/v1/health").body.substr(0, 0)
                << nlohmann::json::parse(rig().get("/v1/health").body, nullptr, false)
                       .value("card_sessions", nlohmann::json())
                       .dump()
                << "\n--- face readers: "
                << nlohmann::json::parse(rig().get("/v1/health").body, nullptr, false)
                       .value("face_readers", nlohmann::json())
                       .dump()
                << "\n--- card readers: " << rig().get("/v1/readers").body
                << "\n--- reader 0: " << facesim_ctl("status 0", true)
                << "\n--- events: " << rig().get("/v1/events").body << "\n";
      std::cerr << "--- onshid's log (end):\n"
                << log.substr(log.size() > 6000 ? log.size() - 6000 : 0) << "\n";
    }
  }
  static OnshidRig& rig() { return **rig_; }

  static std::optional<OnshidRig>* rig_;
};
std::optional<OnshidRig>* CardSessionTest::rig_ = nullptr;

TEST_F(CardSessionTest, FaceMatchThenConsentsAnswersTheQualificationWithTheFacePath) {
  facesim_ctl("face 0 match 910");
  facesim_ctl("consent 0 yes,no,yes,skip,yes,no");
  const json v = run_with_card(rig(), {{"method", "mynumber"}}, 0, "jpki-card");
  ASSERT_EQ(v["state"], "succeeded") << v.dump();
  const json& result = v["result"];
  EXPECT_EQ(result["path"]["method"], "face");
  EXPECT_EQ(result["path"]["mode"], "face_then_pin");
  EXPECT_EQ(result["path"]["token"], "card");
  EXPECT_EQ(result["consents_answered"]["medication"], "agreed");
  EXPECT_EQ(result["consents_answered"]["health_checkups"], "declined");
  EXPECT_EQ(result["consents_answered"]["operations"], "unanswered");
  EXPECT_FALSE(result["qualifications"].empty()) << result.dump();
  const auto steps = event_types(rig(), v["id"]);
  EXPECT_THAT(steps,
              ::testing::ElementsAre("started", "waiting_for_card", "card_read", "face_matched",
                                     "consents_answered", "querying", "done"));
}

TEST_F(CardSessionTest, FaceMismatchFallsBackToThePinOnThePad) {
  for (int i = 0; i < 3; ++i) facesim_ctl("face 0 mismatch");
  facesim_ctl("pad 0 type " + persona_pin("jpki-card"));
  const json v =
      run_with_card(rig(), {{"method", "mynumber"}, {"consents", json::array()}}, 0, "jpki-card");
  ASSERT_EQ(v["state"], "succeeded") << v.dump();
  EXPECT_EQ(v["result"]["path"]["method"], "pin");
  EXPECT_EQ(v["result"]["path"]["pin_entry"], "pad");
  EXPECT_EQ(v["result"]["path"]["after_face_failed"], true);
  const auto steps = event_types(rig(), v["id"]);
  EXPECT_EQ(std::count(steps.begin(), steps.end(), "face_mismatch"), 3);
  EXPECT_THAT(steps, ::testing::Contains("pin_requested"));
  // The PIN came from the pad: the card got a VERIFY of exactly 4 bytes, the host never had it.
  EXPECT_NE(facesim_ctl("status 0").find("\"verify_lcs\":[4"), std::string::npos);
}

TEST_F(CardSessionTest, StaffVisualConfirmationIsTheVisualPath) {
  facesim_ctl("staff 0 confirm");
  const json v = run_with_card(
      rig(), {{"method", "mynumber"}, {"mode", "visual"}, {"consents", json::array()}}, 0,
      "jpki-card");
  ASSERT_EQ(v["state"], "succeeded") << v.dump();
  EXPECT_EQ(v["result"]["path"]["method"], "visual");
}

TEST_F(CardSessionTest, StaffRejectionIsIdentityNotConfirmed) {
  facesim_ctl("staff 0 reject");
  const json v = run_with_card(rig(), {{"method", "mynumber"}, {"mode", "visual"}}, 0, "jpki-card");
  ASSERT_EQ(v["state"], "failed") << v.dump();
  EXPECT_EQ(v["error"]["code"], "identity_not_confirmed");
}

TEST_F(CardSessionTest, PinLessCardGoesByFace) {
  facesim_ctl("face 0 match");
  const json v = run_with_card(rig(), {{"method", "mynumber"}, {"consents", json::array()}}, 0,
                               "jpki-pinless");
  ASSERT_EQ(v["state"], "succeeded") << v.dump();
  EXPECT_EQ(v["result"]["path"]["method"], "face");
  EXPECT_EQ(v["result"]["path"]["pin_less"], true);
}

TEST_F(CardSessionTest, PinLessCardIsRefusedInPinMode) {
  const json v = run_with_card(rig(), {{"method", "mynumber"}, {"mode", "pin"}}, 0, "jpki-pinless");
  ASSERT_EQ(v["state"], "failed") << v.dump();
  EXPECT_EQ(v["error"]["code"], "pin_less_card");
}

TEST_F(CardSessionTest, SmartphoneOnAFaceReaderIsRefusedWithItsCode) {
  const json v = run_with_card(rig(), {{"method", "mynumber"}}, 0, "jpki-smartphone");
  ASSERT_EQ(v["state"], "failed") << v.dump();
  EXPECT_EQ(v["error"]["code"], "token_not_supported");
  // The reader's session was ended, not left waiting for a face.
  EXPECT_TRUE(wait_for_vendor_state(0, "idle", 10s)) << facesim_ctl("status 0");
}

TEST_F(CardSessionTest, LastPinTryIsRefusedWithoutTheFlagAndSpentOnlyWithIt) {
  facesim_ctl("pad 0 type " + persona_pin("jpki-card"));
  const int verifies = secure_verifies(0);
  json v = run_with_card(rig(), {{"method", "mynumber"}, {"mode", "pin"}}, 0, "jpki-card", 1);
  ASSERT_EQ(v["state"], "failed") << v.dump();
  EXPECT_EQ(v["error"]["code"], "pin_last_try");
  EXPECT_EQ(v["error"]["retries_remaining"], 1);
  EXPECT_EQ(secure_verifies(0), verifies) << "no PIN entry may reach the card";
  // The card stays on the reader; the receptionist asks again, with the flag.
  const std::string id = start(rig(), {{"method", "mynumber"},
                                       {"reader", "FACE0001"},
                                       {"mode", "pin"},
                                       {"use_last_try", true},
                                       {"consents", json::array()}});
  v = wait_for(rig(), id);
  ASSERT_EQ(v["state"], "succeeded") << v.dump();
  EXPECT_EQ(v["result"]["path"]["method"], "pin");
}

TEST_F(CardSessionTest, WrongPinOnThePadFailsOnceAndIsNeverRetried) {
  facesim_ctl("pad 0 type 0000");
  const int verifies = secure_verifies(0);
  const json v = run_with_card(rig(), {{"method", "mynumber"}, {"mode", "pin"}}, 0, "jpki-card");
  ASSERT_EQ(v["state"], "failed") << v.dump();
  EXPECT_EQ(v["error"]["code"], "pin_wrong");
  EXPECT_EQ(v["error"]["retries_remaining"], 2);
  EXPECT_EQ(secure_verifies(0), verifies + 1) << "one PIN entry, never a second";
}

TEST_F(CardSessionTest, CardRemovedWhileWaitingForTheFaceFailsTheSession) {
  const std::string id = start(rig(), {{"method", "mynumber"}, {"reader", "FACE0001"}});
  ASSERT_TRUE(wait_for_event(rig(), id, "waiting_for_card", 20s));
  insert_card(0, "jpki-card");
  ASSERT_TRUE(wait_for_event(rig(), id, "card_read", 20s));
  facesim_ctl("remove 0");
  const json v = wait_for(rig(), id);
  ASSERT_EQ(v["state"], "failed") << v.dump();
  EXPECT_EQ(v["error"]["code"], "card_removed");
}

TEST_F(CardSessionTest, FaceReaderUnpluggedMidSessionIsReportedAndTheReaderComesBack) {
  const std::string id = start(rig(), {{"method", "mynumber"}, {"reader", "FACE0001"}});
  ASSERT_TRUE(wait_for_event(rig(), id, "waiting_for_card", 20s));
  insert_card(0, "jpki-card");
  ASSERT_TRUE(wait_for_event(rig(), id, "card_read", 20s));
  facesim_ctl("unplug 0");
  const json v = wait_for(rig(), id);
  ASSERT_EQ(v["state"], "failed") << v.dump();
  EXPECT_THAT(v["error"]["code"].get<std::string>(),
              ::testing::AnyOf("face_reader_absent", "card_removed"));
  facesim_ctl("replug 0");
  EXPECT_TRUE(wait_for_paired_readers(rig(), 2, 20s));
}

TEST_F(CardSessionTest, CancelEndsTheSessionAndTheReadersSession) {
  const std::string id = start(rig(), {{"method", "mynumber"}, {"reader", "FACE0001"}});
  ASSERT_TRUE(wait_for_event(rig(), id, "waiting_for_card", 20s));
  const Reply c = rig().post("/v1/verifications/" + id + "/cancel", json::object(), new_key());
  EXPECT_EQ(c.status, 202) << c.body;
  const json v = wait_for(rig(), id);
  ASSERT_EQ(v["state"], "failed") << v.dump();
  EXPECT_EQ(v["error"]["code"], "cancelled");
  EXPECT_TRUE(wait_for_vendor_state(0, "idle", 10s)) << facesim_ctl("status 0");
  // Cancelling what has finished answers it as it is.
  EXPECT_EQ(rig().post("/v1/verifications/" + id + "/cancel", json::object(), new_key()).status,
            200);
}

TEST_F(CardSessionTest, TwoReadersServeTwoPatientsAtOnce) {
  facesim_ctl("face 0 match");
  facesim_ctl("face 1 match");
  auto first = std::async(std::launch::async, [] {
    return run_with_card(rig(), {{"method", "mynumber"}, {"consents", json::array()}}, 0,
                         "jpki-card");
  });
  const json second = run_with_card(rig(), {{"method", "mynumber"}, {"consents", json::array()}}, 1,
                                    "jpki-card-2023");
  const json one = first.get();
  EXPECT_EQ(one["state"], "succeeded") << one.dump();
  EXPECT_EQ(second["state"], "succeeded") << second.dump();
  EXPECT_NE(one["result"]["qualifications"].dump(), second["result"]["qualifications"].dump());
}

TEST_F(CardSessionTest, ASecondSessionOnABusyReaderIsReaderBusy) {
  const std::string id = start(rig(), {{"method", "mynumber"}, {"reader", "FACE0001"}});
  ASSERT_TRUE(wait_for_event(rig(), id, "waiting_for_card", 20s));
  const json busy = start_and_wait(rig(), {{"method", "mynumber"}, {"reader", "FACE0001"}});
  EXPECT_EQ(busy["state"], "failed") << busy.dump();
  EXPECT_EQ(busy["error"]["code"], "reader_busy");
  // An insurance-card query runs meanwhile.
  const json person = person_of(rig().dataset(), "kokuho");
  const Reply ins = rig().post("/v1/verifications", insurance_request(person), new_key(),
                               {{"Prefer", "wait=20"}});
  EXPECT_EQ(ins.status, 200) << ins.body;
  rig().post("/v1/verifications/" + id + "/cancel", json::object(), new_key());
  EXPECT_EQ(wait_for(rig(), id)["state"], "failed");
}

TEST_F(CardSessionTest, ProgressStreamsAsServerSentEventsUntilDone) {
  facesim_ctl("face 0 match");
  const std::string id =
      start(rig(), {{"method", "mynumber"}, {"reader", "FACE0001"}, {"consents", json::array()}});
  auto stream = std::async(std::launch::async, [&] {
    return read_sse(rig().socket(), "/v1/verifications/" + id + "/events", 40s);
  });
  ASSERT_TRUE(wait_for_event(rig(), id, "waiting_for_card", 20s));
  insert_card(0, "jpki-card");
  const std::string text = stream.get();
  EXPECT_NE(text.find("HTTP/1.1 200"), std::string::npos) << text;
  EXPECT_NE(text.find("Content-Type: text/event-stream"), std::string::npos) << text;
  EXPECT_NE(text.find("event: face_matched\n"), std::string::npos) << text;
  // The stream ends by itself after done (read_sse returns at EOF, long before its 40 s).
  EXPECT_NE(text.find("event: done\n"), std::string::npos) << text;
  EXPECT_EQ(wait_for(rig(), id)["state"], "succeeded");
}

// The card taken off at the consent screen: the face reader ends its session (driver/PROTOCOL.md: a
// card removed during a session ends it), so no consent reaches the query and nothing is asked
// upstream.
TEST_F(CardSessionTest, CardRemovedAtTheConsentScreenEndsTheSessionBeforeTheQuery) {
  facesim_ctl("vendor-delay 0 1500");  // time to take the card off at the consent screen
  facesim_ctl("face 0 match");
  facesim_ctl("consent 0 yes,yes,skip,skip,skip,skip");
  const std::string id =
      start(rig(), {{"method", "mynumber"},
                    {"reader", "FACE0001"},
                    {"mode", "face"},
                    {"consents", json::array({"medication", "health_checkups"})}});
  ASSERT_TRUE(wait_for_event(rig(), id, "waiting_for_card", 20s));
  insert_card(0, "jpki-card");
  ASSERT_TRUE(wait_for_vendor_state(0, "asking_consents", 20s)) << facesim_ctl("status 0");
  facesim_ctl("remove 0");
  const json v = wait_for(rig(), id);
  facesim_ctl("vendor-delay 0 50");
  ASSERT_EQ(v["state"], "failed") << v.dump();
  EXPECT_EQ(v["error"]["code"], "card_removed");
  const auto steps = event_types(rig(), id);
  EXPECT_THAT(steps, ::testing::Contains("face_matched"));
  EXPECT_THAT(steps, ::testing::Not(::testing::Contains("querying")));
}

// Card sessions are one per reader; insurance-card queries do not wait for them.
TEST_F(CardSessionTest, InsuranceCardQueriesRunWhileACardSessionWaits) {
  const std::string id =
      start(rig(), {{"method", "mynumber"}, {"reader", "FACE0001"}, {"timeout_seconds", 30}});
  ASSERT_TRUE(wait_for_event(rig(), id, "waiting_for_card", 20s));
  const json person = person_of(rig().dataset(), "self");
  for (int i = 0; i < 3; ++i) {
    const Reply r = rig().post("/v1/verifications", insurance_request(person), new_key(),
                               {{"Prefer", "wait=20"}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body)["state"], "succeeded") << r.body;
  }
  EXPECT_EQ(json::parse(rig().get("/v1/verifications/" + id).body)["state"], "running");
  ASSERT_EQ(rig().post("/v1/verifications/" + id + "/cancel", json::object(), new_key()).status,
            202);
  EXPECT_EQ(wait_for(rig(), id)["error"]["code"], "cancelled");
}

// Regression: the reader monitor's news of the previous card's removal reached the next session
// after it had read its own card, which then failed with card_removed (seen in the benchmark).
TEST_F(CardSessionTest, ALateRemovalOfThePreviousCardDoesNotFailTheNextPatient) {
  for (int round = 0; round < 6; ++round) {
    facesim_ctl("face 0 match");
    const json v = run_with_card(
        rig(), {{"method", "mynumber"}, {"mode", "face"}, {"consents", json::array()}}, 0,
        "jpki-card");
    ASSERT_EQ(v["state"], "succeeded") << "round " << round << ": " << v.dump();
    facesim_ctl("remove 0");  // and the next patient's request follows at once
  }
}

// A copied certificate: a card that carries jpki-card's authentication certificate but not its
// card-present key (another card's). The face matches, but the proof fails at the eligibility
// system, which knows which key belongs to that certificate.
TEST_F(CardSessionTest, ACopiedCertificateWithoutItsCardPresentKeyIsRejectedUpstream) {
  const auto original = persona_file("jpki-card");
  json persona = json::parse(read_file(original));
  persona["kenmen"]["card_present_key"]["file"] = "jpki-card-2023-card-present-key.pem";
  const auto copy = original.parent_path() / fmt::format("jpki-card-copied-{}.json", ::getpid());
  std::ofstream(copy) << persona.dump(2);
  facesim_ctl("face 0 match");
  const std::string id = start(rig(), {{"method", "mynumber"},
                                       {"reader", "FACE0001"},
                                       {"mode", "face"},
                                       {"consents", json::array()}});
  ASSERT_TRUE(wait_for_event(rig(), id, "waiting_for_card", 20s));
  facesim_ctl(fmt::format("insert 0 {}", copy.string()));
  const json v = wait_for(rig(), id);
  std::filesystem::remove(copy);
  ASSERT_EQ(v["state"], "failed") << v.dump();
  EXPECT_EQ(v["error"]["code"], "elig_rejected") << v.dump();
  const auto steps = event_types(rig(), id);
  EXPECT_THAT(steps, ::testing::Contains("face_matched"));
  EXPECT_THAT(steps, ::testing::Contains("querying")) << "refused before it reached the service";
}

// HPKI signing (POST /v1/signatures): the doctor's card on a face reader's slot, the PIN on the
// pad. The signature checks out with the certificate in the answer, the hcRole is there, and the
// card put on a face reader with a signature pending starts no My Number session.
TEST_F(CardSessionTest, HpkiSignatureWithThePinOnThePadCarriesTheRoleAndVerifies) {
  const std::uint64_t before = last_event_seq(rig());
  const int verifies = secure_verifies(1);
  const std::string digest(64, 'a');
  const std::string id = start_signature(rig(), {{"sha256", digest}, {"reader", "FACE0002"}});
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(wait_for_event(rig(), id, "waiting_for_card", 20s));
  facesim_ctl("pad 1 type " + hpki_signature_pin("hpki-jma-doctor"));
  insert_hpki_card(1, "hpki-jma-doctor");
  const json v = wait_for(rig(), id, 90s, "/v1/signatures/");
  ASSERT_EQ(v["state"], "succeeded") << v.dump();
  const json& r = v["result"];
  EXPECT_THAT(r["profile"].get<std::string>(), ::testing::HasSubstr("JMA"));
  EXPECT_EQ(r["application"], "signature");
  EXPECT_EQ(r["path"]["pin_entry"], "pad");
  EXPECT_EQ(r["path"]["reader"], "FACE0002");
  EXPECT_THAT(r["holder"]["roles"], ::testing::Contains("Medical Doctor")) << r.dump();
  EXPECT_EQ(r["holder"]["non_repudiation"], true);
  EXPECT_TRUE(signature_verifies(r["certificate"], digest, r["signature"]));
  // Another digest's signature does not pass: the check can fail.
  EXPECT_FALSE(signature_verifies(r["certificate"], std::string(64, 'b'), r["signature"]));
  EXPECT_EQ(secure_verifies(1), verifies + 1);
  EXPECT_THAT(event_types(rig(), id),
              ::testing::ElementsAre("started", "waiting_for_card", "card_read", "pin_requested",
                                     "signed", "done"));
  EXPECT_FALSE(wait_for_reader_started(rig(), before, 1s)) << "a My Number session started";
  // The journal keeps the digest, the answer is found under /v1/signatures only by its kind.
  EXPECT_EQ(v["request"]["sha256"],
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  EXPECT_EQ(rig().get("/v1/bulk-verifications/" + id).status, 404);
}

TEST_F(CardSessionTest, HpkiLastTryIsRefusedWithoutTheFlagAndTheCallersPinSpendsItWithIt) {
  const std::string pin = hpki_signature_pin("hpki-jma-doctor");
  const int verifies = secure_verifies(0);
  const std::uint64_t before = last_event_seq(rig());
  insert_hpki_card(0, "hpki-jma-doctor", 1);
  // With nothing pending the face reader starts a My Number session for the card; it fails.
  (void)wait_for_reader_started(rig(), before, 5s);
  ASSERT_TRUE(wait_until_idle(rig(), 20s));
  const json refused =
      wait_for(rig(),
               start_signature(
                   rig(), {{"sha256", std::string(64, 'c')}, {"reader", "FACE0001"}, {"pin", pin}}),
               90s, "/v1/signatures/");
  ASSERT_EQ(refused["state"], "failed") << refused.dump();
  EXPECT_EQ(refused["error"]["code"], "pin_last_try");
  EXPECT_EQ(refused["error"]["retries_remaining"], 1);
  const json spent = wait_for(rig(),
                              start_signature(rig(), {{"sha256", std::string(64, 'c')},
                                                      {"reader", "FACE0001"},
                                                      {"pin", pin},
                                                      {"use_last_try", true}}),
                              90s, "/v1/signatures/");
  ASSERT_EQ(spent["state"], "succeeded") << spent.dump();
  EXPECT_EQ(spent["result"]["path"]["pin_entry"], "host");
  EXPECT_EQ(spent["request"]["pin_given"], true);
  EXPECT_EQ(spent.dump().find(pin), std::string::npos) << "the PIN is in the answer";
  EXPECT_EQ(secure_verifies(0), verifies);  // the caller's PIN, not the pad
}

TEST_F(CardSessionTest, AMyNumberCardCannotMakeAnHpkiSignature) {
  const int verifies = secure_verifies(0);
  const std::uint64_t before = last_event_seq(rig());
  facesim_ctl("face 0 mismatch");
  insert_card(0, "jpki-card");
  if (auto own = wait_for_reader_started(rig(), before, 5s)) {
    ASSERT_EQ(rig().post("/v1/verifications/" + *own + "/cancel", json::object(), new_key()).status,
              202);
  }
  ASSERT_TRUE(wait_until_idle(rig(), 20s));
  const json v = wait_for(
      rig(), start_signature(rig(), {{"sha256", std::string(64, 'd')}, {"reader", "FACE0001"}}),
      90s, "/v1/signatures/");
  ASSERT_EQ(v["state"], "failed") << v.dump();
  EXPECT_EQ(v["error"]["code"], "card_unsupported");
  EXPECT_EQ(secure_verifies(0), verifies);
}

TEST_F(CardSessionTest, AFaceReaderStartsASessionWhenAPatientWalksUpAndTheCallerJoinsIt) {
  const std::uint64_t before = last_event_seq(rig());
  facesim_ctl("face 0 match");
  facesim_ctl("consent 0 yes,yes,yes,yes,yes,yes");
  insert_card(0, "jpki-card");
  const auto id = wait_for_reader_started(rig(), before, 20s);
  ASSERT_TRUE(id) << "no session started by the face reader";
  // The receptionist clicks a moment later: the request joins the running session.
  const Reply joined =
      rig().post("/v1/verifications", {{"method", "mynumber"}, {"reader", "FACE0001"}}, new_key());
  EXPECT_EQ(joined.header("Onshi-Joined").value_or(""), "face-reader-session") << joined.body;
  const json v = wait_for(rig(), *id);
  ASSERT_EQ(v["state"], "succeeded") << v.dump();
  EXPECT_EQ(v["request"]["origin"], "face_reader");
  EXPECT_EQ(v["result"]["path"]["method"], "face");
  EXPECT_EQ(v["result"]["consents_answered"]["medication"], "agreed");
}

// Last: a walked-away pad prompt keeps the slot busy until its own timeout.
TEST_F(CardSessionTest, CardRemovedDuringThePinEntryFailsTheSession) {
  facesim_ctl("pad 0 walk-away");
  const std::string id =
      start(rig(), {{"method", "mynumber"}, {"reader", "FACE0001"}, {"mode", "pin"}});
  ASSERT_TRUE(wait_for_event(rig(), id, "waiting_for_card", 20s));
  insert_card(0, "jpki-card");
  ASSERT_TRUE(wait_for_event(rig(), id, "pin_requested", 20s));
  facesim_ctl("remove 0");
  const json v = wait_for(rig(), id);
  ASSERT_EQ(v["state"], "failed") << v.dump();
  EXPECT_THAT(v["error"]["code"].get<std::string>(),
              ::testing::AnyOf("card_removed", "card_absent", "timeout"));
}

}  // namespace
}  // namespace onshi::agent::testing
