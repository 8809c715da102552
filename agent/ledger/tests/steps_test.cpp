// The steps of a certificate's life (steps.hpp): every allowed transition, and every impossible
// one refused with Errc::ledger_transition, a reason, and the record left as it was.
#include "onshi/ledger/steps.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "onshi/ledger/record_file.hpp"

#include "test_dates.hpp"

namespace onshi::ledger {
namespace {

using test::d;
using test::jst;

using namespace std::chrono;
using ::testing::HasSubstr;
using ::testing::Not;

const TerminalId kTerminalA{"0123456789abcdef0123456789abcdef", "uketsuke-1"};
const TerminalId kTerminalB{"fedcba9876543210fedcba9876543210", "shinsatsu-2"};

// Today is 2026-03-10 (Tue) in Japan.
Recording at_a(sys_seconds now = jst(2026, 3, 10, 10)) { return Recording{now, kTerminalA}; }
Recording at_b(sys_seconds now = jst(2026, 3, 10, 10)) { return Recording{now, kTerminalB}; }

constexpr const char* kCode = "0110113719";  // 北海道, 医科; check digit 9 (eligibility-system §2)

Application application(std::string request_id = "R0000123", sys_days applied_on = d(2026, 3, 2)) {
  return Application{std::move(request_id), kCode, "受付1号機",
                     Contact{"医事課 山田花子", "011-123-4567", "iji@example.jp"}, applied_on};
}

CertificateFacts cert(char fill = 'a') {
  CertificateFacts c;
  c.sha256 = std::string(64, fill);
  c.subject = "CN=受付1号機,O=オンシ内科";
  c.serial = "0a1b2c";
  c.not_before = jst(2026, 3, 6, 11);
  c.not_after = jst(2029, 6, 5, 23, 59, 59);
  return c;
}

Record applied() {
  auto r = new_application(application(), at_a());
  EXPECT_TRUE(r) << r.error().to_string();
  return *r;
}

Record issued() {
  Record r = applied();
  auto ok = record_issued(r, d(2026, 3, 6), d(2029, 6, 5), at_a());
  EXPECT_TRUE(ok) << ok.error().to_string();
  return r;
}

Record imported() {
  Record r = issued();
  auto ok = record_imported(r, cert(), at_a());
  EXPECT_TRUE(ok) << ok.error().to_string();
  return r;
}

Record revoked() {
  Record r = imported();
  auto ok = record_revoked(r, d(2026, 3, 9), at_a());
  EXPECT_TRUE(ok) << ok.error().to_string();
  return r;
}

Record cancelled() {
  Record r = applied();
  auto ok = record_cancelled(r, d(2026, 3, 3), at_a());
  EXPECT_TRUE(ok) << ok.error().to_string();
  return r;
}

Record replaced() {
  Record r = imported();
  auto ok = record_replaced(r, "R0000456", at_a());
  EXPECT_TRUE(ok) << ok.error().to_string();
  return r;
}

// Whether the record, once written by the ledger directory (which sets generation 1 on a new
// record), reads back.
Result<Record> written_and_read(Record r) {
  if (r.generation == 0) r.generation = 1;
  return parse_record(serialize_record(r));
}

// The record as a whole, for "left unchanged" checks.
std::string all_of(const Record& r) { return serialize_record(r); }

template <typename R>
void expect_refused(const R& result, const Record& before, const Record& after,
                    const std::string& why, Errc code = Errc::ledger_transition) {
  ASSERT_FALSE(result) << "expected a refusal mentioning \"" << why << "\"";
  EXPECT_EQ(result.error().code, code) << result.error().to_string();
  EXPECT_THAT(result.error().message, HasSubstr(why));
  EXPECT_EQ(all_of(after), all_of(before)) << "a refused step changed the record";
}

// ---- new_application ------------------------------------------------------------------------

TEST(Steps, NewApplicationIsAnAppliedRecordWithOneStep) {
  auto r = new_application(application(), at_a(jst(2026, 3, 2, 16, 30)));
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->id, "R0000123");
  EXPECT_EQ(r->request_id, "R0000123");
  EXPECT_EQ(r->institution, kCode);
  EXPECT_EQ(r->terminal_name, "受付1号機");
  EXPECT_EQ(r->contact.department_person, "医事課 山田花子");
  EXPECT_EQ(r->contact.phone, "011-123-4567");
  EXPECT_EQ(r->contact.email, "iji@example.jp");
  EXPECT_EQ(r->state, State::applied);
  EXPECT_EQ(r->applied_on, d(2026, 3, 2));
  EXPECT_FALSE(r->issued_on);
  EXPECT_FALSE(r->certificate);
  ASSERT_EQ(r->history.size(), 1u);
  EXPECT_EQ(r->history[0].kind, StepKind::applied);
  EXPECT_EQ(r->history[0].date, d(2026, 3, 2));
  EXPECT_EQ(r->history[0].recorded_at, jst(2026, 3, 2, 16, 30));
  EXPECT_EQ(r->history[0].recorded_by.machine_id, kTerminalA.machine_id);
  EXPECT_EQ(r->history[0].recorded_by.host, "uketsuke-1");
}

TEST(Steps, BadRequestIdsAreRefused) {
  for (const std::string& id :
       {std::string("a/b"), std::string(".."), std::string(65, '1'), std::string(),
        std::string("a\\b"), std::string("a b"), std::string(".hidden"), std::string("-x"),
        std::string("a:b"), std::string("受付")}) {
    SCOPED_TRACE("request ID \"" + id + "\"");
    auto r = new_application(application(id), at_a());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_THAT(r.error().message, HasSubstr("request ID"));
  }
  EXPECT_TRUE(new_application(application(std::string(64, '7')), at_a()));
  EXPECT_TRUE(new_application(application("2026.03-R_01"), at_a()));
}

TEST(Steps, NewApplicationRefusesABadCodeAndAnEmptyTerminalName) {
  Application a = application();
  a.institution = "0110113710";  // check digit should be 9
  auto r = new_application(a, at_a());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  EXPECT_THAT(r.error().message, HasSubstr("0110113710"));

  a = application();
  a.terminal_name.clear();
  r = new_application(a, at_a());
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("端末名称"));

