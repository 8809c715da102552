// What the journal accepts to store (stored_text.hpp): JSON objects within the bound, and never
// a member named like a PIN or a My Number, however deep or however spelt.
#include "stored_text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace onshi::journal::detail {
namespace {

TEST(SecretMember, PinAndMyNumberInTheirSpellings) {
  for (const char* name :
       {"pin", "PIN", "Pin", "pin_code", "pinCode", "my_number", "myNumber", "MyNumber",
        "my-number", "individual_number", "individualNumber", "kojin_bango", "個人番号"}) {
    EXPECT_TRUE(is_secret_member(name)) << name;
  }
  for (const char* name : {"pin_pad", "pin_retries", "spin", "pinned", "number", "my", "insurer",
                           "card_number", "mynumber_card_present"}) {
    EXPECT_FALSE(is_secret_member(name)) << name;
  }
}

TEST(StoredJson, FindsASecretAtAnyDepth) {
  const std::string deep = R"({"a":[1,{"b":{"c":[{"d":{"PIN":"1234"}}]}}]})";
  auto s = check_stored_json("request_json", deep, 1 << 20);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::invalid_argument);
  EXPECT_NE(s.error().message.find("\"PIN\""), std::string::npos) << s.error().message;
  // A value that merely says "pin" is fine: only member names carry secrets.
  EXPECT_TRUE(check_stored_json("x", R"({"entry":"pin","method":["pin","face"]})", 1 << 20));
}

TEST(StoredJson, OnlyAnObjectWithinTheBound) {
  EXPECT_TRUE(check_stored_json("x", "{}", 2));
  EXPECT_TRUE(check_stored_json("x", " {\"a\": [1, 2.5, null, true, \"s\"]} ", 100));
  auto big = check_stored_json("result_json", "{}", 1);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, Errc::api_too_large);
  EXPECT_NE(big.error().message.find("result_json is 2 bytes"), std::string::npos);
  for (const char* text : {"", "1", "[]", "\"s\"", "null", "{} {}", "{\"a\":1,}", "{'a':1}"}) {
    auto s = check_stored_json("x", text, 100);
    ASSERT_FALSE(s) << text;
    EXPECT_EQ(s.error().code, Errc::invalid_argument) << text;
  }
}

TEST(StoredJson, DeepNestingIsNoCrash) {
  std::string deep(100000, '[');
  deep = "{\"a\":" + deep + std::string(100000, ']') + "}";
  EXPECT_TRUE(check_stored_json("x", deep, 1 << 20));
  std::string open_only = "{\"a\":" + std::string(200000, '[');
  EXPECT_FALSE(check_stored_json("x", open_only, 1 << 20));
}

}  // namespace
}  // namespace onshi::journal::detail
