#include "dataset.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "onshi/check_digit.hpp"
#include "onshi/xmlmsg/insurer_number.hpp"

namespace onshi::sim::eligsim {
namespace {

bool half_width_kana(const std::string& s) {
  // U+FF61..U+FF9F in UTF-8 is EF BD A1..EF BE 9F; plus the ASCII space.
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == ' ') {
      ++i;
      continue;
    }
    if (i + 3 > s.size() || static_cast<unsigned char>(s[i]) != 0xEF) return false;
    const unsigned b1 = static_cast<unsigned char>(s[i + 1]),
                   b2 = static_cast<unsigned char>(s[i + 2]);
    if (!((b1 == 0xBD && b2 >= 0xA1) || (b1 == 0xBE && b2 <= 0x9F))) return false;
    i += 3;
  }
  return !s.empty();
}

TEST(Dataset, IsDeterministicForASeedAndDiffersAcrossSeeds) {
  const auto a = Dataset::generate({1200, 7, nullptr});
  const auto b = Dataset::generate({1200, 7, nullptr});
  const auto c = Dataset::generate({1200, 8, nullptr});
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->to_json(), b->to_json());
  EXPECT_NE(a->to_json(), c->to_json());
  EXPECT_GE(a->persons().size(), 1000u);
}

TEST(Dataset, EveryIdentifierIsValidAndEveryCategoryIsThere) {
  const auto d = Dataset::generate({1200, 1, nullptr});
  ASSERT_TRUE(d);
  std::map<std::string, int> categories;
  for (const auto& p : d->persons()) {
    ++categories[p.category];
    EXPECT_TRUE(half_width_kana(p.name_kana)) << p.id << " " << p.name_kana;
    EXPECT_NE(p.name.find("\u3000"), std::string::npos) << p.id;
    for (const auto& q : p.qualifications) {
      EXPECT_FALSE(xmlmsg::insurer_number_problem(q.insurer_number))
          << p.id << " " << q.insurer_number;
      if (q.insurer_number.size() == 8 && q.insurer_number.starts_with("39")) {
        EXPECT_TRUE(q.symbol.empty()) << p.id;
        EXPECT_EQ(check_digit_2_1(q.number.substr(0, 7)), q.number.back() - '0') << p.id;
      }
      EXPECT_EQ(q.branch.size(), 2u);
    }
  }
  for (const char* c : {"self", "family", "kokuho", "koki", "expired-newer", "lost", "multiple",
                        "limit", "preschool", "elderly"}) {
    EXPECT_GT(categories[c], 0) << c;
  }
}

// Found in review: every member of a household had the same id, so 複数該当 was judged wrong.
TEST(Dataset, EveryPersonHasItsOwnId) {
  const auto d = Dataset::generate({1200, 1, nullptr});
  std::set<std::string> ids;
  for (const auto& p : d->persons()) EXPECT_TRUE(ids.insert(p.id).second) << p.id;
}

TEST(Dataset, RegistersTheTestPkisInstitutionsAndValidCodes) {
  const auto d = Dataset::generate({100, 1, nullptr});
  EXPECT_NE(d->institution("2714206386"), nullptr);
  EXPECT_NE(d->institution("2734206382"), nullptr);
  EXPECT_EQ(d->institution("0110113719"), nullptr);
  EXPECT_GT(d->institutions().size(), 20u);
  for (const auto& i : d->institutions()) {
    EXPECT_FALSE(institution_code_problem(i.code))
        << i.code << ": " << *institution_code_problem(i.code);
  }
}

TEST(Dataset, FindsACardByInsurerSymbolAndNumber) {
  const auto d = Dataset::generate({1200, 1, nullptr});
  const Person& p = d->persons()[10];
  const auto& q = p.qualifications[0];
  const auto found = d->by_card(q.insurer_number, q.symbol, q.number);
  ASSERT_FALSE(found.empty());
  bool has = false;
  for (const auto& m : found) has = has || m.person == &p;
  EXPECT_TRUE(has);
  EXPECT_TRUE(d->by_card("99999999", "", "1").empty());
}

}  // namespace
}  // namespace onshi::sim::eligsim
