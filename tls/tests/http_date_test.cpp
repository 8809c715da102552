#include "onshi/tls/http_date.hpp"

#include <gtest/gtest.h>

namespace onshi::tls {
namespace {

using namespace std::chrono;

const sys_seconds kExample = sys_days{year{1994} / 11 / 6} + hours{8} + minutes{49} + seconds{37};

TEST(HttpDate, ThreeFormsOfRfc9110) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), kExample);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), kExample);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), kExample);
}

TEST(HttpDate, RejectsNearMisses) {
  for (const char* bad : {"", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 JST",
                          "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
                          "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:49:37 GMT ",
                          "Sun, 6 Nov 1994 08:49:37 GMT", "1994-11-06T08:49:37Z"}) {
    EXPECT_FALSE(parse_http_date(bad).has_value()) << bad;
  }
}

TEST(HttpDate, FormatRoundTrips) {
  EXPECT_EQ(format_http_date(kExample), "Sun, 06 Nov 1994 08:49:37 GMT");
  const sys_seconds t = sys_days{year{2026} / 11 / 25} + hours{9} + minutes{40};
  EXPECT_EQ(parse_http_date(format_http_date(t)), t);
}

TEST(HttpDate, FormatsLeapDaysTheEpochAndBeforeIt) {
  EXPECT_EQ(format_http_date(sys_days{year{2000} / February / 29} + hours{23} + minutes{59} +
                             seconds{59}),
            "Tue, 29 Feb 2000 23:59:59 GMT");
  EXPECT_EQ(format_http_date(sys_days{year{1970} / January / 1}), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(format_http_date(sys_days{year{1969} / December / 31} + hours{12}),
            "Wed, 31 Dec 1969 12:00:00 GMT");
}

}  // namespace
}  // namespace onshi::tls