  a = application();
  a.contact.phone = "011\n123";
  r = new_application(a, at_a());
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("電話番号"));
}

// Today is 2026-03-10 in Japan: the 11th (a clock a day behind the paper) is tolerated, the 12th
// is not.
TEST(Steps, AnApplicationDateInTheFutureIsRefusedButOneDayAheadIsTolerated) {
  EXPECT_TRUE(new_application(application("R1", d(2026, 3, 10)), at_a()));
  EXPECT_TRUE(new_application(application("R1", d(2026, 3, 11)), at_a()));
  auto r = new_application(application("R1", d(2026, 3, 12)), at_a());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::ledger_transition);
  EXPECT_THAT(r.error().message, HasSubstr("2026-03-12"));
  EXPECT_THAT(r.error().message, HasSubstr("after today"));
}

// "Today" is the Japanese day: 2026-03-10T15:00:00Z is already 2026-03-11 00:00 in Japan, so the
// 12th is one day ahead there; one second earlier it is two days ahead.
TEST(Steps, TheFutureIsJudgedByTheJapaneseDay) {
  const sys_seconds midnight_jst = sys_days{d(2026, 3, 10)} + hours{15};
  EXPECT_TRUE(new_application(application("R1", d(2026, 3, 12)), at_a(midnight_jst)));
  EXPECT_FALSE(new_application(application("R1", d(2026, 3, 12)), at_a(midnight_jst - seconds{1})));
}

// ---- applied → issued ---------------------------------------------------------------------------

TEST(Steps, AppliedToIssuedRecordsTheIssueDateAndTheExpiry) {
  Record r = applied();
  auto ok = record_issued(r, d(2026, 3, 6), d(2029, 6, 5), at_a());
  ASSERT_TRUE(ok) << ok.error().to_string();
  EXPECT_EQ(r.state, State::issued);
  EXPECT_EQ(r.issued_on, d(2026, 3, 6));
  EXPECT_EQ(r.expires_on, d(2029, 6, 5));
  EXPECT_EQ(r.applied_on, d(2026, 3, 2));
  ASSERT_EQ(r.history.size(), 2u);
  EXPECT_EQ(r.history[1].kind, StepKind::issued);
  EXPECT_EQ(r.history[1].date, d(2026, 3, 6));
  EXPECT_EQ(r.history[1].recorded_at, jst(2026, 3, 10, 10));
}

TEST(Steps, IssuedWithoutAnExpiryKeepsNone) {
  Record r = applied();
  ASSERT_TRUE(record_issued(r, d(2026, 3, 2), std::nullopt, at_a()));  // the same day is fine
  EXPECT_EQ(r.issued_on, d(2026, 3, 2));
  EXPECT_FALSE(r.expires_on);
}

