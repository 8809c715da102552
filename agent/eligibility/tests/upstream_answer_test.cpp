// The mapping of the eligibility system's answers to onshi's errors (README.md, "Errors"): HTTP
// statuses, the XmlMsg answer's SegmentOfResult and ProcessingResultStatus, the echo of the
// request, and bodies that are not what they should be.
#include "upstream_answer.hpp"

#include <gtest/gtest.h>

#include <string>

#include "onshi/text_scan.hpp"

namespace onshi::eligibility::detail {
namespace {

constexpr std::string_view kInstitution = "2714206386";
const Echo kEcho{kInstitution, "req-1"};

bool has(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// The answer's header: as eligsim sends it for the request req-1, with what a test changes.
struct Header {
  Header& segment(std::string s) {
    segment_ = std::move(s);
    return *this;
  }
  Header& institution(std::string s) {
    institution_ = std::move(s);
    return *this;
  }
  Header& file_id(std::string s) {
    file_id_ = std::move(s);
    return *this;
  }
  Header& extra(std::string s) {
    extra_ = std::move(s);
    return *this;
  }  // ",\"Member\":…"

  std::string segment_ = "1";
  std::string institution_ = std::string(kInstitution);
  std::string file_id_ = "req-1";
  std::string extra_;
};

std::string header_json(const Header& h) {
  std::string s = R"("ProcessExecutionTime":"20261202093005","QualificationConfirmationDate":)"
                  R"("20261202")";
  if (!h.institution_.empty()) s += R"(,"MedicalInstitutionCode":")" + h.institution_ + "\"";
  if (!h.file_id_.empty()) s += R"(,"ArbitraryFileIdentifier":")" + h.file_id_ + "\"";
  s += R"(,"ReferenceClassification":"2","SegmentOfResult":")" + h.segment_ + "\"";
  s += R"(,"CharacterCodeIdentifier":"0")" + h.extra_;
  return s;
}

std::string answer(const Header& h, const std::string& body = {}) {
  std::string s = R"({"XmlMsg":{"MessageHeader":{)" + header_json(h) + "}";
  if (!body.empty()) s += R"(,"MessageBody":)" + body;
  return s + "}}";
}

const std::string kRecord =
    R"({"InsuredCardClassification":"01","InsurerNumber":"06139992",)"
    R"("InsuredCardSymbol":"1","InsuredIdentificationNumber":"2","InsuredBranchNumber":"00",)"
    R"("PersonalFamilyClassification":"1","Name":"資格　太郎","NameKana":"ｼｶｸ ﾀﾛｳ",)"
    R"("Sex1":"1","Birthdate":"19800101","InsuredPartialContributionRatio":"030"})";

std::string result_body(std::string_view validity, int records) {
  std::string list;
  for (int i = 0; i < records; ++i) list += (i == 0 ? "" : ",") + kRecord;
  std::string body =
      R"({"ProcessingResultStatus":"1","QualificationValidity":")" + std::string(validity) + "\"";
  if (records > 0) body += R"(,"ResultList":{"ResultOfQualificationConfirmation":[)" + list + "]}";
  return body + "}";
}

// --- HTTP statuses ---

TEST(HttpStatusError, A5xxSaysTryAgainLaterWithTheStartOfTheHtmlPage) {
  const Error e = http_status_error(kSearch, 503,
                                    "<html>\r\n<body>\n  503 Service Unavailable\n</body></html>");
  EXPECT_EQ(e.code, Errc::http_status);
  EXPECT_EQ(e.native, 503);
  EXPECT_EQ(
      e.message,
      "the eligibility system answered 503 to the 個別照会 (POST /qualifications/search): it "
      "is unavailable; try again later: <html> <body> 503 Service Unavailable </body></html>");
}

TEST(HttpStatusError, ARefusalEnvelopeIsQuotedByItsMsg) {
  const Error e = http_status_error(
      kAuth, 403,
      R"({"status":"403","msg":"institution 9999999999 is not registered","result":null})");
  EXPECT_EQ(e.code, Errc::http_status);
  EXPECT_EQ(e.native, 403);
  EXPECT_EQ(e.message,
            "the eligibility system answered 403 to the login (POST /auth): \"institution "
            "9999999999 is not registered\"");
  EXPECT_FALSE(has(e.message, "try again"));
  const Error many = http_status_error(kChallenge, 429, R"({"status":"429","msg":"too many"})");
  EXPECT_EQ(many.native, 429);
  EXPECT_TRUE(has(many.message, "429 to the challenge (POST /mynumber/challenge): \"too many\""));
}

