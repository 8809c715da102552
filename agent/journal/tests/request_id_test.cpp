// Verification ids (request_id.hpp): the documented form, and no repeats.
#include "request_id.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace onshi::journal::detail {
namespace {

TEST(RequestId, HasThePrefixAnd26LowercaseBase32Digits) {
  for (int i = 0; i < 1000; ++i) {
    auto id = new_request_id();
    ASSERT_TRUE(id) << id.error().to_string();
    ASSERT_EQ(id->size(), 29u) << *id;
    EXPECT_TRUE(id->starts_with("vf_")) << *id;
    EXPECT_EQ(id->find_first_not_of("abcdefghijklmnopqrstuvwxyz234567", 3), std::string::npos)
        << *id;
    EXPECT_TRUE(is_request_id(*id)) << *id;
  }
}

TEST(RequestId, AllBitsVary) {
  // 128 random bits: every position sees many digits, the top one the 8 its 3 bits allow.
  std::vector<std::set<char>> seen(26);
  std::set<std::string> ids;
  for (int i = 0; i < 4000; ++i) {
    const std::string id = *new_request_id();
    ids.insert(id);
    for (std::size_t d = 0; d < 26; ++d) seen[d].insert(id[3 + d]);
  }
  EXPECT_EQ(ids.size(), 4000u);
  EXPECT_EQ(seen[0].size(), 8u);
  for (std::size_t d = 1; d < 26; ++d) EXPECT_EQ(seen[d].size(), 32u) << "digit " << d;
}

TEST(RequestId, OtherFormsAreNotIds) {
  for (const std::string id :
       {"", "vf_", "vf_aaaaaaaaaaaaaaaaaaaaaaaaa", "vf_aaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "VF_aaaaaaaaaaaaaaaaaaaaaaaaaa", "vf_Aaaaaaaaaaaaaaaaaaaaaaaaaa",
        "vf_iaaaaaaaaaaaaaaaaaaaaaaaaa", "vf_aaaaaaaaaaaaaaaaaaaaaaaaa1",
        "vf_aaaaaaaaaaaaaaaaaaaaaaaaa=", "xx_aaaaaaaaaaaaaaaaaaaaaaaaaa"}) {
    EXPECT_FALSE(is_request_id(id)) << id;
  }
  EXPECT_TRUE(is_request_id("vf_haaaaaaaaaaaaaaaaaaaaaa7z2"));
}

}  // namespace
}  // namespace onshi::journal::detail
