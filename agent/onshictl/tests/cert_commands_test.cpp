// `onshictl cert …` without a PKCS#12 file: which institution a certificate goes to, and what
// `cert status` reports for missing, current, expiring, previous and tampered certificates (on a
// store in a temporary directory, with certificates made here).
#include "cert_commands.hpp"
#include "one_shot_agent.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "exit_codes.hpp"
#include "ledger_commands.hpp"
#include "onshi/japan_time.hpp"

namespace onshi::ctl {
namespace {

namespace fs = std::filesystem;
using std::chrono::days;
using std::chrono::sys_seconds;

constexpr const char* kCodeA = "2714206386";
constexpr const char* kCodeB = "2734206382";

config::Config make_config(const fs::path& state_dir, bool two = true) {
  std::string text = "terminal_name = \"受付1号機\"\nstate_dir = \"" + state_dir.string() +
                     "\"\ntest_mode = true\n[[institutions]]\ncode = \"2714206386\"\n"
                     "name = \"オンシ内科クリニック\"\n";
  if (two) text += "[[institutions]]\ncode = \"2734206382\"\nname = \"オンシ歯科クリニック\"\n";
  auto config = config::parse_config(text, "test.toml");
  EXPECT_TRUE(config) << (config ? "" : config.error().to_string());
  return std::move(config).value();
}

sys_seconds now() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

// A self-signed EC P-256 certificate with CN = code and its key (the store does not check chains).
tls::ClientIdentity make_identity(const std::string& cn, sys_seconds not_before,
                                  sys_seconds not_after) {
  static long serial = 1;
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  EXPECT_NE(key, nullptr);
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
  ASN1_TIME_set(X509_getm_notBefore(x), static_cast<time_t>(not_before.time_since_epoch().count()));
  ASN1_TIME_set(X509_getm_notAfter(x), static_cast<time_t>(not_after.time_since_epoch().count()));
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509_set_pubkey(x, key);
  EXPECT_GT(X509_sign(x, key, EVP_sha256()), 0);
  return tls::ClientIdentity{
      tls::Certificate(x), {}, std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free), false};
}

class TempDir {
 public:
  TempDir() {
    static int n = 0;
    path_ = fs::temp_directory_path() /
            ("onshictl-cert-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

const nlohmann::ordered_json& entry(const nlohmann::ordered_json& report, const std::string& code) {
  for (const auto& e : report["institutions"]) {
    if (e["code"] == code) return e;
  }
  static const nlohmann::ordered_json none;
  ADD_FAILURE() << "no entry for " << code;
  return none;
}

TEST(CertCommands, StateOfEachStage) {
  EXPECT_EQ(certificate_state(tls::ExpiryStage::ok), "ok");
  for (auto s : {tls::ExpiryStage::days_90, tls::ExpiryStage::days_60, tls::ExpiryStage::days_30,
                 tls::ExpiryStage::days_15, tls::ExpiryStage::days_7, tls::ExpiryStage::daily}) {
    EXPECT_EQ(certificate_state(s), "warning") << tls::expiry_stage_name(s);
  }
  EXPECT_EQ(certificate_state(tls::ExpiryStage::expired), "expired");
  EXPECT_EQ(certificate_state(tls::ExpiryStage::not_yet_valid), "not_yet_valid");
}

TEST(CertCommands, InstitutionGivenMustBeConfigured) {
  const auto config = make_config("/tmp");
  auto never = [](const std::string&) { return false; };
  auto chosen = choose_institution(config, std::string(kCodeB), never, "CN=x");
  ASSERT_TRUE(chosen);
  EXPECT_EQ(*chosen, kCodeB);
  auto unknown = choose_institution(config, std::string("1311234569"), never, "CN=x");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::invalid_argument);
  EXPECT_NE(unknown.error().message.find("not a configured institution"), std::string::npos);
  EXPECT_NE(unknown.error().message.find(kCodeA), std::string::npos) << "lists the configured";
}

TEST(CertCommands, OneInstitutionIsTheDefault) {
  const auto config = make_config("/tmp", false);
  auto chosen = choose_institution(
      config, std::nullopt, [](const std::string&) { return false; }, "CN=x");
  ASSERT_TRUE(chosen);
  EXPECT_EQ(*chosen, kCodeA) << "the import checks then say whether it belongs there";
}

TEST(CertCommands, SubjectMatcherPicksExactlyOne) {
  const auto config = make_config("/tmp");
  auto b_only = [](const std::string& c) { return c == kCodeB; };
  auto chosen = choose_institution(config, std::nullopt, b_only, "CN=2734206382");
  ASSERT_TRUE(chosen);
  EXPECT_EQ(*chosen, kCodeB);

  auto none = choose_institution(
      config, std::nullopt, [](const std::string&) { return false; }, "CN=1311234569");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::cert_wrong_institution);
  EXPECT_NE(none.error().message.find("--institution"), std::string::npos);

  auto both = choose_institution(
      config, std::nullopt, [](const std::string&) { return true; }, "CN=x");
  ASSERT_FALSE(both);
  EXPECT_EQ(both.error().code, Errc::invalid_argument);
  EXPECT_NE(both.error().message.find("choose one with --institution"), std::string::npos);
}

TEST(CertCommands, StatusOfAnEmptyStoreIsMissingEverywhere) {
  TempDir dir;
  const auto config = make_config(dir.path());
  const tls::CertificateStore store(config.certificate_store());
  const auto report = status_report(config, store, now());
  ASSERT_EQ(report["institutions"].size(), 2u);
  for (const auto& e : report["institutions"]) {
    EXPECT_EQ(e["state"], "missing");
    EXPECT_TRUE(e["certificate"].is_null());
    EXPECT_TRUE(e["previous"].is_null());
    EXPECT_TRUE(e["days_left"].is_null());
    EXPECT_TRUE(e["ledger"].is_null());
    ASSERT_TRUE(e.contains("ledger")) << "the key is reserved for the ledger";
    EXPECT_NE(e["next_action"].get<std::string>().find(
                  "onshictl cert import FILE.p12 --institution " + e["code"].get<std::string>()),
              std::string::npos);
  }
  EXPECT_EQ(status_exit_code(report), kExitCertificate);
}

TEST(CertCommands, StatusShowsCurrentPreviousAndStages) {
  TempDir dir;
  const auto config = make_config(dir.path());
  tls::CertificateStore store(config.certificate_store());
  const auto t = now();
  ASSERT_TRUE(
      store.install(make_identity(kCodeA, t - days(30), t + days(1000)), kCodeA, "first.p12", t));
  ASSERT_TRUE(store.install(make_identity(kCodeA, t - days(1100), t + days(20)), kCodeA,
                            "second.p12", t + std::chrono::seconds(1)));
  ASSERT_TRUE(
      store.install(make_identity(kCodeB, t - days(30), t + days(200)), kCodeB, "b.p12", t));

  const auto report = status_report(config, store, t);
  const auto& a = entry(report, kCodeA);
  EXPECT_EQ(a["state"], "warning");
  EXPECT_EQ(a["warning_stage"], "30_days");
  EXPECT_EQ(a["days_left"], 20);
  EXPECT_EQ(a["certificate"]["source"], "second.p12");
  EXPECT_EQ(a["certificate"]["subject"], std::string("CN=") + kCodeA);
  EXPECT_EQ(a["certificate"]["key"], "EC P-256");
  EXPECT_EQ(a["certificate"]["not_after"].get<std::string>().substr(19), "+09:00");
  EXPECT_EQ(a["certificate"]["legacy_encryption"], false);
  EXPECT_EQ(a["certificate"]["fingerprint_sha256"].get<std::string>().size(), 64u);
  ASSERT_TRUE(a["previous"].is_object());
  EXPECT_EQ(a["previous"]["source"], "first.p12");
  EXPECT_EQ(a["previous"]["warning_stage"], "ok");
  const auto& b = entry(report, kCodeB);
  EXPECT_EQ(b["state"], "ok");
  EXPECT_EQ(b["warning_stage"], "ok");
  EXPECT_TRUE(b["previous"].is_null());
  EXPECT_EQ(status_exit_code(report), kExitOk) << "a warning is still usable";

  // Expired: the state says so and the exit code is the certificate's.
  const auto later = status_report(config, store, t + days(25));
  EXPECT_EQ(entry(later, kCodeA)["state"], "expired");
  EXPECT_EQ(status_exit_code(later), kExitCertificate);
}

TEST(CertCommands, StatusOfATamperedStoreIsInvalid) {
  TempDir dir;
  const auto config = make_config(dir.path());
  tls::CertificateStore store(config.certificate_store());
  const auto t = now();
  auto installed =
      store.install(make_identity(kCodeA, t - days(1), t + days(400)), kCodeA, "a.p12", t);
  ASSERT_TRUE(installed);
  {
    std::ofstream binding(installed->installed.directory / "binding.json", std::ios::trunc);
    binding << R"({"institution": "2734206382", "fingerprint_sha256": "00"})";
  }
  const auto report = status_report(config, store, t);
  const auto& a = entry(report, kCodeA);
  EXPECT_EQ(a["state"], "invalid");
  EXPECT_NE(a["message"].get<std::string>().find("cert_store"), std::string::npos);
  EXPECT_TRUE(a["certificate"].is_null());
  EXPECT_NE(a["next_action"].get<std::string>().find("--institution 2714206386"),
            std::string::npos);
  EXPECT_EQ(status_exit_code(report), kExitCertificate);
}

TEST(CertCommands, StoreCodesNotConfiguredAreListed) {
  TempDir dir;
  const auto config = make_config(dir.path(), false);
  tls::CertificateStore store(config.certificate_store());
  const auto t = now();
  ASSERT_TRUE(store.install(make_identity(kCodeB, t - days(1), t + days(400)), kCodeB, "b.p12", t));
  const auto report = status_report(config, store, t);
  ASSERT_EQ(report["unconfigured_in_store"].size(), 1u);
  EXPECT_EQ(report["unconfigured_in_store"][0], kCodeB);
}

using FakeAgent = testing::OneShotAgent;

TEST(CertCommands, ReloadWithoutAgentIsNotAnError) {
  const auto notice = notify_agent_reload("/nonexistent/onshi-api.sock", "the new certificate");
  EXPECT_FALSE(notice.reloaded);
  EXPECT_EQ(notice.message,
            "onshid is not running (nothing answers on /nonexistent/onshi-api.sock: No such file "
            "or directory); it will load the new certificate when it starts");
}

TEST(CertCommands, ReloadAsksTheAgent) {
  FakeAgent agent("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
  const auto notice = notify_agent_reload(agent.path(), "the new certificate");
  EXPECT_TRUE(notice.reloaded) << notice.message;
  EXPECT_NE(notice.message.find("reloaded the certificates"), std::string::npos);
  EXPECT_EQ(agent.request().rfind("POST /v1/certificates/reload HTTP/1.1\r\n", 0), 0u);
}

TEST(CertCommands, ReloadRefusedSaysToRestart) {
  FakeAgent agent("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nno route\x1b");
  const auto notice = notify_agent_reload(agent.path(), "the new certificate");
  EXPECT_FALSE(notice.reloaded);
  EXPECT_NE(notice.message.find("answered 404 to POST /v1/certificates/reload: no route?"),
            std::string::npos)
      << notice.message;
  EXPECT_NE(notice.message.find("restart it"), std::string::npos);
}

// ---- the ledger in cert status, import and plan -------------------------------------------------

ledger::Recording recording(sys_seconds t) { return {t, terminal_identity(make_config("/tmp"))}; }

TEST(LedgerCommands, StatusCarriesTheLedgersNextAction) {
  TempDir dir;
  const auto config = make_config(dir.path());
  tls::CertificateStore store(config.certificate_store());
  const auto t = now();
  auto identity = make_identity(kCodeA, t - days(1100), t + days(20));
  ASSERT_TRUE(store.install(identity, kCodeA, "a.p12", t));
  const auto note = record_store_certificate(config, kCodeA, identity.leaf, t);
  EXPECT_EQ(note["step"], "adopted") << note.dump();
  const auto listing = open_ledger(config).list();
  ASSERT_TRUE(listing);
  const auto report = status_report(config, store, t, &listing);
  const auto& a = entry(report, kCodeA);
  EXPECT_EQ(a["ledger"]["stage"], "renewal_due");
  EXPECT_EQ(a["ledger"]["urgency"], "warning");
  EXPECT_EQ(a["ledger"]["needs_application"], true);
  EXPECT_NE(a["ledger"]["next_action"].get<std::string>().find("onshictl cert applied"),
            std::string::npos);
  const auto& b = entry(report, kCodeB);
  EXPECT_EQ(b["ledger"]["stage"], "missing");
  EXPECT_TRUE(report["ledger"]["error"].is_null());
  // Without a ledger listing the entries say nothing about it.
  EXPECT_TRUE(entry(status_report(config, store, t), kCodeA)["ledger"].is_null());
}

TEST(LedgerCommands, ImportPicksTheApplicationWithTheSameExpiry) {
  TempDir dir;
  const auto config = make_config(dir.path());
  const auto t = now();
  auto ledger = open_ledger(config);
  auto identity = make_identity(kCodeA, t - days(2), t + days(1180));
  const auto expiry = japan_day(identity.leaf.not_after());
  for (const auto& [id, expires] :
       {std::pair{"REQ-1", expiry + days(5)}, std::pair{"REQ-2", expiry}}) {
    ledger::Application a{id, kCodeA, config.terminal_name, {}, japan_day(t) - days(10)};
    auto r = ledger::new_application(a, recording(t));
    ASSERT_TRUE(r);
    ASSERT_TRUE(ledger::record_issued(*r, japan_day(t) - days(2), expires, recording(t)));
    ASSERT_TRUE(ledger.create(*r));
  }
  const auto note = record_store_certificate(config, kCodeA, identity.leaf, t);
  EXPECT_EQ(note["record"], "REQ-2") << note.dump();
  EXPECT_EQ(note["step"], "imported");
  EXPECT_EQ(ledger.read("REQ-1")->state, ledger::State::issued);
  EXPECT_EQ(ledger.read("REQ-2")->state, ledger::State::imported);
}

TEST(LedgerCommands, ImportWithTwoUndistinguishedApplicationsAsksWhichOne) {
  TempDir dir;
  const auto config = make_config(dir.path());
  const auto t = now();
  auto ledger = open_ledger(config);
  for (const char* id : {"REQ-1", "REQ-2"}) {
    ledger::Application a{id, kCodeA, config.terminal_name, {}, japan_day(t) - days(10)};
    ASSERT_TRUE(ledger.create(*ledger::new_application(a, recording(t))));
  }
  auto identity = make_identity(kCodeA, t - days(2), t + days(1180));
  const auto note = record_store_certificate(config, kCodeA, identity.leaf, t);
  EXPECT_EQ(note["updated"], false);
  EXPECT_NE(note["error"]["message"].get<std::string>().find("REQ-1, REQ-2"), std::string::npos)
      << note.dump();
  // Naming the application settles it; issued_on comes from the certificate.
  const auto named = record_store_certificate(config, kCodeA, identity.leaf, t, "REQ-1");
  EXPECT_EQ(named["step"], "imported") << named.dump();
  EXPECT_EQ(ledger.read("REQ-1")->issued_on, japan_day(t - days(2)));
}

TEST(LedgerCommands, PlanJsonHasTheFormsFields) {
  TempDir dir;
  const auto config = make_config(dir.path());
  ledger::PlanInput in;
  in.terminal_name = config.terminal_name;
  for (const auto& i : config.institutions) in.institutions.push_back({i.code, i.name});
  in.categories = config.ledger.categories;
  in.now = now();
  const auto j = plan_json(ledger::make_plan(in), config);
  EXPECT_EQ(j["certificates_needed"], 2);
  EXPECT_EQ(j["fee_yen"], 3000);
  const auto& a = j["certificates"][0];
  EXPECT_EQ(a["prefecture"]["form"], "27:大阪府,osaka");
  EXPECT_EQ(a["score_table"]["name"], "医科");
  EXPECT_TRUE(a["category"].is_null());
  EXPECT_NE(a["category_note"].get<std::string>().find("check on the form"), std::string::npos);
  const auto& b = j["certificates"][1];
  EXPECT_EQ(b["category"], "2:保険医療機関（歯科）");
  EXPECT_EQ(b["form"]["端末名称等"], "受付1号機");
  EXPECT_EQ(b["ledger"]["stage"], "missing");
}

// `cert imported --institution A REQ` must not put A's certificate on B's application.
TEST(LedgerCommands, ANamedRecordOfAnotherInstitutionIsRefused) {
  TempDir dir;
  const auto config = make_config(dir.path());
  const auto t = now();
  auto ledger = open_ledger(config);
  ledger::Application b{"REQ-B", kCodeB, config.terminal_name, {}, japan_day(t) - days(10)};
  ASSERT_TRUE(ledger.create(*ledger::new_application(b, recording(t))));
  auto identity = make_identity(kCodeA, t - days(2), t + days(1180));
  const auto note = record_store_certificate(config, kCodeA, identity.leaf, t, "REQ-B");
  EXPECT_EQ(note["updated"], false);
  EXPECT_NE(note["error"]["message"].get<std::string>().find("is for 2734206382"),
            std::string::npos)
      << note.dump();
  EXPECT_EQ(ledger.read("REQ-B")->state, ledger::State::applied);
  // Adopted, it cannot be claimed by another record either.
  EXPECT_EQ(record_store_certificate(config, kCodeA, identity.leaf, t)["step"], "adopted");
  ledger::Application a{"REQ-A", kCodeA, config.terminal_name, {}, japan_day(t) - days(10)};
  ASSERT_TRUE(ledger.create(*ledger::new_application(a, recording(t))));
  const auto again = record_store_certificate(config, kCodeA, identity.leaf, t, "REQ-A");
  EXPECT_NE(again["error"]["message"].get<std::string>().find("recorded as import-"),
            std::string::npos)
      << again.dump();
}

// A terminal set up before the ledger: status does not call its good certificate missing.
TEST(LedgerCommands, StatusCountsAnInstalledCertificateTheLedgerLacks) {
  TempDir dir;
  const auto config = make_config(dir.path());
  tls::CertificateStore store(config.certificate_store());
  const auto t = now();
  ASSERT_TRUE(
      store.install(make_identity(kCodeA, t - days(30), t + days(1000)), kCodeA, "a.p12", t));
  const auto listing = open_ledger(config).list();
  ASSERT_TRUE(listing);
  const auto report = status_report(config, store, t, &listing);
  const auto& a = entry(report, kCodeA);
  EXPECT_EQ(a["ledger"]["stage"], "active") << a.dump();
  EXPECT_EQ(a["ledger"]["needs_application"], false);
  EXPECT_NE(a["ledger"]["next_action"].get<std::string>().find(
                "not in the ledger: record it with `onshictl cert imported --institution "
                "2714206386`"),
            std::string::npos)
      << a.dump();
}

}  // namespace
}  // namespace onshi::ctl
