// A record's file (record_file.hpp): what is written reads back the same in every state, and a
// file that is not a sound record — hand-edited, half-written, from a newer onshi — is refused with
// Errc::ledger_invalid naming where the problem is.
#include "onshi/ledger/record_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "onshi/ledger/steps.hpp"

#include "test_dates.hpp"

namespace onshi::ledger {
namespace {

using test::d;
using test::jst;

using namespace std::chrono;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const TerminalId kA{"0123456789abcdef0123456789abcdef", "uketsuke-1"};
const TerminalId kB{"fedcba9876543210fedcba9876543210", "調剤室PC"};

CertificateFacts facts() {
  CertificateFacts c;
  c.sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  c.subject = "CN=受付1号機,O=わかやま歯科医院";
  c.serial = "00c0ffee";
  c.not_before = jst(2026, 3, 6, 11, 22, 33);
  c.not_after = jst(2029, 6, 5, 23, 59, 59);
  return c;
}

// A record with every field of `state` filled in, built by hand (not by the steps).
Record record_in(State state) {
  Record r;
  r.generation = 7;
  r.id = "R0000123";
  r.request_id = "R0000123";
  r.institution = "3030123453";
  r.terminal_name = "受付1号機";
  r.contact = {"医事課 山田花子", "073-123-4567", "iji@example.jp"};
  r.state = state;
  r.applied_on = d(2026, 3, 2);
  r.history.push_back(
      {StepKind::applied, d(2026, 3, 2), jst(2026, 3, 2, 16, 30), kA, "申請情報受付のお知らせ"});
  if (state == State::applied) return r;
  if (state == State::cancelled) {
    r.cancelled_on = d(2026, 3, 3);
    r.history.push_back({StepKind::cancelled, d(2026, 3, 3), jst(2026, 3, 3, 9), kB, ""});
    return r;
  }
  r.issued_on = d(2026, 3, 6);
  r.expires_on = d(2029, 6, 5);
  r.history.push_back({StepKind::issued, d(2026, 3, 6), jst(2026, 3, 9, 8, 1, 2), kA, ""});
  r.history.push_back(
      {StepKind::edited, d(2026, 3, 9), jst(2026, 3, 9, 8, 3), kB, "changed 電話番号"});
  if (state == State::issued) return r;
  if (state != State::revoked) {
    r.certificate = facts();
    r.imported_by = kB;
    r.imported_at = jst(2026, 3, 10, 14, 5, 6);
    r.history.push_back({StepKind::imported, d(2026, 3, 10), jst(2026, 3, 10, 14, 5, 6), kB, ""});
  }
  if (state == State::revoked) {
    r.revoked_on = d(2026, 3, 11);
    r.history.push_back({StepKind::revoked, d(2026, 3, 11), jst(2026, 3, 11, 12), kA, "紛失"});
  }
  if (state == State::replaced) {
    r.replaced_by = "R0000456";
    r.history.push_back(
        {StepKind::replaced, d(2029, 3, 1), jst(2029, 3, 1, 10), kB, "by R0000456"});
  }
  return r;
}

void expect_same_terminal(const TerminalId& a, const TerminalId& b) {
  EXPECT_EQ(a.machine_id, b.machine_id);
  EXPECT_EQ(a.host, b.host);
}

// Field by field, so that a field neither written nor read is noticed.
void expect_same(const Record& a, const Record& b) {
  EXPECT_EQ(a.generation, b.generation);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.request_id, b.request_id);
  EXPECT_EQ(a.institution, b.institution);
  EXPECT_EQ(a.terminal_name, b.terminal_name);
  EXPECT_EQ(a.contact.department_person, b.contact.department_person);
  EXPECT_EQ(a.contact.phone, b.contact.phone);
  EXPECT_EQ(a.contact.email, b.contact.email);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.applied_on, b.applied_on);
  EXPECT_EQ(a.issued_on, b.issued_on);
  EXPECT_EQ(a.expires_on, b.expires_on);
  EXPECT_EQ(a.revoked_on, b.revoked_on);
  EXPECT_EQ(a.cancelled_on, b.cancelled_on);
  ASSERT_EQ(a.certificate.has_value(), b.certificate.has_value());
  if (a.certificate) {
    EXPECT_EQ(a.certificate->sha256, b.certificate->sha256);
    EXPECT_EQ(a.certificate->subject, b.certificate->subject);
    EXPECT_EQ(a.certificate->serial, b.certificate->serial);
    EXPECT_EQ(a.certificate->not_before, b.certificate->not_before);
    EXPECT_EQ(a.certificate->not_after, b.certificate->not_after);
  }
  ASSERT_EQ(a.imported_by.has_value(), b.imported_by.has_value());
  if (a.imported_by) expect_same_terminal(*a.imported_by, *b.imported_by);
  EXPECT_EQ(a.imported_at, b.imported_at);
  EXPECT_EQ(a.replaced_by, b.replaced_by);
  ASSERT_EQ(a.history.size(), b.history.size());
  for (std::size_t i = 0; i < a.history.size(); ++i) {
    SCOPED_TRACE("history[" + std::to_string(i) + "]");
    EXPECT_EQ(a.history[i].kind, b.history[i].kind);
    EXPECT_EQ(a.history[i].date, b.history[i].date);
    EXPECT_EQ(a.history[i].recorded_at, b.history[i].recorded_at);
    expect_same_terminal(a.history[i].recorded_by, b.history[i].recorded_by);
    EXPECT_EQ(a.history[i].detail, b.history[i].detail);
  }
}