TEST(Steps, IssuedBeforeTheApplicationIsRefused) {
  Record r = applied();
  const Record before = r;
  auto result = record_issued(r, d(2026, 3, 1), std::nullopt, at_a());
  expect_refused(result, before, r, "before the application date 2026-03-02");
  EXPECT_THAT(result.error().message, HasSubstr("2026-03-01"));
}

TEST(Steps, IssuedTwiceIsRefused) {
  Record r = issued();
  const Record before = r;
  expect_refused(record_issued(r, d(2026, 3, 7), std::nullopt, at_a()), before, r,
                 "already issued on 2026-03-06");
}

TEST(Steps, IssuedInTheFutureIsRefused) {
  Record r = applied();
  const Record before = r;
  expect_refused(record_issued(r, d(2026, 3, 12), std::nullopt, at_a()), before, r, "after today");
  EXPECT_TRUE(record_issued(r, d(2026, 3, 11), std::nullopt, at_a()));
}

TEST(Steps, AnExpiryNotAfterTheIssueDateIsRefused) {
  Record r = applied();
  const Record before = r;
  expect_refused(record_issued(r, d(2026, 3, 6), d(2026, 3, 6), at_a()), before, r,
                 "not after the issue date");
}

TEST(Steps, IssuingAnythingButAnApplicationIsRefused) {
  for (Record r : {imported(), revoked(), cancelled(), replaced()}) {
    SCOPED_TRACE(std::string(state_name(r.state)));
    const Record before = r;
    expect_refused(record_issued(r, d(2026, 3, 7), std::nullopt, at_a()), before, r,
                   std::string("this one is ") + std::string(state_name(r.state)));
  }
}

// ---- cancel and revoke --------------------------------------------------------------------------

TEST(Steps, AnApplicationCanBeCancelled) {
  Record r = applied();
  ASSERT_TRUE(record_cancelled(r, d(2026, 3, 3), at_a()));
  EXPECT_EQ(r.state, State::cancelled);
  EXPECT_EQ(r.cancelled_on, d(2026, 3, 3));
  EXPECT_EQ(r.history.back().kind, StepKind::cancelled);
  EXPECT_EQ(r.history.back().date, d(2026, 3, 3));
}

TEST(Steps, CancellingBeforeTheApplicationOrInTheFutureIsRefused) {
  Record r = applied();
  const Record before = r;
  expect_refused(record_cancelled(r, d(2026, 3, 1), at_a()), before, r,
                 "before the application date 2026-03-02");
  expect_refused(record_cancelled(r, d(2026, 3, 12), at_a()), before, r, "after today");
}

TEST(Steps, CancellingAnIssuedCertificateSaysToRevokeIt) {
  for (Record r : {issued(), imported()}) {
    SCOPED_TRACE(std::string(state_name(r.state)));
    const Record before = r;
    expect_refused(record_cancelled(r, d(2026, 3, 9), at_a()), before, r, "revoked instead");
  }
}

TEST(Steps, CancellingTwiceOrARevokedOrReplacedRecordIsRefused) {
  for (Record r : {cancelled(), revoked(), replaced()}) {
    SCOPED_TRACE(std::string(state_name(r.state)));
    const Record before = r;
    expect_refused(record_cancelled(r, d(2026, 3, 9), at_a()), before, r,
                   "only an application not yet issued can be cancelled");
  }
}

TEST(Steps, AnIssuedOrImportedCertificateCanBeRevoked) {
  for (Record r : {issued(), imported()}) {
    SCOPED_TRACE(std::string(state_name(r.state)));
    ASSERT_TRUE(record_revoked(r, d(2026, 3, 9), at_a()));
    EXPECT_EQ(r.state, State::revoked);
    EXPECT_EQ(r.revoked_on, d(2026, 3, 9));
    EXPECT_EQ(r.history.back().kind, StepKind::revoked);
  }
}

// The old certificate is often revoked on the portal after its successor is in use.
TEST(Steps, AReplacedCertificateCanBeRevoked) {
  Record r = replaced();
  ASSERT_TRUE(record_revoked(r, d(2026, 3, 10), at_a()));
  EXPECT_EQ(r.state, State::revoked);
}

TEST(Steps, RevokingAnApplicationSaysToCancelIt) {
  Record r = applied();
  const Record before = r;
  expect_refused(record_revoked(r, d(2026, 3, 9), at_a()), before, r,
                 "cancel the application instead");
}

