#include "faults.hpp"

#include <gtest/gtest.h>

namespace onshi::sim::eligsim {
namespace {

TEST(Faults, ParseEveryKindAndNameTheBadField) {
  auto f = parse_faults(R"({"faults":[{"kind":"slow_body","bytes":8,"ms":20,"routes":["verify"]},)"
                        R"({"kind":"handshake","count":2}]})");
  ASSERT_TRUE(f) << f.error().message;
  ASSERT_EQ(f->size(), 2u);
  EXPECT_EQ((*f)[0].kind, FaultKind::slow_body);
  EXPECT_EQ((*f)[0].bytes, 8u);
  EXPECT_EQ((*f)[1].remaining, 2u);
  EXPECT_EQ(parse_faults(R"({"faults":[{"kind":"boom"}]})").error().message,
            "faults[0].kind: latency, status, reset, handshake, slow_body or malformed");
  EXPECT_EQ(parse_faults(R"({"faults":[{"kind":"latency","ms":-1}]})").error().message,
            "faults[0].ms: 0 to 120000");
  EXPECT_EQ(parse_faults(R"({"faults":[{"kind":"latency","route":["x"]}]})").error().message,
            "faults[0].route: unknown field");
  EXPECT_EQ(
      parse_faults(R"({"faults":[{"kind":"reset","routes":["search","nope"]}]})").error().message,
      "faults[0].routes: auth, search, challenge, verify, bulk_submit, bulk_fetch");
  EXPECT_FALSE(parse_faults(R"({"faults":[{"kind":"handshake","routes":["auth"]}]})"));
  EXPECT_FALSE(parse_faults("[]"));
  // Found in review: read as int, 2^32 + 500 wrapped around to 500.
  EXPECT_FALSE(parse_faults(R"({"faults":[{"kind":"status","status":4294967796}]})"));
  EXPECT_FALSE(parse_faults(R"({"faults":[{"ms":1}]})"));
}

TEST(Faults, ApplyToTheirRoutesForTheirCount) {
  FaultSet set;
  set.replace(*parse_faults(R"({"faults":[{"kind":"reset","routes":["search"],"count":2},)"
                            R"({"kind":"latency","ms":5}]})"));
  EXPECT_FALSE(set.take(FaultKind::reset, "auth"));
  EXPECT_TRUE(set.take(FaultKind::reset, "search"));
  EXPECT_TRUE(set.take(FaultKind::reset, "search"));
  EXPECT_FALSE(set.take(FaultKind::reset, "search"));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(set.take(FaultKind::latency, "verify"));  // until cleared
  set.clear();
  EXPECT_FALSE(set.take(FaultKind::latency, "verify"));
}

}  // namespace
}  // namespace onshi::sim::eligsim