TEST(RecordFile, EveryStateRoundTrips) {
  for (State s : {State::applied, State::issued, State::imported, State::revoked, State::cancelled,
                  State::replaced}) {
    SCOPED_TRACE(std::string(state_name(s)));
    const Record r = record_in(s);
    const std::string text = serialize_record(r);
    auto back = parse_record(text);
    ASSERT_TRUE(back) << back.error().to_string() << "\n" << text;
    expect_same(r, *back);
    EXPECT_EQ(serialize_record(*back), text);
  }
}

TEST(RecordFile, AnAdoptedCertificateWithoutRequestIdRoundTrips) {
  Record r = record_in(State::imported);
  r.id = "import-9f86d081884c7d65";
  r.request_id.clear();
  r.applied_on.reset();
  r.expires_on.reset();
  r.contact = {};
  r.history.erase(r.history.begin(), r.history.begin() + 3);
  auto back = parse_record(serialize_record(r));
  ASSERT_TRUE(back) << back.error().to_string();
  expect_same(r, *back);
}

// The file is for people too: UTF-8 as is, dates as days, times in Japan time.
TEST(RecordFile, TheFileIsReadableText) {
  const std::string text = serialize_record(record_in(State::imported));
  EXPECT_THAT(text, HasSubstr("\"onshi_ledger\": 1"));
  EXPECT_THAT(text, HasSubstr("\"terminal_name\": \"受付1号機\""));
  EXPECT_THAT(text, HasSubstr("\"issued_on\": \"2026-03-06\""));
  EXPECT_THAT(text, HasSubstr("\"not_after\": \"2029-06-05T23:59:59+09:00\""));
  EXPECT_THAT(text, HasSubstr("\"state\": \"imported\""));
}

// ---- a file written by hand, as another onshi (or a person) may have written it -----------------

const std::string kIssued = R"({
  "onshi_ledger": 1,
  "generation": 3,
  "id": "R0000123",
  "request_id": "R0000123",
  "institution": "3030123453",
  "terminal_name": "受付1号機",
  "contact": {"department_person": "医事課 山田花子", "phone": "073-123-4567", "email": "iji@example.jp"},
  "state": "issued",
  "applied_on": "2026-03-02",
  "issued_on": "2026-03-06",
  "expires_on": "2029-06-05",
  "history": [
    {"step": "applied", "date": "2026-03-02", "recorded_at": "2026-03-02T16:30:00+09:00",
     "machine_id": "0123456789abcdef0123456789abcdef", "host": "uketsuke-1"},
    {"step": "issued", "date": "2026-03-06", "recorded_at": "2026-03-10T10:00:00+09:00",
     "machine_id": "0123456789abcdef0123456789abcdef", "host": "uketsuke-1", "detail": "通知書"}
  ]
}
)";