TEST(Steps, RevokingTwiceOrACancelledApplicationIsRefused) {
  Record r = revoked();
  Record before = r;
  expect_refused(record_revoked(r, d(2026, 3, 10), at_a()), before, r, "revoked already");
  r = cancelled();
  before = r;
  // A cancelled application was never issued; either reason is right, but it must be refused.
  auto result = record_revoked(r, d(2026, 3, 10), at_a());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::ledger_transition);
  EXPECT_EQ(all_of(r), all_of(before));
}

TEST(Steps, RevokingBeforeTheIssueDateOrInTheFutureIsRefused) {
  Record r = issued();
  const Record before = r;
  expect_refused(record_revoked(r, d(2026, 3, 5), at_a()), before, r,
                 "before the issue date 2026-03-06");
  expect_refused(record_revoked(r, d(2026, 3, 12), at_a()), before, r, "after today");
}

// ---- import -------------------------------------------------------------------------------------

TEST(Steps, ImportOntoAnIssuedRecord) {
  Record r = issued();
  auto changed = record_imported(r, cert(), at_a(jst(2026, 3, 10, 14, 5)));
  ASSERT_TRUE(changed) << changed.error().to_string();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(r.state, State::imported);
  ASSERT_TRUE(r.certificate);
  EXPECT_EQ(r.certificate->sha256, std::string(64, 'a'));
  EXPECT_EQ(r.certificate->not_after, jst(2029, 6, 5, 23, 59, 59));
  ASSERT_TRUE(r.imported_by);
  EXPECT_EQ(r.imported_by->machine_id, kTerminalA.machine_id);
  EXPECT_EQ(r.imported_at, jst(2026, 3, 10, 14, 5));
  EXPECT_EQ(r.issued_on, d(2026, 3, 6));  // as recorded, not changed by the import
  EXPECT_EQ(r.history.back().kind, StepKind::imported);
  EXPECT_EQ(r.history.back().date, d(2026, 3, 10));
}

// notBefore 2026-03-06T15:30:00Z is 2026-03-07 00:30 in Japan: the issue date is the 7th, not
// the UTC day (the 6th).
TEST(Steps, ImportOntoAnAppliedRecordInfersTheIssueDateFromNotBeforeInJapanTime) {
  Record r = applied();
  CertificateFacts c = cert();
  c.not_before = sys_seconds{d(2026, 3, 6)} + hours{15} + minutes{30};
  auto changed = record_imported(r, c, at_a());
  ASSERT_TRUE(changed) << changed.error().to_string();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(r.state, State::imported);
  EXPECT_EQ(r.issued_on, d(2026, 3, 7));
  EXPECT_THAT(r.history.back().detail, HasSubstr("notBefore"));
}

// An application's own certificate cannot predate it; a record claiming so is also one the file
// parser refuses (issued_on before applied_on), so the step must not produce it.
TEST(Steps, ImportOntoAnApplicationOfACertificateOlderThanTheApplicationIsRefused) {
  Record r = applied();  // applied 2026-03-02
  const Record before = r;
  CertificateFacts c = cert();
  c.not_before = jst(2026, 2, 27, 9);
  expect_refused(record_imported(r, c, at_a()), before, r, "2026-02-27");
}

TEST(Steps, TheSameCertificateAgainIsANoOp) {
  Record r = imported();
  const Record before = r;
  auto changed = record_imported(r, cert(), at_a(jst(2026, 3, 10, 18)));
  ASSERT_TRUE(changed) << changed.error().to_string();
  EXPECT_FALSE(*changed);
  EXPECT_EQ(all_of(r), all_of(before));
}

TEST(Steps, AnotherCertificateOnARecordIsRefused) {
  for (Record r : {imported(), revoked(), replaced()}) {
    SCOPED_TRACE(std::string(state_name(r.state)));
    const Record before = r;
    expect_refused(record_imported(r, cert('b'), at_a()), before, r, "has its own record");
  }
}

TEST(Steps, ImportOntoARevokedOrCancelledRecordIsRefused) {
  Record r = revoked();
  Record before = r;
  expect_refused(record_imported(r, cert(), at_a()), before, r, "revoked certificate");
  r = cancelled();
  before = r;
  expect_refused(record_imported(r, cert(), at_a()), before, r, "cancelled");
}

TEST(Steps, ACertificateImportedOnOneTerminalIsRefusedOnAnother) {
  Record r = imported();  // on terminal A
  const Record before = r;
  auto result = record_imported(r, cert(), at_b());
  expect_refused(result, before, r, "uketsuke-1");
  EXPECT_THAT(result.error().message, HasSubstr("one certificate serves one terminal"));
}

