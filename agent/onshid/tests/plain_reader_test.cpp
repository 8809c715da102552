// onshid's card sessions on a plain PC/SC reader: a private pcscd with vpcd slots (test-rigs.md
// §1), the card emulator in them, onshi-eligsim behind real mutual TLS. A plain reader has no
// face reader and no pad, so the session is PIN mode with the caller's PIN:
//
// - the smartphone's JPKI (スマホ用電子証明書), which has no face-reader path, is served here;
// - redaction: a card holder whose PIN, name, address and My Number appear nowhere else goes
//   through a verification with onshid logging at debug, and none of them may appear in onshi's
//   own outputs (its log, its state directory, the journal outside the result, the API answers
//   other than the result, the progress events). pcscd runs without -a (its APDU log would
//   legitimately hold the VERIFY), and the emulator's trace is off.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <iconv.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "card_test_support.hpp"
#include "onshi/sim/jpki_test_pki.hpp"
#include "onshi/sim/kenmen.hpp"
#include "onshi/sim/persona.hpp"
#include "onshi/sim/private_pcscd.hpp"
#include "onshi/sim/vpcd_card_slot.hpp"
#include "onshid_rig.hpp"

namespace onshi::agent::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace testpki = sim::testpki;

// The canaries: a PIN with a leading zero (no process id, port or count looks like it), and a
// name and address of invented places that no other persona, message or fixture uses.
constexpr std::string_view kCanaryPin = "0729";
constexpr std::string_view kCanaryName = "檜扇\u3000瑠璃香";
constexpr std::string_view kCanaryAddress = "沖縄県八重山郡与那国町字瑠璃香九百九十九番地";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// UTF-8 → Shift_JIS (CP932, as Windows receipt software writes it).
std::string shift_jis(std::string_view utf8) {
  iconv_t cd = iconv_open("CP932", "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    ADD_FAILURE() << "iconv has no CP932";
    return std::string(utf8);
  }
  std::string in(utf8);
  std::string out(in.size() * 2 + 8, '\0');
  char* src = in.data();
  char* dst = out.data();
  std::size_t left = in.size();
  std::size_t room = out.size();
  const std::size_t rc = iconv(cd, &src, &left, &dst, &room);
  iconv_close(cd);
  EXPECT_NE(rc, static_cast<std::size_t>(-1)) << "cannot convert to Shift_JIS";
  out.resize(out.size() - room);
  return out;
}

// What must never appear: the PIN as a token of its own, as VERIFY data in compact and spaced
// hex (either case); the name and address in UTF-8 and Shift_JIS (the name also without its
// full-width space); the My Number as a token.
struct Canaries {
  std::string my_number;
  std::vector<std::pair<std::string, std::regex>> patterns;
  std::vector<std::pair<std::string, std::string>> literals;

  explicit Canaries(std::string mn) : my_number(std::move(mn)) {
    const std::string pin(kCanaryPin);
    std::string hex, spaced;
    for (char c : pin) {
      hex += fmt::format("{:02X}", static_cast<unsigned char>(c));
      spaced += fmt::format("{}{:02X}", spaced.empty() ? "" : " ", static_cast<unsigned char>(c));
    }
    patterns.emplace_back("the PIN", std::regex("(^|[^0-9])" + pin + "($|[^0-9])"));
    patterns.emplace_back("the PIN's VERIFY data (hex)", std::regex(hex, std::regex::icase));
    patterns.emplace_back("the PIN's VERIFY data (spaced hex)",
                          std::regex(spaced, std::regex::icase));
    patterns.emplace_back("the My Number", std::regex("(^|[^0-9])" + my_number + "($|[^0-9])"));
    const std::string name(kCanaryName), address(kCanaryAddress);
    std::string bare_name = name;
    bare_name.erase(bare_name.find("\u3000"), std::string("\u3000").size());
    literals = {{"the name (UTF-8)", name},
                {"the name without its space (UTF-8)", bare_name},
                {"the name (Shift_JIS)", shift_jis(name)},
                {"the address (UTF-8)", address},
                {"the address (Shift_JIS)", shift_jis(address)}};
  }

