#include "onshi/api/json_body.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "onshi/text_scan.hpp"

namespace onshi::api {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

ApiError refused(std::string_view body, std::size_t max = kMaxBodyBytes) {
  auto j = parse_json_body(body, max);
  if (j) {
    ADD_FAILURE() << "parsed: " << body.substr(0, 80);
    return {};
  }
  return j.error();
}

TEST(JsonBody, ParsesAnObjectKeepingEveryValue) {
  auto j = parse_json_body(R"( {"a":"京中2","b":[1,-2,3.5,true,null],"c":{"d":{}}} )");
  ASSERT_TRUE(j) << j.error().message;
  EXPECT_EQ((*j)["a"], "京中2");
  EXPECT_EQ((*j)["b"].dump(), "[1,-2,3.5,true,null]");
  EXPECT_TRUE((*j)["c"]["d"].is_object());
}

TEST(JsonBody, AcceptsAUtf8ByteOrderMark) { EXPECT_TRUE(parse_json_body("\xEF\xBB\xBF{\"a\":1}")); }

TEST(JsonBody, EmptyBodyIsABadRequest) {
  for (const char* body : {"", "  \r\n\t"}) {
    const ApiError e = refused(body);
    EXPECT_EQ(e.http_status, 400);
    EXPECT_EQ(e.code, "api_bad_request");
    EXPECT_EQ(e.message, "the body is empty: send a JSON object");
  }
}

TEST(JsonBody, SizeLimitIsTooLarge) {
  const std::string big = R"({"a":")" + std::string(100, 'x') + R"("})";
  EXPECT_TRUE(parse_json_body(big, big.size()));
  const ApiError e = refused(big, big.size() - 1);
  EXPECT_EQ(e.http_status, 413);
  EXPECT_EQ(e.code, "api_too_large");
  EXPECT_EQ(e.message, "the body is 108 bytes; at most 107 are accepted");
  EXPECT_EQ(refused(std::string(kMaxBodyBytes + 1, ' ')).code, "api_too_large");
}

TEST(JsonBody, RefusesInvalidUtf8) {
  for (const char* body : {"{\"a\":\"\xC3\x28\"}", "{\"a\":\"\xC0\xAF\"}",  // overlong
                           "{\"a\":\"\xED\xA0\x80\"}",                      // a surrogate
                           "{\"a\":\"\xF4\x90\x80\x80\"}"}) {               // above U+10FFFF
    const ApiError e = refused(body);
    EXPECT_EQ(e.code, "api_bad_request");
    EXPECT_EQ(e.message, "the body is not valid UTF-8 (after 6 characters): send JSON in UTF-8");
  }
  // An escaped lone surrogate is not text either.
  EXPECT_EQ(refused(R"({"a":"\ud800"})").code, "api_bad_request");
}

TEST(JsonBody, SyntaxErrorsNameTheByteOffset) {
  const ApiError e = refused(R"({"a":1,})");
  EXPECT_EQ(e.code, "api_bad_request");
  EXPECT_THAT(e.message, StartsWith("the body is not valid JSON at byte 8: "));
  EXPECT_THAT(e.message, HasSubstr("expected string literal"));
  EXPECT_THAT(refused(R"({"a":1} x)").message, StartsWith("the body is not valid JSON at byte 9"));
  EXPECT_THAT(refused("{\"a\":\"1\t\"}").message, HasSubstr("not valid JSON"));  // raw control
  EXPECT_THAT(refused("{\"a\":1} // note").message, HasSubstr("not valid JSON"));
  EXPECT_THAT(refused("{'a':1}").message, HasSubstr("not valid JSON"));
}

// nlohmann quotes the failing token byte by byte: the message held half a character and its
// error body could not be written (dump() throws on invalid UTF-8).
TEST(JsonBody, ParseErrorMessageStaysUtf8WhenTheTokenEndsInsideACharacter) {
  const ApiError e = refused("{\"a\":tru\xE4\xBA\xAC}");
  EXPECT_EQ(e.code, "api_bad_request");
  EXPECT_TRUE(scan_text(e.message).valid_utf8) << e.message;
  EXPECT_NO_THROW((void)to_json(e).dump());
}

TEST(JsonBody, DuplicateKeysAreRefusedWithTheirPath) {
  const ApiError top = refused(R"({"insurer_number":"06139992","insurer_number":"01130012"})");
  EXPECT_EQ(top.code, "api_bad_request");
  EXPECT_EQ(top.field, "insurer_number");
  EXPECT_EQ(top.message,
            "insurer_number: appears twice in one object (which one counts would be a guess)");
  const ApiError nested = refused(R"({"patients":[{"id":"a"},{"id":"b","number":"1","x":{},)"
                                  R"("number":"2"}]})");
  EXPECT_EQ(nested.field, "patients[1].number");
  // The same key in different objects is fine.
  EXPECT_TRUE(parse_json_body(R"({"a":{"id":1},"b":{"id":1},"c":[{"id":1},{"id":2}]})"));
}

TEST(JsonBody, TheTopLevelMustBeAnObject) {
  for (const char* body : {"[]", "\"x\"", "1", "null", "true"}) {
    const ApiError e = refused(body);
    EXPECT_EQ(e.code, "api_bad_request") << body;
    EXPECT_THAT(e.message, StartsWith("the body must be a JSON object")) << body;
  }
}

TEST(JsonBody, NestingIsBounded) {
  auto nested = [](std::size_t depth) {
    std::string s;
    for (std::size_t i = 0; i < depth; ++i) s += "{\"a\":";
    s += "1";
    for (std::size_t i = 0; i < depth; ++i) s += "}";
    return s;
  };
  EXPECT_TRUE(parse_json_body(nested(kMaxJsonDepth)));
  const ApiError e = refused(nested(kMaxJsonDepth + 1));
  EXPECT_EQ(e.code, "api_bad_request");
  EXPECT_THAT(e.message, StartsWith("the body nests deeper than 32 levels at a.a."));
  // Deep arrays, and far deeper input, stop at the same bound without recursion.
  EXPECT_EQ(refused("{\"a\":" + std::string(100000, '[')).code, "api_bad_request");
}

}  // namespace
}  // namespace onshi::api

namespace onshi::api {
namespace {

// Regression: a cut-off body came back in the error's message ("; last read: '"0729'"), a PIN,
// a name or a My Number with it.
TEST(JsonBody, AnErrorNeverQuotesWhatTheBodyHeld) {
  for (std::string_view body : {R"({"method":"mynumber","pin":"0729)",
                                R"({"pin":"0729" "name":"x"})", R"({"my_number":"582039471612)",
                                "{\"name\":\"\xE6\xAA\x9C\xE6\x89\x87\x01\"}", R"({"pin":0729})"}) {
    auto r = parse_json_body(body);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().message.find("0729"), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find("582039471612"), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find("\xE6\xAA\x9C"), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find("last read"), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace onshi::api