// A rollback to the old certificate happens on the terminal that held it, not on another one.
TEST(Steps, AReplacedCertificateIsNotReinstatedOnAnotherTerminal) {
  Record r = replaced();  // held by terminal A
  const Record before = r;
  expect_refused(record_imported(r, cert(), at_b()), before, r, "uketsuke-1");
}

TEST(Steps, ImportRefusesBadCertificateFacts) {
  Record r = issued();
  const Record before = r;
  CertificateFacts c = cert();
  c.sha256 = std::string(64, 'A');
  expect_refused(record_imported(r, c, at_a()), before, r, "fingerprint", Errc::invalid_argument);
  c = cert();
  c.sha256.pop_back();
  expect_refused(record_imported(r, c, at_a()), before, r, "fingerprint", Errc::invalid_argument);
  c = cert();
  c.not_after = c.not_before;
  expect_refused(record_imported(r, c, at_a()), before, r, "validity", Errc::invalid_argument);
}

TEST(Steps, ReplacedThenImportedAgainIsAReinstatedRollback) {
  Record r = replaced();
  ASSERT_EQ(r.replaced_by, "R0000456");
  auto changed = record_imported(r, cert(), at_a(jst(2026, 3, 10, 17)));
  ASSERT_TRUE(changed) << changed.error().to_string();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(r.state, State::imported);
  EXPECT_FALSE(r.replaced_by);
  EXPECT_EQ(r.history.back().kind, StepKind::reinstated);
  EXPECT_THAT(r.history.back().detail, HasSubstr("R0000456"));
  EXPECT_EQ(r.imported_at, jst(2026, 3, 10, 17));
}

TEST(Steps, AdoptingAnInstalledCertificate) {
  CertificateFacts c = cert();
  c.sha256 = "0123456789abcdef" + std::string(48, 'e');
  c.not_before = sys_seconds{d(2025, 12, 31)} + hours{16};  // 2026-01-01 01:00 JST
  auto r = adopt_imported(kCode, "受付1号機", c, at_a());
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->id, "import-0123456789abcdef");
  EXPECT_TRUE(r->request_id.empty());
  EXPECT_EQ(r->state, State::imported);
  EXPECT_EQ(r->issued_on, d(2026, 1, 1));
  EXPECT_FALSE(r->applied_on);
  ASSERT_EQ(r->history.size(), 1u);
  EXPECT_EQ(r->history[0].kind, StepKind::imported);
  EXPECT_EQ(r->history[0].date, d(2026, 3, 10));
  // And the file reads back.
  auto again = written_and_read(*r);
  EXPECT_TRUE(again) << again.error().to_string();
}

// ---- replace --------------------------------------------------------------------------------

TEST(Steps, AnImportedCertificateCanBeReplaced) {
  Record r = imported();
  ASSERT_TRUE(record_replaced(r, "R0000456", at_a()));
  EXPECT_EQ(r.state, State::replaced);
  EXPECT_EQ(r.replaced_by, "R0000456");
  EXPECT_EQ(r.history.back().kind, StepKind::replaced);
  EXPECT_THAT(r.history.back().detail, HasSubstr("R0000456"));
}

TEST(Steps, ReplacingAnythingButACertificateInUseIsRefused) {
  for (Record r : {applied(), issued(), revoked(), cancelled(), replaced()}) {
    SCOPED_TRACE(std::string(state_name(r.state)));
    const Record before = r;
    expect_refused(record_replaced(r, "R0000789", at_a()), before, r,
                   "only a certificate in use can be replaced");
  }
  Record r = imported();
  const Record before = r;
  expect_refused(record_replaced(r, r.id, at_a()), before, r, "cannot replace itself");
}

// The successor's id is written into the file as replaced_by, which the parser checks.
TEST(Steps, ReplacingByABadRecordIdIsRefused) {
  for (const std::string& id :
       {std::string(), std::string("a/b"), std::string(".."), std::string(65, 'x')}) {
    SCOPED_TRACE("successor \"" + id + "\"");
    Record r = imported();
    const Record before = r;
    expect_refused(record_replaced(r, id, at_a()), before, r, "successor record",
                   Errc::invalid_argument);
  }
}