  // Which canaries `text` (from `where`) holds; empty when none.
  std::vector<std::string> found_in(const std::string& text) const {
    std::vector<std::string> found;
    for (const auto& [what, re] : patterns) {
      if (std::regex_search(text, re)) found.push_back(what);
    }
    for (const auto& [what, bytes] : literals) {
      if (text.find(bytes) != std::string::npos) found.push_back(what);
    }
    return found;
  }

  void expect_none(const std::string& where, const std::string& text) const {
    const auto found = found_in(text);
    EXPECT_TRUE(found.empty()) << where << " holds " << ::testing::PrintToString(found);
  }
};

// Rows of the journal, column by column (read with SQLite directly, not with onshi's code).
std::vector<std::map<std::string, std::string>> journal_rows(const fs::path& file) {
  std::vector<std::map<std::string, std::string>> rows;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << file << ": " << sqlite3_errmsg(db);
    sqlite3_close(db);
    return rows;
  }
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT * FROM requests", -1, &st, nullptr) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW) {
      std::map<std::string, std::string> row;
      for (int i = 0; i < sqlite3_column_count(st); ++i) {
        const auto* text = sqlite3_column_text(st, i);
        row[sqlite3_column_name(st, i)] = text ? reinterpret_cast<const char*>(text) : "";
      }
      rows.push_back(std::move(row));
    }
  } else {
    ADD_FAILURE() << "SELECT * FROM requests: " << sqlite3_errmsg(db);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rows;
}

// The scanner itself finds every form, and nothing in ordinary text.
TEST(RedactionScanner, FindsEveryFormOfEveryCanaryAndNothingElse) {
  const Canaries c("582039471612");
  EXPECT_EQ(c.found_in("pin=0729 ok").size(), 1u);
  EXPECT_EQ(c.found_in("VERIFY 00 20 00 01 04 30 37 32 39").size(), 1u);
  EXPECT_EQ(c.found_in("apdu 0020000104 30373239").size(), 1u);
  EXPECT_EQ(c.found_in("my number 582039471612.").size(), 1u);
  EXPECT_EQ(c.found_in(fmt::format("{{\"name\":\"{}\"}}", kCanaryName)).size(), 1u);
  EXPECT_EQ(c.found_in("檜扇瑠璃香").size(), 1u);
  EXPECT_EQ(c.found_in("x" + shift_jis(kCanaryAddress) + "y").size(), 1u);
  EXPECT_TRUE(c.found_in("port 40729, pid 7290, 2026-07-29 07:29 seq 10729").empty());
}

class PlainReaderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sim::PcscdOptions options;
    options.debug = false;  // no -a: pcscd's own APDU log is not onshi's output
    auto pcscd = sim::PrivatePcscd::start(options);
    if (!pcscd) {
      start_error_ = new std::string(pcscd.error().to_string());
      return;
    }
    pcscd_ = pcscd->release();
  }
  static void TearDownTestSuite() {
    delete pcscd_;
    pcscd_ = nullptr;
    delete start_error_;
    start_error_ = nullptr;
  }
  void SetUp() override {
    if (start_error_) GTEST_SKIP() << "no private pcscd: " << *start_error_;
  }
  void TearDown() override {
    slot_.reset();
    if (HasFailure() && rig_) {
      const std::string log = rig_->onshid().output();
      std::cerr << "--- onshid's log (end):\n"
                << log.substr(log.size() > 6000 ? log.size() - 6000 : 0) << "\n";
    }
    rig_.reset();
  }

  void insert(const fs::path& persona_path) {
    auto persona = sim::load_persona_file(persona_path);
    ASSERT_TRUE(persona) << persona.error().to_string();
    sim::SlotOptions o;
    o.port = pcscd_->vpcd_port(0);
    o.trace_apdus = false;
    slot_ = std::make_unique<sim::VpcdCardSlot>(sim::Card(std::move(persona).value()), o);
    auto inserted = slot_->insert(std::chrono::steady_clock::now() + 5s);
    ASSERT_TRUE(inserted) << inserted.error().to_string();
  }

  void start_rig(RigOptions options = {}) {
    rig_ = OnshidRig::start(std::move(options));
    ASSERT_TRUE(rig_) << "onshid did not start";
    // onshid sees the vpcd reader (test mode accepts a virtual one).
    const auto until = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < until) {
      if (rig_->get("/v1/readers").body.find(pcscd_->reader(0)) != std::string::npos) return;
      std::this_thread::sleep_for(100ms);
    }
    FAIL() << "onshid never listed " << pcscd_->reader(0) << ": " << rig_->get("/v1/readers").body;
  }

  json pin_mode(const std::string& pin) const {
    return {{"method", "mynumber"},
            {"reader", pcscd_->reader(0)},
            {"mode", "pin"},
            {"pin", pin},
            {"consents", json::array()}};
  }

  static sim::PrivatePcscd* pcscd_;
  static std::string* start_error_;
  std::unique_ptr<sim::VpcdCardSlot> slot_;
  std::optional<OnshidRig> rig_;
};
sim::PrivatePcscd* PlainReaderTest::pcscd_ = nullptr;
std::string* PlainReaderTest::start_error_ = nullptr;

TEST_F(PlainReaderTest, ASmartphoneIsServedOnAPlainReaderWithTheCallersPin) {
  insert(persona_file("jpki-smartphone"));
  start_rig();
  const json v = start_and_wait(*rig_, pin_mode(persona_pin("jpki-smartphone")));
  ASSERT_EQ(v["state"], "succeeded") << v.dump();
  const json& path = v["result"]["path"];
  EXPECT_EQ(path["token"], "android") << path.dump();  // the JPKI token label of a phone
  EXPECT_EQ(path["method"], "pin");
  EXPECT_EQ(path["pin_entry"], "host");
  EXPECT_EQ(path["reader"], pcscd_->reader(0));
  EXPECT_FALSE(v["result"]["qualifications"].empty()) << v["result"].dump();
  EXPECT_EQ(v["request"]["pin_given"], true);
  EXPECT_EQ(v.dump().find(persona_pin("jpki-smartphone")), std::string::npos);
}

TEST_F(PlainReaderTest, APlainReaderWithoutAPadNeedsTheCallersPinAndRefusesOtherModes) {
  insert(persona_file("jpki-card"));
  start_rig();
  const Reply no_pin = rig_->post(
      "/v1/verifications", {{"method", "mynumber"}, {"reader", pcscd_->reader(0)}}, new_key());
  EXPECT_EQ(no_pin.status, 400) << no_pin.body;
  EXPECT_THAT(no_pin.body, ::testing::HasSubstr("no PIN pad"));
  const Reply face = rig_->post(
      "/v1/verifications",
      {{"method", "mynumber"}, {"reader", pcscd_->reader(0)}, {"mode", "face"}}, new_key());
  EXPECT_EQ(face.status, 400) << face.body;
  EXPECT_THAT(face.body, ::testing::HasSubstr("PIN mode only"));
  EXPECT_EQ(json::parse(face.body)["error"]["field"], "mode");
  // An HPKI signature too is refused before it is admitted, and names the field.
  const Reply sign = rig_->post(
      "/v1/signatures", {{"sha256", std::string(64, 'e')}, {"reader", pcscd_->reader(0)}},
      new_key());
  EXPECT_EQ(sign.status, 400) << sign.body;
  EXPECT_EQ(json::parse(sign.body)["error"]["field"], "pin") << sign.body;
}

