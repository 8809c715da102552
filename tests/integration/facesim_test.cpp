// The emulated face reader through the real pcscd + libccid (onshi-facesim, umockdev): the reader
// with its PIN pad, card events by NotifySlotChange, unplug and replug of the whole device, and
// secure PIN entry on the pad for the My Number and HPKI cards. Root only (pcscd's mount
// namespace carries the Info.plist with onshi's VID/PID); skipped otherwise.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "onshi/pcsc/card_present_proof.hpp"
#include "onshi/pcsc/context.hpp"
#include "onshi/pcsc/exclusive_card.hpp"
#include "onshi/pcsc/hpki_ap.hpp"
#include "onshi/pcsc/jpki_pin_sign.hpp"
#include "onshi/pcsc/pin_pad.hpp"
#include "onshi/pcsc/reader_monitor.hpp"
#include "onshi/sim/hil.hpp"
#include "onshi/sim/test_process.hpp"
#include "onshi/sim/tool_run.hpp"
#include "pcsc_rig.hpp"

namespace onshi::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

fs::path personas(std::string_view kind, std::string_view file) {
  const char* root = std::getenv("ONSHI_TEST_PERSONAS");
  return fs::path(root ? root : "") / kind / file;
}

std::string pin_of(const fs::path& persona, std::string_view section, std::string_view key) {
  std::ifstream in(persona);
  const auto j = nlohmann::json::parse(in);
  return section == "hpki" ? j["hpki"][std::string(key)]["pin"]["value"].get<std::string>()
                           : j["jpki"][std::string(key)]["value"].get<std::string>();
}

// start() skips or fails inside a helper: the test must stop there too.
#define START_FACESIM(...)                       \
  do {                                           \
    ASSERT_NO_FATAL_FAILURE(start(__VA_ARGS__)); \
    if (IsSkipped()) return;                     \
  } while (false)