// An older backup imported again while a renewal waits for its download is not the renewal's
// certificate: refused by its dates, and certificate_mismatch says why.
TEST(Steps, ACertificateThatIsNotTheRequestsIsRefusedByItsDates) {
  Record r = issued();  // applied 2026-03-02, issued 2026-03-06, 証明書有効期限 2029-06-05
  const Record before = r;
  CertificateFacts other = cert('b');
  other.not_after = jst(2026, 4, 9, 23, 59, 59);
  ASSERT_TRUE(certificate_mismatch(r, other));
  expect_refused(record_imported(r, other, at_a()), before, r, "expires on 2026-04-09");
  other.not_after = cert().not_after;
  other.not_before = jst(2026, 3, 3, 11);  // after the application, days before the issue
  expect_refused(record_imported(r, other, at_a()), before, r, "before the issue date");
  other.not_before = jst(2023, 1, 10, 11);  // a backup from before the application
  expect_refused(record_imported(r, other, at_a()), before, r, "before the application date");
  // A day either way is time zones, not another certificate.
  CertificateFacts near = cert();
  near.not_before = jst(2026, 3, 5, 11);
  near.not_after = jst(2029, 6, 6, 9);
  EXPECT_FALSE(certificate_mismatch(r, near));
  EXPECT_TRUE(record_imported(r, near, at_a()));
}

// X.509's "no expiry" 9999-12-31T23:59:59Z is 10000-01-01 in Japan, beyond a file's dates.
TEST(Steps, ACertificateBeyondTheYear9999IsRefused) {
  Record r = issued();
  r.expires_on.reset();  // the portal's expiry would refuse this certificate first
  const Record before = r;
  CertificateFacts c = cert();
  c.not_after =
      sys_seconds{sys_days{year{9999} / December / 31}} + hours{23} + minutes{59} + seconds{59};
  expect_refused(record_imported(r, c, at_a()), before, r, "1900-9999", Errc::invalid_argument);
  c.not_after = sys_seconds{sys_days{year{9999} / December / 31}} + hours{14} + minutes{59} +
                seconds{59};  // 23:59:59 JST on 9999-12-31: the last moment a file can hold
  ASSERT_TRUE(record_imported(r, c, at_a()));
  auto again = written_and_read(r);
  EXPECT_TRUE(again) << again.error().to_string();
}

// ---- every state × every step -------------------------------------------------------------------

enum class Op { issue, import_, revoke, cancel, replace, edit };

// Whether the step is allowed from the state (steps.hpp; a repeated import is a no-op, allowed).
bool allowed(State s, Op op) {
  switch (op) {
    case Op::issue:
      return s == State::applied;
    case Op::import_:
      return s == State::applied || s == State::issued || s == State::imported ||
             s == State::replaced;
    case Op::revoke:
      return s == State::issued || s == State::imported || s == State::replaced;
    case Op::cancel:
      return s == State::applied;
    case Op::replace:
      return s == State::imported;
    case Op::edit:
      return s != State::cancelled;
  }
  return false;
}

TEST(Steps, EveryStateAgainstEveryStep) {
  const Record records[] = {applied(), issued(), imported(), revoked(), cancelled(), replaced()};
  for (const Record& start : records) {
    for (Op op : {Op::issue, Op::import_, Op::revoke, Op::cancel, Op::replace, Op::edit}) {
      SCOPED_TRACE(std::string(state_name(start.state)) + " op " +
                   std::to_string(static_cast<int>(op)));
      Record r = start;
      bool ok = false;
      Error error;
      auto take = [&](const auto& result) {
        ok = static_cast<bool>(result);
        if (!ok) error = result.error();
      };
      switch (op) {
        case Op::issue:
          take(record_issued(r, d(2026, 3, 9), std::nullopt, at_a()));
          break;
        case Op::import_:
          take(record_imported(r, cert(), at_a()));
          break;
        case Op::revoke:
          take(record_revoked(r, d(2026, 3, 10), at_a()));
          break;
        case Op::cancel:
          take(record_cancelled(r, d(2026, 3, 10), at_a()));
          break;
        case Op::replace:
          take(record_replaced(r, "R0000999", at_a()));
          break;
        case Op::edit:
          take(record_contact_edit(r, ContactChange{std::nullopt, "03-0000-0000", std::nullopt},
                                   at_a()));
          break;
      }
      if (allowed(start.state, op)) {
        EXPECT_TRUE(ok) << error.to_string();
        // Whatever a step produces, the file parser accepts.
        auto again = written_and_read(r);
        EXPECT_TRUE(again) << (again ? "" : again.error().to_string());
      } else {
        ASSERT_FALSE(ok);
        EXPECT_EQ(error.code, Errc::ledger_transition) << error.to_string();
        // The message names the record and its state, then says why.
        EXPECT_THAT(error.message, HasSubstr("R0000123"));
        EXPECT_THAT(error.message, HasSubstr(std::string(state_name(start.state))));
        EXPECT_EQ(all_of(r), all_of(start));
      }
    }
  }
}

