#include "onshi/error.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace onshi {
namespace {

TEST(ErrorTable, NamesAreUniqueAndNonEmpty) {
  std::set<std::string> names;
  for (int i = 0; i <= static_cast<int>(Errc::pin_less_card); ++i) {
    const auto& info = errc_info(static_cast<Errc>(i));
    EXPECT_EQ(static_cast<int>(info.code), i);
    EXPECT_FALSE(info.name.empty());
    EXPECT_FALSE(info.text.empty());
    EXPECT_TRUE(names.insert(std::string(info.name)).second) << info.name;
  }
}

TEST(Error, ToStringCarriesCodeMessageNativeAndRetries) {
  Error e{Errc::card_status, "VERIFY failed", 0x63C2};
  e.retries_remaining = 2;
  EXPECT_EQ(e.to_string(), "card_status: VERIFY failed (0x63C2) [2 tries left]");
  EXPECT_EQ(Error(Errc::timeout, "").to_string(),
            "timeout: the operation did not finish before its deadline");
}

}  // namespace
}  // namespace onshi