TEST_F(PlainReaderTest, CanaryPinNameAddressAndMyNumberAppearNowhereButInTheResult) {
  // A holder of its own, with its own test PKI, known only to this eligsim.
  const fs::path dir = fs::temp_directory_path() / fmt::format("onshi-canary-{}", ::getpid());
  fs::remove_all(dir);
  testpki::Holder h = testpki::default_holders().front();
  h.persona = "jpki-canary";
  h.auth_pin = std::string(kCanaryPin);
  h.sign_pin = "CANARYSIGN7";
  h.name = std::string(kCanaryName);
  h.address = std::string(kCanaryAddress);
  const std::string eleven = "58203947161";
  const auto check = sim::kenmen::my_number_check_digit(eleven);
  ASSERT_TRUE(check);
  const std::string my_number = eleven + std::to_string(*check);
  h.kenmen->my_number = my_number;
  h.kenmen->pin = "0394";
  auto generated = testpki::generate_jpki_personas(dir, testpki::today_jst(), {h});
  ASSERT_TRUE(generated) << generated.error().to_string();
  const Canaries canaries(my_number);

  insert(dir / "jpki-canary.json");
  RigOptions options;
  options.eligsim_personas = dir;
  options.log_level = "debug";
  start_rig(options);

  // A wrong PIN first (its failure and message are outputs too), then the right one.
  const json wrong = start_and_wait(*rig_, pin_mode("0730"));
  ASSERT_EQ(wrong["state"], "failed") << wrong.dump();
  EXPECT_EQ(wrong["error"]["code"], "pin_wrong");
  const std::string id = start(*rig_, pin_mode(std::string(kCanaryPin)));
  ASSERT_FALSE(id.empty());
  const std::string sse = read_sse(rig_->socket(), "/v1/verifications/" + id + "/events", 60s);
  const json v = wait_for(*rig_, id);
  ASSERT_EQ(v["state"], "succeeded") << v.dump();

  // The canaries did travel: the result names the holder (the check can fail).
  const std::string result = v["result"].dump();
  EXPECT_FALSE(canaries.found_in(result).empty()) << result;
  EXPECT_NE(result.find(std::string(kCanaryName)), std::string::npos) << result;

  // API answers other than the result itself.
  json outside = v;
  outside.erase("result");
  canaries.expect_none("GET /v1/verifications/{id} without the result", outside.dump());
  canaries.expect_none("the failed verification", wrong.dump());
  canaries.expect_none("the SSE stream", sse);
  for (const char* route : {"/v1/events", "/v1/health", "/v1/readers", "/v1/certificates"}) {
    canaries.expect_none(route, rig_->get(route).body);
  }
  // The journal: a result column holds the result, nothing else holds a canary; the PIN and the
  // My Number are in no byte of the files.
  const fs::path state = rig_->dir() / "state";
  bool result_row = false;
  for (const auto& row : journal_rows(state / "journal.sqlite3")) {
    for (const auto& [column, value] : row) {
      if (column == "result_json" && !value.empty()) {
        result_row = result_row || value.find(std::string(kCanaryName)) != std::string::npos;
        continue;
      }
      canaries.expect_none("the journal's " + column, value);
    }
  }
  EXPECT_TRUE(result_row) << "the journal lost the result";
  // Everything in the state directory: the PIN and My Number nowhere, byte for byte.
  const Canaries pin_only(my_number);
  for (const auto& entry : fs::recursive_directory_iterator(rig_->dir())) {
    if (!entry.is_regular_file()) continue;
    const std::string bytes = slurp(entry.path());
    for (const auto& [what, re] : pin_only.patterns) {
      EXPECT_FALSE(std::regex_search(bytes, re)) << entry.path() << " holds " << what;
    }
  }
  // onshid's log at debug, after it stopped (everything flushed).
  EXPECT_EQ(rig_->onshid().stop(), 0);
  const std::string log = rig_->onshid().output();
  EXPECT_THAT(log, ::testing::HasSubstr(id)) << "the log is not the one of this run";
  canaries.expect_none("onshid's log", log);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace onshi::agent::testing