const std::string kImported = R"({
  "onshi_ledger": 1,
  "generation": 4,
  "id": "R0000123",
  "request_id": "R0000123",
  "institution": "3030123453",
  "terminal_name": "受付1号機",
  "state": "imported",
  "applied_on": "2026-03-02",
  "issued_on": "2026-03-06",
  "certificate": {
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "subject": "CN=受付1号機", "serial": "00c0ffee",
    "not_before": "2026-03-06T11:22:33+09:00", "not_after": "2029-06-05T23:59:59+09:00"
  },
  "imported": {"machine_id": "0123456789abcdef0123456789abcdef", "host": "uketsuke-1",
               "at": "2026-03-10T14:05:06+09:00"},
  "history": [
    {"step": "applied", "date": "2026-03-02", "recorded_at": "2026-03-02T16:30:00+09:00",
     "machine_id": "0123456789abcdef0123456789abcdef"},
    {"step": "imported", "date": "2026-03-10", "recorded_at": "2026-03-10T14:05:06+09:00",
     "machine_id": "0123456789abcdef0123456789abcdef"}
  ]
}
)";

// `text` with its only occurrence of `from` replaced by `to`.
std::string with(const std::string& text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << "not unique: " << from;
  if (at == std::string::npos) return text;
  std::string out = text;
  out.replace(at, from.size(), to);
  return out;
}

// Refused as ledger_invalid, the message starting with the key path.
void expect_invalid(const std::string& text, const std::string& key, const std::string& why = "") {
  auto r = parse_record(text);
  ASSERT_FALSE(r) << "parsed, expected a problem at " << key;
  EXPECT_EQ(r.error().code, Errc::ledger_invalid);
  EXPECT_THAT(r.error().message, StartsWith(key + ":"));
  if (!why.empty()) {
    EXPECT_THAT(r.error().message, HasSubstr(why));
  }
}

TEST(RecordFile, AHandWrittenFileParsesToItsValues) {
  auto r = parse_record(kIssued);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->generation, 3u);
  EXPECT_EQ(r->id, "R0000123");
  EXPECT_EQ(r->institution, "3030123453");
  EXPECT_EQ(r->terminal_name, "受付1号機");
  EXPECT_EQ(r->contact.department_person, "医事課 山田花子");
  EXPECT_EQ(r->state, State::issued);
  EXPECT_EQ(r->applied_on, d(2026, 3, 2));
  EXPECT_EQ(r->issued_on, d(2026, 3, 6));
  EXPECT_EQ(r->expires_on, d(2029, 6, 5));
  ASSERT_EQ(r->history.size(), 2u);
  EXPECT_EQ(r->history[1].kind, StepKind::issued);
  EXPECT_EQ(r->history[1].recorded_at, jst(2026, 3, 10, 10));
  EXPECT_EQ(r->history[1].detail, "通知書");

  auto i = parse_record(kImported);
  ASSERT_TRUE(i) << i.error().to_string();
  ASSERT_TRUE(i->certificate);
  EXPECT_EQ(i->certificate->not_before, jst(2026, 3, 6, 11, 22, 33));
  EXPECT_EQ(i->certificate->not_after, jst(2029, 6, 5, 23, 59, 59));
  ASSERT_TRUE(i->imported_by);
  EXPECT_EQ(i->imported_by->host, "uketsuke-1");
  EXPECT_EQ(i->imported_at, jst(2026, 3, 10, 14, 5, 6));
  EXPECT_TRUE(i->history[0].recorded_by.host.empty());
}

TEST(RecordFile, NotJsonIsRefused) {
  for (const std::string& text : {std::string(""), std::string("hello"),
                                  std::string("onshi_ledger = 1\n"), std::string("{,}")}) {
    SCOPED_TRACE(text);
    auto r = parse_record(text);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::ledger_invalid);
    EXPECT_THAT(r.error().message, HasSubstr("not JSON"));
  }
}

TEST(RecordFile, ATruncatedFileIsRefused) {
  // Cut in the middle of the history, as a write interrupted halfway leaves it.
  const std::string cut = kIssued.substr(0, kIssued.find("\"issued\", \"date\"") + 12);
  auto r = parse_record(cut);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::ledger_invalid);
  EXPECT_THAT(r.error().message, HasSubstr("not JSON"));
  // A whole document that is not an object is not a record either.
  expect_invalid("[1, 2]", "(file)");
  expect_invalid("\"R0000123\"", "(file)");
}

