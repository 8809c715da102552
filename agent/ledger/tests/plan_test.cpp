// What this terminal needs from the portal (plan.hpp). The codes' check digits were computed by
// hand with the 2-1 rule (eligibility-system.md §2): e.g. 303012345 → digits from the right
// ×2,×1,…: 5·2=10→1, 4, 3·2=6, 2, 1·2=2, 0, 3·2=6, 0, 3·2=6; sum 27 → 10−7 = 3.
#include "onshi/ledger/plan.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "test_dates.hpp"

namespace onshi::ledger {
namespace {

using test::d;
using test::jst;

using namespace std::chrono;
using ::testing::HasSubstr;

const TerminalId kSelf{"0123456789abcdef0123456789abcdef", "uketsuke-1"};
const TerminalId kOther{"fedcba9876543210fedcba9876543210", "uketsuke-2"};
constexpr const char* kName = "受付1号機";
const sys_seconds kNow = jst(2026, 3, 10);

// The configuration's default 分類 table.
const std::vector<std::pair<char, std::string>> kDefaultCategories{{'3', "2:保険医療機関（歯科）"}};

PlanInput input(std::vector<PlanInstitution> institutions, std::vector<Record> ledger = {},
                std::string terminal_name = kName) {
  PlanInput in;
  in.terminal_name = std::move(terminal_name);
  in.self = kSelf;
  in.institutions = std::move(institutions);
  in.categories = kDefaultCategories;
  in.ledger = std::move(ledger);
  in.now = kNow;
  return in;
}

// An imported certificate valid 2026-01-10 .. 2029-04-09 (active on kNow).
Record held(std::string id, std::string code, std::string terminal_name, const TerminalId& by) {
  Record r;
  r.generation = 1;
  r.id = id;
  r.request_id = std::move(id);
  r.institution = std::move(code);
  r.terminal_name = std::move(terminal_name);
  r.state = State::imported;
  r.applied_on = d(2026, 1, 5);
  r.issued_on = d(2026, 1, 9);
  CertificateFacts c;
  c.sha256 = std::string(64, 'a');
  c.not_before = jst(2026, 1, 10, 10);
  c.not_after = sys_seconds{d(2029, 4, 9)} + hours{23} + minutes{59} + seconds{59} - hours{9};
  r.certificate = c;
  r.imported_by = by;
  r.imported_at = c.not_before;
  r.history.push_back({StepKind::applied, d(2026, 1, 5), c.not_before, by, ""});
  return r;
}

std::size_t count_problems(const Plan& p, PlanProblem::Severity s, const std::string& needle) {
  std::size_t n = 0;
  for (const auto& problem : p.problems) {
    if (problem.severity == s && problem.message.find(needle) != std::string::npos) ++n;
  }
  return n;
}

bool has_error(const Plan& p, const std::string& needle) {
  return count_problems(p, PlanProblem::Severity::error, needle) > 0;
}

std::string all_problems(const Plan& p) {
  std::string out;
  for (const auto& problem : p.problems) out += problem.message + "\n";
  return out;
}

// ---- the form's fields --------------------------------------------------------------------------

TEST(Plan, AMedicalClinic) {
  const Plan p = make_plan(input({{"0110113719", "札幌内科"}}));
  EXPECT_EQ(p.terminal_name, kName);
  ASSERT_EQ(p.certificates.size(), 1u);
  const PlannedCertificate& c = p.certificates[0];
  EXPECT_EQ(c.code, "0110113719");
  EXPECT_EQ(c.name, "札幌内科");
  ASSERT_TRUE(c.prefecture);
  EXPECT_EQ(c.prefecture->code, "01");
  EXPECT_EQ(c.prefecture->name, "北海道");
  EXPECT_EQ(c.prefecture->romaji, "hokkaido");
  EXPECT_EQ(c.score_table, '1');
  EXPECT_EQ(c.score_table_name, "医科");
  EXPECT_FALSE(c.category);  // 医科 is not in the default table: "check on the form"
  EXPECT_FALSE(c.code_problem);
  EXPECT_TRUE(c.apply);
  EXPECT_EQ(c.ledger.stage, Stage::missing);
  EXPECT_EQ(p.certificates_needed, 1);
  EXPECT_EQ(p.applications_needed, 1);
  EXPECT_EQ(p.fee_yen, 1500);
}

TEST(Plan, ADentalClinic) {
  const Plan p = make_plan(input({{"3030123453", "わかやま歯科医院"}}));
  ASSERT_EQ(p.certificates.size(), 1u);
  const PlannedCertificate& c = p.certificates[0];
  ASSERT_TRUE(c.prefecture);
  EXPECT_EQ(c.prefecture->code, "30");
  EXPECT_EQ(c.prefecture->name, "和歌山県");
  EXPECT_EQ(c.prefecture->romaji, "wakayama");
  EXPECT_EQ(c.score_table, '3');
  EXPECT_EQ(c.score_table_name, "歯科");
  EXPECT_EQ(c.category, "2:保険医療機関（歯科）");
  EXPECT_FALSE(c.code_problem);
}

TEST(Plan, APharmacy) {
  const Plan p = make_plan(input({{"2744123452", "なにわ薬局"}}));
  ASSERT_EQ(p.certificates.size(), 1u);
  const PlannedCertificate& c = p.certificates[0];
  ASSERT_TRUE(c.prefecture);
  EXPECT_EQ(c.prefecture->name, "大阪府");
  EXPECT_EQ(c.prefecture->romaji, "osaka");
  EXPECT_EQ(c.score_table, '4');
  EXPECT_EQ(c.score_table_name, "調剤");
  EXPECT_FALSE(c.category);
  EXPECT_FALSE(c.code_problem);
}

TEST(Plan, ACategoryFromTheConfigurationsTable) {
  PlanInput in = input({{"2744123452", "なにわ薬局"}});
  in.categories.push_back({'4', "3:保険薬局"});
  const Plan p = make_plan(in);
  EXPECT_EQ(p.certificates[0].category, "3:保険薬局");
}

// 医科歯科併設: one certificate per code (eligibility-system.md §2, §3.1).
TEST(Plan, AClinicWithMedicalAndDentalCodesNeedsTwoCertificates) {
  const Plan p =
      make_plan(input({{"1310123458", "オンシ医院"}, {"1330123454", "オンシ医院 歯科"}}));
  ASSERT_EQ(p.certificates.size(), 2u);
  for (const auto& c : p.certificates) {
    ASSERT_TRUE(c.prefecture);
    EXPECT_EQ(c.prefecture->name, "東京都");
    EXPECT_EQ(c.prefecture->romaji, "tokyo");
    EXPECT_FALSE(c.code_problem);
    EXPECT_TRUE(c.apply);
  }
  EXPECT_EQ(p.certificates[0].score_table_name, "医科");
  EXPECT_EQ(p.certificates[1].score_table_name, "歯科");
  EXPECT_FALSE(p.certificates[0].category);
  EXPECT_EQ(p.certificates[1].category, "2:保険医療機関（歯科）");
  EXPECT_EQ(p.certificates_needed, 2);
  EXPECT_EQ(p.applications_needed, 2);
  EXPECT_EQ(p.fee_yen, 3000);
  EXPECT_FALSE(has_error(p, "")) << all_problems(p);
}

TEST(Plan, OneCodeAlreadyCertifiedOnThisTerminalHalvesTheFee) {
  const Plan p = make_plan(input({{"1310123458", "オンシ医院"}, {"1330123454", "オンシ医院 歯科"}},
                                 {held("R1", "1310123458", kName, kSelf)}));
  ASSERT_EQ(p.certificates.size(), 2u);
  EXPECT_FALSE(p.certificates[0].apply);
  EXPECT_TRUE(p.certificates[0].ledger.has_certificate);
  EXPECT_EQ(p.certificates[0].ledger.stage, Stage::active);
  EXPECT_TRUE(p.certificates[1].apply);
  EXPECT_EQ(p.certificates_needed, 2);
  EXPECT_EQ(p.applications_needed, 1);
  EXPECT_EQ(p.fee_yen, 1500);
  EXPECT_FALSE(has_error(p, "")) << all_problems(p);
}

// A certificate of this terminal within 90 days of its expiry needs a renewal: applying again.
TEST(Plan, ARenewalDueCertificateIsAnApplicationToMake) {
  PlanInput in = input({{"1310123458", "オンシ医院"}}, {held("R1", "1310123458", kName, kSelf)});
  in.now = jst(2029, 2, 1);
  const Plan p = make_plan(in);
  EXPECT_TRUE(p.certificates[0].apply);
  EXPECT_EQ(p.certificates[0].ledger.stage, Stage::renewal_due);
  EXPECT_EQ(p.fee_yen, 1500);
}

TEST(Plan, ABadCheckDigitIsAnError) {
  const Plan p = make_plan(input({{"1310123459", "オンシ医院"}}));
  ASSERT_EQ(p.certificates.size(), 1u);
  ASSERT_TRUE(p.certificates[0].code_problem);
  EXPECT_THAT(*p.certificates[0].code_problem, HasSubstr("check digit"));
  ASSERT_EQ(count_problems(p, PlanProblem::Severity::error, "1310123459"), 1u) << all_problems(p);
  for (const auto& problem : p.problems) {
    if (problem.severity == PlanProblem::Severity::error) {
      EXPECT_EQ(problem.institution, "1310123459");
    }
  }
  // The prefecture and 点数表 are still read off the code, for the message.
  ASSERT_TRUE(p.certificates[0].prefecture);
  EXPECT_EQ(p.certificates[0].prefecture->name, "東京都");
}

TEST(Plan, AShortOrNonNumericCodeIsAnErrorToo) {
  const Plan p = make_plan(input({{"13", "x"}, {"", "y"}, {"13101234X8", "z"}}));
  ASSERT_EQ(p.certificates.size(), 3u);
  for (const auto& c : p.certificates) EXPECT_TRUE(c.code_problem) << c.code;
  EXPECT_EQ(count_problems(p, PlanProblem::Severity::error, ""), 3u) << all_problems(p);
}

TEST(Plan, AGenericTerminalNameIsAnError) {
  for (const std::string& name :
       {std::string("Windows10"), std::string("Windows 10"), std::string("WINDOWS11"),
        std::string("pc"), std::string("Win-10")}) {
    SCOPED_TRACE(name);
    const Plan p = make_plan(input({{"1310123458", "オンシ医院"}}, {}, name));
    EXPECT_TRUE(has_error(p, "端末名称 \"" + name + "\"")) << all_problems(p);
  }
  const Plan ok = make_plan(input({{"1310123458", "オンシ医院"}}, {}, "XX薬局1号機"));
  EXPECT_FALSE(has_error(ok, "端末名称")) << all_problems(ok);
  const Plan ok2 = make_plan(input({{"1310123458", "オンシ医院"}}, {}, "Windows10受付"));
  EXPECT_FALSE(has_error(ok2, "端末名称")) << all_problems(ok2);
}

TEST(Plan, TwoTerminalsWithOneNameAndCodeBothHoldingCertificates) {
  Record a = held("R1", "1310123458", "受付2号機", kSelf);
  Record b = held("R2", "1310123458", "受付2号機", kOther);
  b.certificate->sha256 = std::string(64, 'b');
  const Plan p = make_plan(input({{"1310123458", "オンシ医院"}}, {a, b}));
  EXPECT_EQ(count_problems(p, PlanProblem::Severity::error, "受付2号機"), 1u) << all_problems(p);
  EXPECT_TRUE(has_error(p, "uketsuke-1")) << all_problems(p);
  EXPECT_TRUE(has_error(p, "uketsuke-2")) << all_problems(p);
  EXPECT_TRUE(has_error(p, "2 terminals")) << all_problems(p);
}

TEST(Plan, OneNameOnTwoMachinesIsNotReportedOnceOneIsClosed) {
  Record a = held("R1", "1310123458", "受付2号機", kSelf);
  Record b = held("R2", "1310123458", "受付2号機", kOther);
  b.state = State::revoked;
  b.revoked_on = d(2026, 3, 1);
  const Plan p = make_plan(input({{"1310123458", "オンシ医院"}}, {a, b}));
  EXPECT_FALSE(has_error(p, "受付2号機")) << all_problems(p);
}

TEST(Plan, ThisTerminalsNameOnACertificateAnotherMachineHolds) {
  const Plan p =
      make_plan(input({{"1310123458", "オンシ医院"}}, {held("R9", "1310123458", kName, kOther)}));
  EXPECT_EQ(count_problems(p, PlanProblem::Severity::error, "held by another terminal"), 1u)
      << all_problems(p);
  EXPECT_TRUE(has_error(p, "uketsuke-2")) << all_problems(p);
  EXPECT_TRUE(has_error(p, "R9")) << all_problems(p);
}

// The certificate another machine holds is not this terminal's: this terminal still needs its
// own (under its own name), and the fee counts it.
TEST(Plan, ACertificateAnotherMachineHoldsIsNotThisTerminals) {
  const Plan p =
      make_plan(input({{"1310123458", "オンシ医院"}}, {held("R9", "1310123458", kName, kOther)}));
  ASSERT_EQ(p.certificates.size(), 1u);
  EXPECT_FALSE(p.certificates[0].ledger.has_certificate);
  EXPECT_FALSE(p.certificates[0].ledger.in_use);
  EXPECT_TRUE(p.certificates[0].apply);
  EXPECT_EQ(p.applications_needed, 1);
  EXPECT_EQ(p.fee_yen, 1500);
}

// An application in progress for this terminal is not applied for again.
TEST(Plan, APendingApplicationIsNotAppliedForAgain) {
  Record pending;
  pending.generation = 1;
  pending.id = pending.request_id = "R7";
  pending.institution = "1310123458";
  pending.terminal_name = kName;
  pending.state = State::applied;
  pending.applied_on = d(2026, 3, 9);
  pending.history.push_back({StepKind::applied, d(2026, 3, 9), kNow, kSelf, ""});
  const Plan p = make_plan(input({{"1310123458", "オンシ医院"}}, {pending}));
  EXPECT_FALSE(p.certificates[0].apply);
  EXPECT_EQ(p.certificates[0].ledger.stage, Stage::awaiting_notice);
  EXPECT_EQ(p.applications_needed, 0);
  EXPECT_EQ(p.fee_yen, 0);
}

TEST(Plan, ALiveRecordOfThisTerminalForAnUnconfiguredCode) {
  Record pending;
  pending.generation = 1;
  pending.id = pending.request_id = "R7";
  pending.institution = "2744123452";
  pending.terminal_name = kName;
  pending.state = State::applied;
  pending.applied_on = d(2026, 3, 9);
  pending.history.push_back({StepKind::applied, d(2026, 3, 9), kNow, kSelf, ""});
  const Plan p = make_plan(
      input({{"1310123458", "オンシ医院"}}, {held("R8", "3030123453", kName, kSelf), pending}));
  EXPECT_EQ(count_problems(p, PlanProblem::Severity::warning, "not in [[institutions]]"), 2u)
      << all_problems(p);
  EXPECT_EQ(count_problems(p, PlanProblem::Severity::warning, "3030123453"), 1u);
  EXPECT_EQ(count_problems(p, PlanProblem::Severity::warning, "2744123452"), 1u);
  // The configured code is planned as usual.
  EXPECT_EQ(p.applications_needed, 1);
  EXPECT_EQ(p.fee_yen, 1500);
}

TEST(Plan, AClosedRecordForAnUnconfiguredCodeIsNotReported) {
  Record old = held("R8", "3030123453", kName, kSelf);
  old.state = State::replaced;
  old.replaced_by = "R9";
  const Plan p = make_plan(input({{"1310123458", "オンシ医院"}}, {old}));
  EXPECT_EQ(count_problems(p, PlanProblem::Severity::warning, "not in [[institutions]]"), 0u)
      << all_problems(p);
}

// ---- lookups ------------------------------------------------------------------------------------

TEST(Prefecture, JisCodes) {
  ASSERT_TRUE(prefecture("01"));
  EXPECT_EQ(prefecture("01")->name, "北海道");
  EXPECT_EQ(prefecture("01")->romaji, "hokkaido");
  ASSERT_TRUE(prefecture("47"));
  EXPECT_EQ(prefecture("47")->name, "沖縄県");
  EXPECT_EQ(prefecture("47")->romaji, "okinawa");
  ASSERT_TRUE(prefecture("13"));
  EXPECT_EQ(prefecture("13")->name, "東京都");
  ASSERT_TRUE(prefecture("26"));
  EXPECT_EQ(prefecture("26")->name, "京都府");
  ASSERT_TRUE(prefecture("30"));
  EXPECT_EQ(prefecture("30")->code, "30");
  EXPECT_FALSE(prefecture("00"));
  EXPECT_FALSE(prefecture("48"));
  EXPECT_FALSE(prefecture("1"));
  EXPECT_FALSE(prefecture("001"));
  EXPECT_FALSE(prefecture(""));
}

TEST(Prefecture, AllFortySevenAreDistinct) {
  std::set<std::string_view> names, romaji;
  for (int i = 1; i <= 47; ++i) {
    const std::string code = (i < 10 ? "0" : "") + std::to_string(i);
    auto p = prefecture(code);
    ASSERT_TRUE(p) << code;
    EXPECT_EQ(p->code, code);
    names.insert(p->name);
    romaji.insert(p->romaji);
  }
  EXPECT_EQ(names.size(), 47u);
  EXPECT_EQ(romaji.size(), 47u);
}

TEST(ScoreTable, Names) {
  EXPECT_EQ(score_table_name('1'), "医科");
  EXPECT_EQ(score_table_name('3'), "歯科");
  EXPECT_EQ(score_table_name('4'), "調剤");
  EXPECT_EQ(score_table_name('6'), "訪問看護");
  EXPECT_FALSE(score_table_name('2'));
  EXPECT_FALSE(score_table_name('5'));
  EXPECT_FALSE(score_table_name('0'));
}

// A terminal set up before the ledger: its store holds a certificate the ledger does not know. It
// is not told to apply (and pay) again, but to record the certificate.
TEST(Plan, AnInstalledCertificateMissingFromTheLedgerCountsAndIsReported) {
  PlanInput in = input({{"1310123458", "テスト医院"}, {"1330123454", "テスト歯科"}});
  in.installed.emplace_back("1310123458", *held("x", "1310123458", kName, kSelf).certificate);
  const Plan plan = make_plan(in);
  ASSERT_EQ(plan.certificates.size(), 2u);
  EXPECT_EQ(plan.certificates[0].ledger.stage, Stage::active);
  EXPECT_FALSE(plan.certificates[0].apply);
  EXPECT_TRUE(plan.certificates[1].apply);
  EXPECT_EQ(plan.applications_needed, 1);
  EXPECT_EQ(plan.fee_yen, 1500);
  EXPECT_EQ(count_problems(plan, PlanProblem::Severity::warning,
                           "onshictl cert imported --institution 1310123458"),
            1u);
  // Once the ledger has it, nothing is reported.
  in.ledger.push_back(held("REQ-1", "1310123458", kName, kSelf));
  EXPECT_EQ(count_problems(make_plan(in), PlanProblem::Severity::warning, "not in the ledger"), 0u);
}

}  // namespace
}  // namespace onshi::ledger