// ---- contact edits ------------------------------------------------------------------------------

TEST(Steps, AContactEditChangesOnlyTheGivenFields) {
  Record r = issued();
  auto ok = record_contact_edit(r, ContactChange{std::nullopt, "011-999-0000", std::nullopt},
                                at_a(jst(2026, 3, 10, 9)));
  ASSERT_TRUE(ok) << ok.error().to_string();
  EXPECT_EQ(r.contact.department_person, "医事課 山田花子");
  EXPECT_EQ(r.contact.phone, "011-999-0000");
  EXPECT_EQ(r.contact.email, "iji@example.jp");
  EXPECT_EQ(r.state, State::issued);
  EXPECT_EQ(r.history.back().kind, StepKind::edited);
  EXPECT_EQ(r.history.back().date, d(2026, 3, 10));
  EXPECT_THAT(r.history.back().detail, HasSubstr("電話番号"));
  EXPECT_THAT(r.history.back().detail, Not(HasSubstr("メールアドレス")));

  // An empty string is a change too (the field is cleared), and several at once.
  ok = record_contact_edit(r, ContactChange{"総務課 佐藤", std::nullopt, ""}, at_a());
  ASSERT_TRUE(ok) << ok.error().to_string();
  EXPECT_EQ(r.contact.department_person, "総務課 佐藤");
  EXPECT_EQ(r.contact.phone, "011-999-0000");
  EXPECT_EQ(r.contact.email, "");
}

TEST(Steps, AContactEditOfACancelledApplicationIsRefused) {
  Record r = cancelled();
  const Record before = r;
  expect_refused(
      record_contact_edit(r, ContactChange{"総務課", std::nullopt, std::nullopt}, at_a()), before,
      r, "cancelled application cannot be edited");
}

TEST(Steps, AContactEditThatChangesNothingIsRefused) {
  Record r = applied();
  const Record before = r;
  expect_refused(record_contact_edit(r, ContactChange{}, at_a()), before, r, "nothing to change",
                 Errc::invalid_argument);
  expect_refused(record_contact_edit(
                     r, ContactChange{"医事課 山田花子", "011-123-4567", std::nullopt}, at_a()),
                 before, r, "nothing to change", Errc::invalid_argument);
}

// A bad field refuses the whole edit: the fields before it must not have been changed either.
TEST(Steps, AContactEditWithOneBadFieldChangesNothing) {
  Record r = applied();
  const Record before = r;
  expect_refused(
      record_contact_edit(r, ContactChange{"総務課 佐藤", "011\t999", std::nullopt}, at_a()),
      before, r, "電話番号", Errc::invalid_argument);
  expect_refused(record_contact_edit(
                     r, ContactChange{"総務課 佐藤", std::nullopt, std::string(300, 'x')}, at_a()),
                 before, r, "メールアドレス", Errc::invalid_argument);
}

// ---- the history limit --------------------------------------------------------------------------

// Steps recorded by a terminal with a short machine id and no host name, so that the count, not
// the file's size, is what runs out.
TEST(Steps, ARecordTakesAtMostKMaxHistorySteps) {
  const Recording small{jst(2026, 3, 10, 10), TerminalId{"m", ""}};
  auto made = new_application(application(), small);
  ASSERT_TRUE(made) << made.error().to_string();
  Record r = *made;
  while (r.history.size() + 1 < kMaxHistory) {
    r.history.push_back(Step{StepKind::edited, d(2026, 3, 9), jst(2026, 3, 9, 9), {"m", ""}, ""});
  }
  ASSERT_TRUE(
      record_contact_edit(r, ContactChange{std::nullopt, "03-0000-0000", std::nullopt}, small));
  ASSERT_EQ(r.history.size(), kMaxHistory);
  const Record before = r;
  expect_refused(
      record_contact_edit(r, ContactChange{std::nullopt, "03-1111-1111", std::nullopt}, small),
      before, r, "256 steps");
  expect_refused(record_issued(r, d(2026, 3, 6), std::nullopt, small), before, r, "256 steps");
  expect_refused(record_cancelled(r, d(2026, 3, 6), small), before, r, "256 steps");
  expect_refused(record_imported(r, cert(), small), before, r, "256 steps");
  // What was written reads back.
  auto again = written_and_read(r);
  EXPECT_TRUE(again) << again.error().to_string();
}