TEST(RecordFile, ANewerFormatIsRefusedWithAdvice) {
  expect_invalid(with(kIssued, "\"onshi_ledger\": 1", "\"onshi_ledger\": 2"), "onshi_ledger",
                 "newer");
  expect_invalid(with(kIssued, "\"onshi_ledger\": 1", "\"onshi_ledger\": 0"), "onshi_ledger");
  expect_invalid(with(kIssued, "\"onshi_ledger\": 1", "\"onshi_ledger\": \"1\""), "onshi_ledger");
  expect_invalid(with(kIssued, "\"onshi_ledger\": 1,", ""), "onshi_ledger", "missing");
}

TEST(RecordFile, GenerationMustBePositive) {
  expect_invalid(with(kIssued, "\"generation\": 3", "\"generation\": 0"), "generation");
  expect_invalid(with(kIssued, "\"generation\": 3", "\"generation\": -3"), "generation");
  expect_invalid(with(kIssued, "\"generation\": 3", "\"generation\": 3.5"), "generation");
  expect_invalid(with(kIssued, "\"generation\": 3", "\"generation\": \"3\""), "generation");
  expect_invalid(with(kIssued, "\"generation\": 3,", ""), "generation", "missing");
}

TEST(RecordFile, AStateWithoutItsRequiredFieldIsRefused) {
  expect_invalid(with(kIssued, "\"issued_on\": \"2026-03-06\",", ""), "issued_on", "issued");
  expect_invalid(with(kIssued, "\"state\": \"issued\"", "\"state\": \"revoked\""), "revoked_on");
  expect_invalid(with(kIssued, "\"state\": \"issued\"", "\"state\": \"cancelled\""),
                 "cancelled_on");
  expect_invalid(with(kIssued, "\"state\": \"issued\"", "\"state\": \"imported\""), "certificate");
  expect_invalid(with(kIssued, "\"state\": \"issued\"", "\"state\": \"replaced\""), "replaced_by");
  expect_invalid(with(kImported, "\"state\": \"imported\"", "\"state\": \"replaced\""),
                 "replaced_by");
  expect_invalid(with(with(kIssued, "\"state\": \"issued\"", "\"state\": \"applied\""),
                      "\"applied_on\": \"2026-03-02\",", ""),
                 "applied_on");
  // imported without who holds it
  const auto from = kImported.find("  \"imported\": {");
  const auto to = kImported.find("\"history\"");
  expect_invalid(kImported.substr(0, from) + kImported.substr(to - 2), "imported");
  // an issue date before the application
  expect_invalid(with(kIssued, "\"issued_on\": \"2026-03-06\"", "\"issued_on\": \"2026-03-01\""),
                 "issued_on", "before applied_on");
  // no history at all
  const auto h = kIssued.find(",\n  \"history\"");
  expect_invalid(kIssued.substr(0, h) + "\n}\n", "history", "missing");
  expect_invalid(kIssued.substr(0, h) + ",\n  \"history\": []\n}\n", "history", "empty");
}

TEST(RecordFile, ImpossibleDatesAreRefused) {
  expect_invalid(with(kIssued, "\"applied_on\": \"2026-03-02\"", "\"applied_on\": \"2023-02-29\""),
                 "applied_on", "not a date");
  expect_invalid(with(kIssued, "\"expires_on\": \"2029-06-05\"", "\"expires_on\": \"2029-6-5\""),
                 "expires_on", "not a date");
  expect_invalid(with(kIssued, "\"expires_on\": \"2029-06-05\"", "\"expires_on\": 20290605"),
                 "expires_on", "not a string");
  expect_invalid(with(kIssued, "\"date\": \"2026-03-06\"", "\"date\": \"2026-02-30\""),
                 "history[1].date", "not a date");
  // 2024 is a leap year: its 29 February is a date.
  EXPECT_TRUE(parse_record(
      with(with(kIssued, "\"applied_on\": \"2026-03-02\"", "\"applied_on\": \"2024-02-29\""),
           "\"date\": \"2026-03-02\"", "\"date\": \"2024-02-29\"")));
}

TEST(RecordFile, ABadCheckDigitIsRefused) {
  expect_invalid(
      with(kIssued, "\"institution\": \"3030123453\"", "\"institution\": \"3030123454\""),
      "institution", "check digit");
  expect_invalid(with(kIssued, "\"institution\": \"3030123453\"", "\"institution\": \"303012345\""),
                 "institution");
}