TEST(HttpStatusError, EmptyOrUnreadableBodiesStillGiveAReadableMessage) {
  EXPECT_TRUE(has(http_status_error(kBulkSubmit, 502, "").message, "(no body)"));
  EXPECT_TRUE(has(http_status_error(kBulkSubmit, 502, " \r\n ").message, "(a body of whitespace)"));
  // An envelope whose msg is empty or not a string is shown as it is.
  EXPECT_TRUE(has(http_status_error(kSearch, 400, R"({"msg":""})").message, R"({"msg":""})"));
  EXPECT_TRUE(has(http_status_error(kSearch, 400, R"({"msg":7})").message, R"({"msg":7})"));
  // Terminal escapes, bidi overrides and broken UTF-8 do not reach the log.
  const Error e = http_status_error(kSearch, 500,
                                    "\x1b[2Jgone \xE2\x80\xAE"
                                    "evil \xFF");
  EXPECT_TRUE(has(e.message, "?[2Jgone ?evil ?")) << e.message;
  EXPECT_TRUE(scan_text(e.message).valid_utf8);
  EXPECT_FALSE(scan_text(e.message).control);
  // A page of a megabyte is cut; deep JSON is shown as text, not looked into.
  const Error big = http_status_error(kSearch, 500, std::string(1 << 20, 'x'));
  EXPECT_LT(big.message.size(), 400u);
  EXPECT_TRUE(has(big.message, "…"));
  const std::string deep = std::string(5000, '[') + std::string(5000, ']');
  EXPECT_TRUE(has(http_status_error(kSearch, 500, deep).message, "[[[["));
  const std::string nested_msg =
      R"({"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{}}}}}}}}},"msg":"m"})";
  EXPECT_TRUE(has(http_status_error(kSearch, 500, nested_msg).message, "\"m\""));
}

TEST(UnauthorizedError, TheLoginAndAFreshTokenRefusedSayWhatToCheck) {
  const Error login = unauthorized_error(kAuth, R"({"status":"401","msg":"no such terminal"})");
  EXPECT_EQ(login.code, Errc::elig_unauthorized);
  EXPECT_EQ(login.native, 401);
  EXPECT_TRUE(has(login.message, "refused the login (401): \"no such terminal\"")) << login.message;
  EXPECT_TRUE(has(login.message, "client certificate"));
  const Error query =
      unauthorized_error(kVerify, R"({"status":"401","msg":"the access token expired"})");
  EXPECT_EQ(query.code, Errc::elig_unauthorized);
  EXPECT_EQ(query.native, 401);
  EXPECT_TRUE(has(query.message,
                  "freshly issued access token for the My Number card "
                  "verification (401 after a new login): \"the access token "
                  "expired\""))
      << query.message;
}

// --- XmlMsg answers ---

TEST(QualificationAnswer, EveryValidityIsAnAnswer) {
  for (const auto& [validity, records] : std::initializer_list<std::pair<std::string, int>>{
           {"1", 1}, {"2", 1}, {"3", 1}, {"4", 0}, {"5", 2}}) {
    const auto r =
        read_qualification_answer(kSearch, answer(Header(), result_body(validity, records)), kEcho);
    ASSERT_TRUE(r) << validity << ": " << r.error().to_string();
    EXPECT_EQ(r->qualification_validity, validity);
    EXPECT_EQ(r->results.size(), static_cast<std::size_t>(records));
    EXPECT_TRUE(expect_processed(kSearch, *r));
  }
  const auto found =
      read_qualification_answer(kSearch, answer(Header(), result_body("1", 1)), kEcho);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->results.at(0).name, "資格　太郎");
  EXPECT_EQ(found->results.at(0).insured_partial_contribution_ratio, "030");
}

TEST(QualificationAnswer, SegmentOfResult9IsRejectedWithErrorCodeAndMessage) {
  const auto r = read_qualification_answer(
      kSearch,
      answer(Header().segment("9").extra(
          R"(,"ErrorCode":"SIM9003","ErrorMessage":"MedicalInstitutionCode is not )"
          R"(the client certificate's")")),
      kEcho);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::elig_rejected);
  EXPECT_EQ(r.error().native, 200);
  EXPECT_EQ(r.error().message,
            "the eligibility system's 個別照会 answer: SegmentOfResult 9 (異常終了): ErrorCode "
            "SIM9003: MedicalInstitutionCode is not the client certificate's");
}

TEST(QualificationAnswer, AnErrorMessageIsCleanedBeforeItReachesTheMessage) {
  const auto r = read_qualification_answer(
      kVerify,
      answer(Header().segment("9").extra(
          R"(,"ErrorCode":"E\t1","ErrorMessage":"line one\nline two \u202Eevil")")),
      kEcho);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::elig_rejected);
  EXPECT_TRUE(has(r.error().message, "ErrorCode E 1: line one line two ?evil"))
      << r.error().message;
}

