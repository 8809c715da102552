#include "http_date.hpp"

#include <gtest/gtest.h>

namespace onshi::sim::tlsserver {
namespace {

using namespace std::chrono;

TEST(HttpDate, FormatsImfFixdate) {
  // RFC 9110's own example.
  const sys_seconds t = sys_days{1994y / November / 6} + 8h + 49min + 37s;
  EXPECT_EQ(imf_fixdate(t), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(imf_fixdate(sys_days{2000y / February / 29} + 23h + 59min + 59s + 999ms),
            "Tue, 29 Feb 2000 23:59:59 GMT");
  EXPECT_EQ(imf_fixdate(sys_days{1970y / January / 1}), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(HttpDate, HandlesTimesBeforeTheEpoch) {
  EXPECT_EQ(imf_fixdate(sys_days{1969y / December / 31} + 12h), "Wed, 31 Dec 1969 12:00:00 GMT");
}

}  // namespace
}  // namespace onshi::sim::tlsserver