TEST(RecordFile, BadTextIsRefused) {
  expect_invalid(
      with(kIssued, "\"terminal_name\": \"受付1号機\"", "\"terminal_name\": \"受付\\u0001号機\""),
      "terminal_name", "control character");
  expect_invalid(with(kIssued, "\"detail\": \"通知書\"", "\"detail\": \"通知書\\n\""),
                 "history[1].detail", "control character");
  expect_invalid(with(kIssued, "\"phone\": \"073-123-4567\"",
                      "\"phone\": \"" + std::string(kMaxTextBytes + 1, '0') + "\""),
                 "contact.phone", "bytes");
  expect_invalid(with(kIssued, "\"terminal_name\": \"受付1号機\"", "\"terminal_name\": \"\""),
                 "terminal_name", "empty");
  expect_invalid(with(kIssued, "\"id\": \"R0000123\"", "\"id\": \"../R0000123\""), "id");
  expect_invalid(with(kIssued, "\"terminal_name\": \"受付1号機\"", "\"terminal_name\": 1"),
                 "terminal_name", "not a string");
}

// A raw byte that is not UTF-8 stops the JSON parser itself; the message still says where.
TEST(RecordFile, InvalidUtf8IsRefusedSayingWhere) {
  const std::string text =
      with(kIssued, "\"terminal_name\": \"受付1号機\"", "\"terminal_name\": \"受付\xff号機\"");
  auto r = parse_record(text);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::ledger_invalid);
  EXPECT_THAT(r.error().message, StartsWith("terminal_name:"));
  EXPECT_THAT(r.error().message, HasSubstr("line 7"));
  EXPECT_THAT(r.error().message, HasSubstr("UTF-8"));
  // The message is itself valid text (it goes to logs and the API).
  EXPECT_FALSE(text_problem(r.error().message, false)) << r.error().message;

  const std::string in_history =
      with(kIssued, "\"detail\": \"通知書\"", "\"detail\": \"通知\xe6\x9b\"");
  r = parse_record(in_history);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, StartsWith("history[1].detail:"));
  EXPECT_FALSE(text_problem(r.error().message, false)) << r.error().message;
}

TEST(RecordFile, ATooLargeFileIsRefusedUnread) {
  std::string text = kIssued;
  text.insert(text.size() - 2, std::string(kMaxRecordFileBytes, ' '));
  auto r = parse_record(text);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::ledger_invalid);
  EXPECT_THAT(r.error().message, HasSubstr(std::to_string(kMaxRecordFileBytes)));
  // Exactly the limit is fine.
  text = kIssued;
  text.insert(text.size() - 2, std::string(kMaxRecordFileBytes - kIssued.size(), ' '));
  ASSERT_EQ(text.size(), kMaxRecordFileBytes);
  EXPECT_TRUE(parse_record(text));
}

TEST(RecordFile, UnknownStatesAndStepsAreRefused) {
  expect_invalid(with(kIssued, "\"state\": \"issued\"", "\"state\": \"downloaded\""), "state",
                 "downloaded");
  expect_invalid(with(kIssued, "\"state\": \"issued\"", "\"state\": \"Issued\""), "state");
  expect_invalid(with(kIssued, "\"step\": \"issued\"", "\"step\": \"mailed\""), "history[1].step",
                 "mailed");
  expect_invalid(with(kIssued, "\"step\": \"applied\"", "\"step\": 1"), "history[0].step");
}

TEST(RecordFile, AHistoryLongerThanTheLimitIsRefused) {
  const std::string step =
      R"({"step": "edited", "date": "2026-03-09", "recorded_at": "2026-03-09T10:00:00+09:00", )"
      R"("machine_id": "m"})";
  std::string steps;
  for (std::size_t i = 0; i + 2 < kMaxHistory; ++i) steps += ",\n" + step;
  const std::string at_limit =
      with(kIssued, "\"detail\": \"通知書\"}", "\"detail\": \"通知書\"}" + steps);
  auto r = parse_record(at_limit);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->history.size(), kMaxHistory);
  expect_invalid(
      with(kIssued, "\"detail\": \"通知書\"}", "\"detail\": \"通知書\"}" + steps + ",\n" + step),
      "history", "257");
}