TEST(QualificationAnswer, SegmentOfResult2IsNotReadyForAQuery) {
  const auto r = read_qualification_answer(kSearch, answer(Header().segment("2")), kEcho);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::elig_not_ready);
  EXPECT_EQ(r.error().native, 200);
  EXPECT_TRUE(has(r.error().message, "個別照会 answer: SegmentOfResult 2 (処理中)"));
}

TEST(QualificationAnswer, ProcessingResultStatus2IsRejectedWithItsCode) {
  const auto r = read_qualification_answer(
      kSearch,
      answer(Header(), R"({"ProcessingResultStatus":"2","ProcessingResultCode":"SIM2002",)"
                       R"("ProcessingResultMessage":"InsurerNumber: the 検証番号 is wrong"})"),
      kEcho);
  ASSERT_TRUE(r) << r.error().to_string();  // an answer: the query was processed
  const auto processed = expect_processed(kSearch, *r);
  ASSERT_FALSE(processed);
  EXPECT_EQ(processed.error().code, Errc::elig_rejected);
  EXPECT_EQ(processed.error().native, 200);
  EXPECT_EQ(processed.error().message,
            "the eligibility system refused the 個別照会: ProcessingResultStatus 2, "
            "ProcessingResultCode SIM2002: InsurerNumber: the 検証番号 is wrong");
}

TEST(QualificationAnswer, AnAnswerForAnotherInstitutionOrRequestIsRefused) {
  const auto other = read_qualification_answer(
      kSearch, answer(Header().institution("2734206382"), result_body("1", 1)), kEcho);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, Errc::elig_message_invalid);
  EXPECT_EQ(other.error().native, 200);
  EXPECT_EQ(other.error().message,
            "the eligibility system's 個別照会 answer is for institution 2734206382, not "
            "2714206386 (MedicalInstitutionCode)");
  const auto file = read_qualification_answer(
      kSearch, answer(Header().file_id("req-2"), result_body("1", 1)), kEcho);
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code, Errc::elig_message_invalid);
  EXPECT_TRUE(has(file.error().message, "for the request \"req-2\", not \"req-1\""));
  // The echo is checked before the segment: an abnormal end for someone else is not ours.
  const auto abnormal =
      read_qualification_answer(kSearch,
                                answer(Header()
                                           .segment("9")
                                           .institution("2734206382")
                                           .extra(R"(,"ErrorCode":"SIM9002","ErrorMessage":"x")")),
                                kEcho);
  ASSERT_FALSE(abnormal);
  EXPECT_EQ(abnormal.error().code, Errc::elig_message_invalid);
}

TEST(QualificationAnswer, AnEchoLeftOutIsNotRefused) {
  EXPECT_TRUE(read_qualification_answer(
      kSearch, answer(Header().institution("").file_id(""), result_body("4", 0)), kEcho));
  // A request without a file identifier has nothing to compare.
  EXPECT_TRUE(read_qualification_answer(
      kSearch, answer(Header().file_id("theirs"), result_body("4", 0)), Echo{kInstitution, ""}));
}

TEST(QualificationAnswer, MalformedBodiesAreMessageInvalid) {
  const std::string good = answer(Header(), result_body("1", 1));
  const std::string cases[] = {
      "",
      "<html><body>502 Bad Gateway</body></html>",
      good.substr(0, good.size() / 2),                             // truncated
      R"({"Message":{"MessageHeader":{"SegmentOfResult":"1"}}})",  // wrong root
      R"({"XmlMsg":{"MessageHeader":{"SegmentOfResult":1}}})",     // a number leaf
      answer(Header().segment("7"), result_body("1", 1)),          // not OQSCD003
      R"({"XmlMsg":{"MessageHeader":{"SegmentOfResult":"1"}}})",   // no MessageBody
      answer(Header().segment("9")),                               // 9 without ErrorCode
      answer(Header(),
             R"({"ProcessingResultStatus":"1","QualificationValidity":"1"})"),  // no record
      answer(Header(), R"({"ProcessingResultStatus":"2"})"),  // status 2 without its code
      answer(Header(), result_body("8", 0)),                  // not OQSCD006
  };
  for (const auto& body : cases) {
    const auto r = read_qualification_answer(kSearch, body, kEcho);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().code, Errc::elig_message_invalid) << body;
    EXPECT_EQ(r.error().native, 200) << body;
    EXPECT_TRUE(has(r.error().message, "the eligibility system's 個別照会 answer")) << body;
  }
  const auto html = read_qualification_answer(kSearch, cases[1], kEcho);
  EXPECT_TRUE(has(html.error().message, "is not the JSON form of XmlMsg")) << html.error().message;
  const auto segment = read_qualification_answer(kSearch, cases[5], kEcho);
  EXPECT_TRUE(has(segment.error().message, "SegmentOfResult")) << segment.error().message;
}