// A record whose file would outgrow kMaxRecordFileBytes takes no more steps, even below
// kMaxHistory: the ledger must never write a file it cannot read back.
TEST(Steps, ARecordNearTheFileSizeLimitTakesNoMoreSteps) {
  Record r = applied();
  std::optional<Error> refused;
  // Every step recorded by a terminal whose machine id and host are the longest text allowed, all
  // quotes (each written \" in JSON): 256 such steps would not fit the file.
  const std::string quotes(kMaxTextBytes, '"');
  const Recording wordy{jst(2026, 3, 10, 10), TerminalId{quotes, quotes}};
  for (std::size_t i = 0; i < kMaxHistory && !refused; ++i) {
    auto ok = record_contact_edit(
        r, ContactChange{std::nullopt, "03-0000-" + std::to_string(1000 + i), std::nullopt}, wordy);
    if (!ok) refused = ok.error();
  }
  ASSERT_TRUE(refused) << "no refusal after " << r.history.size() << " steps";
  EXPECT_EQ(refused->code, Errc::ledger_transition);
  EXPECT_THAT(refused->message, HasSubstr("bytes"));
  EXPECT_LT(r.history.size(), kMaxHistory);
  auto again = written_and_read(r);
  EXPECT_TRUE(again) << again.error().to_string();
}

TEST(Steps, AStepWithoutAMachineIdIsRefused) {
  const Recording nobody{jst(2026, 3, 10, 10), TerminalId{"", "uketsuke-1"}};
  auto made = new_application(application(), nobody);
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().code, Errc::invalid_argument);
  EXPECT_THAT(made.error().message, HasSubstr("machine id"));
  Record r = applied();
  const Record before = r;
  expect_refused(record_issued(r, d(2026, 3, 6), std::nullopt, nobody), before, r, "machine id",
                 Errc::invalid_argument);
}

// ---- text checks --------------------------------------------------------------------------------

TEST(Steps, TextProblems) {
  EXPECT_FALSE(text_problem("受付1号機", false));
  EXPECT_FALSE(text_problem("", true));
  EXPECT_TRUE(text_problem("", false));
  EXPECT_FALSE(text_problem(std::string(kMaxTextBytes, 'x'), false));
  EXPECT_THAT(text_problem(std::string(kMaxTextBytes + 1, 'x'), false).value_or(""),
              HasSubstr("bytes"));
  EXPECT_THAT(text_problem("a\x01z", false).value_or(""), HasSubstr("control"));
  EXPECT_THAT(text_problem("a\x7fz", false).value_or(""), HasSubstr("control"));
  EXPECT_THAT(text_problem("a\xc2\x85z", false).value_or(""), HasSubstr("control"));  // U+0085
  EXPECT_THAT(text_problem("a\xffz", false).value_or(""), HasSubstr("UTF-8"));
  EXPECT_THAT(text_problem("\xe5\x8f", false).value_or(""), HasSubstr("UTF-8"));  // truncated
  EXPECT_THAT(text_problem("\xc0\xaf", false).value_or(""), HasSubstr("UTF-8"));  // overlong '/'
  EXPECT_THAT(text_problem("\xed\xa0\x80", false).value_or(""), HasSubstr("UTF-8"));  // U+D800
  EXPECT_THAT(text_problem("\xf4\x90\x80\x80", false).value_or(""), HasSubstr("UTF-8"));
  EXPECT_FALSE(text_problem("\xf0\x9f\x98\x80", false));  // U+1F600 is fine
}

// The notice window is fixed when the application is recorded, and survives the file.
TEST(Steps, AnApplicationStoresItsNoticeWindow) {
  // Fri 2026-12-25: Mon 12/28 is a business day, 12/29-1/3 the break, then Mon 1/4 …
  auto r = new_application(application("R0000124", d(2026, 12, 25)),
                           Recording{jst(2026, 12, 25, 10), kTerminalA});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->notice_earliest, d(2027, 1, 4));
  EXPECT_EQ(r->notice_latest, d(2027, 1, 7));
  auto again = written_and_read(*r);
  ASSERT_TRUE(again) << again.error().to_string();
  EXPECT_EQ(again->notice_earliest, d(2027, 1, 4));
  EXPECT_EQ(again->notice_latest, d(2027, 1, 7));
}

}  // namespace
}  // namespace onshi::ledger