// A compact file (no indentation) within the limit may be larger than the limit once the ledger
// writes it back indented; such a record could never take another step, so it is refused.
TEST(RecordFile, ACompactFileThatWouldOutgrowTheLimitWhenWrittenBackIsRefused) {
  // Steps whose host and machine id are all quotes (each written \" in JSON): the longest
  // compact file under the limit leaves no room for the indentation of a write back.
  std::string text;
  for (std::size_t n = kMaxTextBytes; n > 0 && (text.empty() || text.size() > kMaxRecordFileBytes);
       --n) {
    std::string quotes;
    for (std::size_t k = 0; k < n; ++k) quotes += "\\\"";
    const std::string step = R"({"step":"edited","date":"2026-03-09","recorded_at":)"
                             R"("2026-03-09T10:00:00+09:00","machine_id":")" +
                             quotes + R"(","host":")" + quotes +
                             R"(","detail":"changed 電話番号"})";
    std::string steps;
    for (std::size_t i = 0; i + 2 < kMaxHistory; ++i) steps += "," + step;
    text = with(kIssued, "\"detail\": \"通知書\"}", "\"detail\": \"通知書\"}" + steps);
  }
  ASSERT_LE(text.size(), kMaxRecordFileBytes);
  expect_invalid(text, "history", "once written back");
}

TEST(RecordFile, CertificateFactsAreChecked) {
  const std::string sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  expect_invalid(
      with(kImported, sha, "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"),
      "certificate.sha256", "hex");
  expect_invalid(with(kImported, sha, sha.substr(0, 63) + "g"), "certificate.sha256", "hex");
  expect_invalid(with(kImported, sha, sha.substr(0, 62)), "certificate.sha256", "hex");
  expect_invalid(with(kImported, "\"not_after\": \"2029-06-05T23:59:59+09:00\"",
                      "\"not_after\": \"2026-03-06T11:22:33+09:00\""),
                 "certificate.not_after", "not after not_before");
  expect_invalid(with(kImported, "\"not_after\": \"2029-06-05T23:59:59+09:00\"",
                      "\"not_after\": \"2025-03-06T11:22:33+09:00\""),
                 "certificate.not_after");
  // The same instant written in UTC is still not after it.
  expect_invalid(with(kImported, "\"not_after\": \"2029-06-05T23:59:59+09:00\"",
                      "\"not_after\": \"2026-03-06T02:22:33Z\""),
                 "certificate.not_after");
  expect_invalid(with(kImported, "\"not_before\": \"2026-03-06T11:22:33+09:00\"",
                      "\"not_before\": \"2026-03-06 11:22:33+09:00\""),
                 "certificate.not_before", "not a time");
}

TEST(RecordFile, UnknownKeysAreIgnored) {
  std::string text = with(kIssued, "\"onshi_ledger\": 1,",
                          "\"onshi_ledger\": 1,\n  \"added_by_a_newer_onshi\": {\"x\": [1, 2]},");
  text = with(text, "\"email\": \"iji@example.jp\"", "\"email\": \"iji@example.jp\", \"fax\": 5");
  text =
      with(text, "\"detail\": \"通知書\"", "\"detail\": \"通知書\", \"tracking\": \"1234-5678\"");
  auto r = parse_record(text);
  ASSERT_TRUE(r) << r.error().to_string();
  expect_same(*r, *parse_record(kIssued));
}

// Another onshi (or a person) may write times in UTC or another offset: the instant is what
// counts. 2026-03-10T10:00:00+09:00 is 01:00Z.
TEST(RecordFile, TimesWithZOrOtherOffsetsAreTheSameInstant) {
  for (const std::string& t :
       {std::string("2026-03-10T10:00:00+09:00"), std::string("2026-03-10T01:00:00Z"),
        std::string("2026-03-09T20:00:00-05:00"), std::string("2026-03-10T06:30:00+05:30"),
        std::string("2026-03-10T01:00:00+00:00"), std::string("2026-03-09T23:00:00-02:00")}) {
    SCOPED_TRACE(t);
    auto r = parse_record(with(kIssued, "\"recorded_at\": \"2026-03-10T10:00:00+09:00\"",
                               "\"recorded_at\": \"" + t + "\""));
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->history[1].recorded_at, sys_seconds{d(2026, 3, 10)} + hours{1});
  }
  // Across a month and a year boundary: 2027-01-01T08:59:59+09:00 is 2026-12-31T23:59:59Z.
  auto r = parse_record(with(kIssued, "\"recorded_at\": \"2026-03-10T10:00:00+09:00\"",
                             "\"recorded_at\": \"2027-01-01T08:59:59+09:00\""));
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->history[1].recorded_at,
            sys_seconds{d(2026, 12, 31)} + hours{23} + minutes{59} + seconds{59});
  // Written back, it is Japan time.
  EXPECT_THAT(serialize_record(*r), HasSubstr("\"recorded_at\": \"2027-01-01T08:59:59+09:00\""));
}