class FaceSimTest : public ::testing::Test {
 protected:
  void start(const std::string& levels = "short", int readers = 1,
             const std::vector<std::string>& extra = {}) {
    if (sim::hil_reader())
      GTEST_SKIP() << "the emulated face reader's own tests (a rig names a real reader)";
    if (::geteuid() != 0) GTEST_SKIP() << "onshi-facesim's pcscd needs root (its mount namespace)";
    if (!fs::exists(personas("jpki", "jpki-card.json")))
      GTEST_SKIP() << "no test personas (ctest makes them)";
    dir_ = fs::temp_directory_path() / ("onshi-facesim-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    control_ = (dir_ / "ctl").string();
    const std::string socket = (dir_ / "pcscd.comm").string();
    ::setenv("PCSCLITE_CSOCK_NAME", socket.c_str(), 1);  // before any PC/SC call of this process
    sim::TestProcessOptions o;
    o.port_file = dir_ / "ready";
    o.ready_timeout = 20s;
    std::vector<std::string> args{"--readers",      std::to_string(readers),
                                  "--level",        levels,
                                  "--pcscd-socket", socket,
                                  "--control",      control_,
                                  "--ready-file",   (dir_ / "ready").string(),
                                  "--typing-ms",    "100",
                                  "--env-file",     (dir_ / "env").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    if (std::getenv("ONSHI_PCSCD_DEBUG")) args.push_back("--pcscd-debug");  // pcscd's log too
    auto p = sim::TestProcess::start(ONSHI_FACESIM, args, o);
    ASSERT_TRUE(p) << p.error().to_string();
    facesim_.emplace(std::move(*p));
    auto ctx = pcsc::Context::establish();
    ASSERT_TRUE(ctx) << ctx.error().to_string();
    context_ = std::make_shared<pcsc::Context>(std::move(*ctx));
    for (int i = 0; i < 100 && reader_names().size() < static_cast<std::size_t>(readers); ++i) {
      std::this_thread::sleep_for(100ms);
    }
    ASSERT_EQ(reader_names().size(), static_cast<std::size_t>(readers)) << facesim_->output();
  }
  void TearDown() override {
    context_.reset();
    facesim_.reset();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  std::vector<std::string> reader_names() {
    auto r = context_->list_readers();
    return r ? *r : std::vector<std::string>{};
  }
  std::string ctl(const std::string& command) {
    const auto run = sim::run_tool(std::string(ONSHI_FACESIM) + " ctl " + control_ + " " + command);
    EXPECT_EQ(run.status, 0) << command << ": " << run.output;
    return run.output;
  }
  nlohmann::json status(int reader) {
    const std::string out = ctl("status " + std::to_string(reader));
    return nlohmann::json::parse(out.substr(3));
  }
  std::string reader_with_serial(const std::string& serial) {
    for (const auto& r : reader_names()) {
      if (r.find("(" + serial + ")") != std::string::npos) return r;
    }
    return {};
  }
  void wait_card(const std::string& reader, bool present) {
    for (int i = 0; i < 100; ++i) {
      SCARD_READERSTATE state{};
      state.szReader = reader.c_str();
      state.dwCurrentState = SCARD_STATE_UNAWARE;
      const LONG rv = context_->api().get_status_change(context_->handle(), 0, &state, 1);
      if (rv == SCARD_S_SUCCESS && ((state.dwEventState & SCARD_STATE_PRESENT) != 0) == present)
        return;
      std::this_thread::sleep_for(100ms);
    }
    ADD_FAILURE() << reader << ": card never became " << (present ? "present" : "absent");
  }
  Result<pcsc::ExclusiveCard> exclusive(const std::string& reader) {
    return pcsc::ExclusiveCard::connect(context_, reader);
  }

  fs::path dir_;
  std::string control_;
  std::optional<sim::TestProcess> facesim_;
  std::shared_ptr<pcsc::Context> context_;
};

TEST_F(FaceSimTest, OpenscListsTheReaderWithItsPinPad) {
  START_FACESIM();
  const auto run = sim::run_tool("opensc-tool -l");
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("PIN pad"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("(FACE0001)"), std::string::npos) << run.output;
}

TEST_F(FaceSimTest, CardEventsAndUnplugReachTheReaderMonitor) {
  START_FACESIM("short", 2);
  EventLog events;
  pcsc::ReaderMonitor monitor({}, [&](const pcsc::MonitorEvent& e) { events.push(e); });
  monitor.start();
  struct Stop {
    pcsc::ReaderMonitor& m;
    ~Stop() { m.stop(); }
  } stop{monitor};
  ASSERT_TRUE(events.wait_for(pcsc::MonitorEvent::Kind::reader_added));
  ctl("insert 1 " + personas("jpki", "jpki-card.json").string());
  auto inserted = events.wait_for(pcsc::MonitorEvent::Kind::card_inserted);
  ASSERT_TRUE(inserted);
  EXPECT_NE(inserted->reader.identity.display_name.find("FACE0002"), std::string::npos);
  ctl("remove 1");
  EXPECT_TRUE(events.wait_for(pcsc::MonitorEvent::Kind::card_removed));
  // The whole device goes away and comes back at a new address.
  const int address = status(0)["address"].get<int>();
  ctl("unplug 0");
  auto removed = events.wait_for(pcsc::MonitorEvent::Kind::reader_removed);
  ASSERT_TRUE(removed) << facesim_->output();
  EXPECT_NE(removed->reader.identity.display_name.find("FACE0001"), std::string::npos);
  ctl("replug 0");
  auto added = events.wait_for(pcsc::MonitorEvent::Kind::reader_added);
  ASSERT_TRUE(added) << facesim_->output();
  EXPECT_NE(added->reader.identity.display_name.find("FACE0001"), std::string::npos);
  EXPECT_NE(status(0)["address"].get<int>(), address);
}

TEST_F(FaceSimTest, JpkiPinOnThePadRightWrongAndTheGuard) {
  START_FACESIM();
  const auto persona = personas("jpki", "jpki-card.json");
  const std::string pin = pin_of(persona, "jpki", "auth_pin");
  ctl("insert 0 " + persona.string());
  const std::string reader = reader_with_serial("FACE0001");
  wait_card(reader, true);
  {
    auto card = exclusive(reader);
    ASSERT_TRUE(card) << card.error().to_string();
    auto pad = pcsc::detect_pin_pad(card->card());
    ASSERT_TRUE(pad && *pad) << "the reader must offer FEATURE_VERIFY_PIN_DIRECT";
    EXPECT_EQ((*pad)->lcd_layout, 0x0210);  // the descriptor's wLcdLayout, through libccid
    (*pad)->timeout = 5s;
    ctl("pad 0 type " + pin);
    auto right = pcsc::jpki::verify_pin_only_on_pad(*card, pcsc::jpki::Key::auth, **pad, {});
    ASSERT_TRUE(right) << right.error().to_string();
    EXPECT_EQ(right->before.tries_left, 3);
  }
  const std::string wrong = pin == "0000" ? "1111" : "0000";
  for (int expected_left : {2, 1}) {
    auto card = exclusive(reader);
    ASSERT_TRUE(card);
    auto pad = pcsc::detect_pin_pad(card->card()).value().value();
    ctl("pad 0 type " + wrong);
    auto r = pcsc::jpki::verify_pin_only_on_pad(*card, pcsc::jpki::Key::auth, pad, {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::pin_wrong);
    EXPECT_EQ(r.error().retries_remaining, expected_left);
  }
  // One try left: refused before the pad is asked, so the typed PIN stays unused.
  const auto secure_before = status(0)["secure_verifies"].get<int>();
  {
    auto card = exclusive(reader);
    ASSERT_TRUE(card);
    auto pad = pcsc::detect_pin_pad(card->card()).value().value();
    ctl("pad 0 type " + pin);
    auto r = pcsc::jpki::verify_pin_only_on_pad(*card, pcsc::jpki::Key::auth, pad, {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::pin_last_try);
  }
  const auto s = status(0);
  EXPECT_EQ(s["secure_verifies"].get<int>(), secure_before);
  EXPECT_EQ(s["pad_pending"].get<int>(), 1);
  // Every VERIFY the card saw had Lc 04: onshi never sends a wrong length.
  ASSERT_EQ(s["verify_lcs"].size(), 3U);
  for (const auto& lc : s["verify_lcs"]) EXPECT_EQ(lc.get<int>(), 4);
}

// The face path's card work on the face reader's slot: the auth certificate without a PIN and
// the card-present proof (card_present_proof.hpp).
TEST_F(FaceSimTest, JpkiCertificateAndCardPresentProof) {
  START_FACESIM();
  const auto persona = personas("jpki", "jpki-card.json");
  ctl("insert 0 " + persona.string());
  const std::string reader = reader_with_serial("FACE0001");
  wait_card(reader, true);
  auto card = pcsc::Card::connect(context_, reader);
  ASSERT_TRUE(card) << card.error().to_string();
  auto detected = pcsc::jpki::detect(*card);
  ASSERT_TRUE(detected && detected->jpki);
  auto cert = pcsc::jpki::read_certificate(*card, pcsc::jpki::kEfAuthCertificate);
  ASSERT_TRUE(cert) << cert.error().to_string();
  const Bytes challenge(32, 0xC3);
  auto proof = pcsc::prove_card_present(*card, challenge, *cert);
  ASSERT_TRUE(proof) << proof.error().to_string();
  // The verifier's side: the card-present public key of this persona.
  std::FILE* f = std::fopen(personas("jpki", "jpki-card-card-present-key.pem").c_str(), "r");
  ASSERT_NE(f, nullptr);
  EVP_PKEY* key = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  ASSERT_NE(key, nullptr);
  unsigned char* der = nullptr;
  const int der_len = i2d_PUBKEY(key, &der);
  const Bytes spki(der, der + der_len);
  OPENSSL_free(der);
  EVP_PKEY_free(key);
  EXPECT_TRUE(pcsc::verify_card_present_proof(spki, challenge, *cert, *proof));
  EXPECT_FALSE(pcsc::verify_card_present_proof(spki, Bytes(32, 0xC4), *cert, *proof));
}

TEST_F(FaceSimTest, CancelAndTimeoutOnThePadSpendNoTry) {
  START_FACESIM();
  ctl("insert 0 " + personas("jpki", "jpki-card.json").string());
  const std::string reader = reader_with_serial("FACE0001");
  wait_card(reader, true);
  auto card = exclusive(reader);
  ASSERT_TRUE(card);
  auto pad = pcsc::detect_pin_pad(card->card()).value().value();
  ctl("pad 0 cancel");
  auto r = pcsc::jpki::verify_pin_only_on_pad(*card, pcsc::jpki::Key::auth, pad, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::cancelled) << r.error().to_string();
  // Nobody at the pad: the pad's timeout ends the hold.
  auto again = exclusive(reader);
  ASSERT_TRUE(again);
  pad.timeout = 2s;
  ctl("pad 0 walk-away");
  const auto t0 = std::chrono::steady_clock::now();
  r = pcsc::jpki::verify_pin_only_on_pad(*again, pcsc::jpki::Key::auth, pad, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::timeout) << r.error().to_string();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 8s);
  EXPECT_TRUE(status(0)["verify_lcs"].empty());
  // Both spent nothing: the counter is still full.
  auto third = exclusive(reader);
  ASSERT_TRUE(third);
  auto counter = pcsc::jpki::detect(third->card());
  ASSERT_TRUE(counter);
  const auto selected = pcsc::select_ef(third->card(), pcsc::jpki::kEfAuthPin);
  ASSERT_TRUE(selected);
  ASSERT_EQ(*selected, 0x9000);
  auto tries = pcsc::read_pin_status(third->card(), pcsc::jpki::kEfAuthPin);
  ASSERT_TRUE(tries);
  EXPECT_EQ(tries->tries_left, 3);
}

// Two users of one device, as on a clinic's terminal: pcscd + libccid on the CCID slot while
// another process (onshi's face-reader driver, later) uses the vendor interface.
TEST_F(FaceSimTest, AnotherProcessUsesTheVendorInterfaceMeanwhile) {
  START_FACESIM();
  ctl("insert 0 " + personas("jpki", "jpki-card.json").string());
  const std::string reader = reader_with_serial("FACE0001");
  wait_card(reader, true);
  std::ifstream env_file(dir_ / "env");
  std::string env, line;
  while (std::getline(env_file, line)) env += "'" + line + "' ";
  ASSERT_NE(env.find("UMOCKDEV_DIR="), std::string::npos);
  sim::ToolRun probe;
  std::thread other([&] {
    probe = sim::run_tool("env " + env + ONSHI_FACESIM_USBPROBE +
                          " --serial FACE0001 --count 300 --expect-event");
  });
  // Joined on every way out, a failed assertion included (a joinable thread would terminate).
  struct Join {
    std::thread& t;
    ~Join() {
      if (t.joinable()) t.join();
    }
  } join{other};
  auto card = pcsc::Card::connect(context_, reader);
  ASSERT_TRUE(card) << card.error().to_string();
  bool both_claimed = false;
  for (int i = 0; i < 150; ++i) {
    auto r =
        card->transmit({0x00, 0xA4, 0x04, 0x0C,
                        Bytes(pcsc::jpki::kAid.begin(), pcsc::jpki::kAid.end()), std::nullopt});
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->sw(), 0x9000);
    if (i % 10 == 0 && !both_claimed) {
      const auto claims = status(0)["claims"];
      both_claimed = claims.contains("0") && claims.contains("1") && claims["0"] != claims["1"];
    }
  }
  ctl("vendor-event 0 AABBCC");
  other.join();  // the probe waits up to 10 s for the event
  EXPECT_EQ(probe.status, 0) << probe.output;
  EXPECT_NE(probe.output.find("\"event\":\"AABBCC\""), std::string::npos) << probe.output;
  EXPECT_NE(probe.output.find("\"mismatches\":0"), std::string::npos) << probe.output;
  EXPECT_TRUE(both_claimed) << "interface 0 and 1 were never held by two clients at once";
  EXPECT_EQ(status(0)["vendor_out"].get<int>(), 300);
}

// HPKI signatures on the pad: extended APDUs (libccid chains the PSO and the certificate across
// CCID messages at 271 bytes) and, on a short-APDU reader, ISO command chaining.
TEST_F(FaceSimTest, HpkiSignatureWithThePinOnThePad) {
  // 271 bytes: the 265-byte extended PSO does not fit one CCID message, so libccid chains it.
  START_FACESIM("extended,short", 2, {"--max-message-length", "271"});
  ASSERT_TRUE(facesim_);
  const auto persona = personas("hpki", "hpki-jma-doctor.json");
  const std::string pin = pin_of(persona, "hpki", "signature");
  for (int reader : {0, 1}) {
    ctl("insert " + std::to_string(reader) + " " + persona.string());
    const std::string name = reader_with_serial(reader == 0 ? "FACE0001" : "FACE0002");
    wait_card(name, true);
    auto card = exclusive(name);
    ASSERT_TRUE(card);
    auto pad = pcsc::detect_pin_pad(card->card()).value().value();
    ctl("pad " + std::to_string(reader) + " type " + pin);
    pcsc::hpki::SignRequest request;
    request.sha256 = Bytes(32, 0x5A);
    request.pad = pad;
    SecretBytes unused;
    auto signed_ = pcsc::hpki::sign_with_pin(*card, unused, request);
    ASSERT_TRUE(signed_) << name << ": " << signed_.error().to_string();
    EXPECT_EQ(signed_->signature.size(), 256U);
    EXPECT_EQ(signed_->path.path,
              reader == 0 ? pcsc::hpki::LongApdu::extended : pcsc::hpki::LongApdu::chaining)
        << signed_->path.why;
    const auto s = status(reader);
    if (reader == 0) {
      EXPECT_GT(s["chained_commands"].get<int>(), 0) << "libccid never chained a command";
      EXPECT_GT(s["chained_responses"].get<int>(), 0) << "no response was chained";
    } else {
      EXPECT_EQ(s["chained_commands"].get<int>(), 0);
    }
    ASSERT_EQ(s["verify_lcs"].size(), 1U);
    EXPECT_EQ(s["verify_lcs"][0].get<int>(), static_cast<int>(pin.size()));  // Lc set by the pad
  }
}

// The technician's tool types nothing on the PC when the reader has a pad: the PIN comes from the
// pad (stdin is /dev/null, so a host prompt would fail), and a letters-only password is refused.
TEST_F(FaceSimTest, OnshictlUsesThePadWhenTheReaderHasOne) {
  START_FACESIM();
  ctl("insert 0 " + personas("jpki", "jpki-card.json").string());
  wait_card(reader_with_serial("FACE0001"), true);
  ctl("pad 0 type " + pin_of(personas("jpki", "jpki-card.json"), "jpki", "auth_pin"));
  const std::string onshictl = ONSHI_ONSHICTL;
  auto run = sim::run_tool(onshictl + " --direct card verify-pin --json < /dev/null");
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("\"correct\": true"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("enter the PIN on the reader's pad"), std::string::npos) << run.output;
  EXPECT_EQ(status(0)["secure_verifies"].get<int>(), 1);
  run = sim::run_tool(onshictl +
                      " --direct card verify-pin --which sign --pin-entry pad < /dev/null");
  EXPECT_NE(run.status, 0);
  EXPECT_NE(run.output.find("cannot be typed on a PIN pad"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace onshi::test
