#include "onshi/tls/subject_matcher.hpp"

#include <gtest/gtest.h>

namespace onshi::tls {
namespace {

TEST(SubjectMatcher, RulesAreCheckedWhenParsed) {
  EXPECT_TRUE(SubjectMatcher::parse({"CN=^{code}$"}));
  EXPECT_TRUE(SubjectMatcher::parse({"*={code}", "OU=^{terminal}$"}));
  for (const std::vector<std::string>& bad :
       std::vector<std::vector<std::string>>{{},
                                             {"CN"},
                                             {"=x{code}"},
                                             {"C N={code}"},
                                             {"CN=^2714206386$"},
                                             {"OU=^{terminal}$"},
                                             {"CN=({code}"}}) {
    auto m = SubjectMatcher::parse(bad);
    EXPECT_FALSE(m) << (bad.empty() ? "(empty)" : bad[0]);
    if (!m) {
      EXPECT_EQ(m.error().code, Errc::config_invalid);
    }
  }
}

TEST(SubjectMatcher, DefaultRuleIsTheCodeAsAWholeNumber) {
  EXPECT_EQ(SubjectMatcher::default_matcher().rules().front(), SubjectMatcher::kDefaultRule);
}

}  // namespace
}  // namespace onshi::tls