TEST(RecordFile, MalformedTimesAreRefused) {
  for (const std::string& t :
       {std::string("2026-03-10T10:00:00"), std::string("2026-03-10T10:00:00+0900"),
        std::string("2026-03-10T24:00:00+09:00"), std::string("2026-03-10T10:60:00+09:00"),
        std::string("2026-03-10T10:00:60+09:00"), std::string("2026-03-10T10:00:00.5+09:00"),
        std::string("2026-03-10t10:00:00z"), std::string("2026-02-30T10:00:00+09:00"),
        std::string("2026-03-10T10:00:00+15:00"), std::string("")}) {
    SCOPED_TRACE(t);
    expect_invalid(with(kIssued, "\"recorded_at\": \"2026-03-10T10:00:00+09:00\"",
                        "\"recorded_at\": \"" + t + "\""),
                   "history[1].recorded_at");
  }
}

// A record at the history limit, with long host names and details, is still a file the parser
// reads: the steps may not write a record the ledger can no longer read.
TEST(RecordFile, TheStepsNeverWriteAFileTooLargeToRead) {
  const TerminalId long_host{std::string(32, 'c'), std::string(255, 'h')};
  auto made = new_application(
      Application{"R0000123", "3030123453", std::string(85, 'x') + "受付1号機",
                  Contact{"医事課 山田花子", "073-123-4567", "iji@example.jp"}, d(2026, 3, 2)},
      Recording{jst(2026, 3, 10, 10), long_host});
  ASSERT_TRUE(made) << made.error().to_string();
  Record r = *made;
  r.generation = 1;
  int refused = 0;
  for (std::size_t i = 0; i < kMaxHistory + 5; ++i) {
    const std::string n = std::to_string(i);
    auto ok = record_contact_edit(
        r, ContactChange{"医事課 担当者" + n, "073-000-" + n, "a" + n + "@example.jp"},
        Recording{jst(2026, 3, 10, 10), long_host});
    if (!ok) {
      EXPECT_EQ(ok.error().code, Errc::ledger_transition) << ok.error().to_string();
      ++refused;
    }
  }
  EXPECT_GT(refused, 0);
  const std::string text = serialize_record(r);
  EXPECT_LE(text.size(), kMaxRecordFileBytes);
  auto back = parse_record(text);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->history.size(), r.history.size());
}

// What parses must write back and parse again: an offset that carries a time out of the years a
// file holds, or a generation the next write would wrap, is refused when read.
TEST(RecordFile, ValuesTheNextWriteCouldNotHoldAreRefused) {
  expect_invalid(with(kImported, "\"not_after\": \"2029-06-05T23:59:59+09:00\"",
                      "\"not_after\": \"9999-12-31T23:59:59-10:00\""),
                 "certificate.not_after", "1900-9999");
  expect_invalid(with(kImported, "\"not_before\": \"2026-03-06T11:22:33+09:00\"",
                      "\"not_before\": \"1900-01-01T00:00:00+14:00\""),
                 "certificate.not_before", "1900-9999");
  expect_invalid(with(kIssued, "\"generation\": 3", "\"generation\": 18446744073709551615"),
                 "generation", "2^53");
  auto at_the_cap =
      parse_record(with(kIssued, "\"generation\": 3", "\"generation\": 9007199254740992"));
  ASSERT_TRUE(at_the_cap) << at_the_cap.error().message;
  EXPECT_TRUE(parse_record(serialize_record(*at_the_cap)));
}

// A file of nothing but nested brackets: the message names where it fails in a few levels, not
// one "[0]" per bracket.
TEST(RecordFile, DeepNestingGivesAShortMessage) {
  const std::string text = "{\"history\": " + std::string(100000, '[');
  auto r = parse_record(text);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::ledger_invalid);
  EXPECT_LT(r.error().message.size(), 400u) << r.error().message.substr(0, 400);
  EXPECT_THAT(r.error().message, HasSubstr("not JSON at line 1"));
}

}  // namespace
}  // namespace onshi::ledger