// --- 一括照会 ---

TEST(BulkSubmitAnswer, TheReceptionNumberOrTheRefusal) {
  const auto ok = read_bulk_submit_answer(
      answer(Header(), R"({"ReceptionNumber":"R000123","ReceptionDateTime":"20261202093005"})"),
      kEcho);
  ASSERT_TRUE(ok) << ok.error().to_string();
  EXPECT_EQ(ok->reception_number, "R000123");
  const auto many = read_bulk_submit_answer(
      answer(
          Header().segment("9").extra(R"(,"ErrorCode":"SIM9005","ErrorMessage":"2001 patients")")),
      kEcho);
  ASSERT_FALSE(many);
  EXPECT_EQ(many.error().code, Errc::elig_rejected);
  EXPECT_TRUE(has(many.error().message,
                  "一括照会 submission answer: SegmentOfResult 9 (異常終了): "
                  "ErrorCode SIM9005: 2001 patients"));
  const auto busy = read_bulk_submit_answer(answer(Header().segment("2")), kEcho);
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code, Errc::elig_not_ready);
  const auto none = read_bulk_submit_answer(answer(Header(), "{}"), kEcho);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::elig_message_invalid);
  EXPECT_TRUE(has(none.error().message, "ReceptionNumber"));
}

TEST(BulkFetchAnswer, ProcessingIsAnAnswerAndAPatientsErrorStaysInItsUnit) {
  const auto processing = read_bulk_fetch_answer(answer(Header().segment("2")), kEcho);
  ASSERT_TRUE(processing) << processing.error().to_string();
  EXPECT_EQ(processing->header.segment_of_result, "2");
  EXPECT_TRUE(processing->units.empty());

  const std::string units =
      R"({"BulkConfirmUnit":[{"QualificationConfirmSearchInfo":[{"InsurerNumber":"06139992",)"
      R"("Birthdate":"19800101","ArbitraryIdentifier":"p1"}],"ProcessingResultStatus":"1",)"
      R"("QualificationValidity":"1","ResultOfQualificationConfirmation":[)" +
      kRecord +
      R"(]},{"QualificationConfirmSearchInfo":[{"Birthdate":"20011340","ArbitraryIdentifier":)"
      R"("p2"}],"ProcessingResultStatus":"2","ProcessingResultCode":"SIM2003",)"
      R"("ProcessingResultMessage":"Birthdate: not a date"}]})";
  const auto ready = read_bulk_fetch_answer(
      answer(Header().extra(R"(,"NumberOfProcessingResult":"2","NumberOfNormalProcessing":"1",)"
                            R"("NumberOfError":"1")"),
             units),
      kEcho);
  ASSERT_TRUE(ready) << ready.error().to_string();
  ASSERT_EQ(ready->units.size(), 2u);
  EXPECT_EQ(ready->units[0].search.arbitrary_identifier, "p1");
  EXPECT_EQ(ready->units[0].qualification_validity, "1");
  EXPECT_EQ(ready->units[1].processing_result_status, "2");
  EXPECT_EQ(ready->units[1].processing_result_code, "SIM2003");
}

TEST(BulkFetchAnswer, AnUnknownReceptionNumberIsRejectedAndAForeignAnswerRefused) {
  const auto unknown = read_bulk_fetch_answer(
      answer(Header().segment("9").extra(R"(,"ErrorCode":"SIM9004","ErrorMessage":"unknown")")),
      kEcho);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::elig_rejected);
  EXPECT_TRUE(has(unknown.error().message, "一括照会 result answer: SegmentOfResult 9"));
  EXPECT_TRUE(has(unknown.error().message, "SIM9004"));
  const auto foreign =
      read_bulk_fetch_answer(answer(Header().segment("2").institution("1311234569")), kEcho);
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, Errc::elig_message_invalid);
  const auto count = read_bulk_fetch_answer(
      answer(Header().extra(R"(,"NumberOfProcessingResult":"3")"), R"({"BulkConfirmUnit":[]})"),
      kEcho);
  ASSERT_FALSE(count);
  EXPECT_EQ(count.error().code, Errc::elig_message_invalid);
  EXPECT_TRUE(has(count.error().message, "NumberOfProcessingResult"));
}

}  // namespace
}  // namespace onshi::eligibility::detail
