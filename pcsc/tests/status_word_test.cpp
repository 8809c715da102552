#include "onshi/pcsc/status_word.hpp"

#include <gtest/gtest.h>

namespace onshi::pcsc {
namespace {

TEST(StatusWord, DescribesKnownWords) {
  EXPECT_EQ(describe_sw(0x9000), "SW=9000 (success)");
  EXPECT_EQ(describe_sw(0x6A82), "SW=6A82 (file or application not found)");
  EXPECT_EQ(describe_sw(0x6983), "SW=6983 (authentication method blocked (PIN locked))");
}

TEST(StatusWord, DescribesParameterisedWords) {
  EXPECT_EQ(describe_sw(0x63C2), "SW=63C2 (verification failed, 2 tries remaining)");
  EXPECT_EQ(describe_sw(0x63C1), "SW=63C1 (verification failed, 1 try remaining)");
  EXPECT_EQ(sw_text(0x6110), "16 more response bytes available (GET RESPONSE)");
  EXPECT_EQ(sw_text(0x6C00), "wrong Le: the card has exactly 256 bytes");
  EXPECT_EQ(sw_text(0x1234), "unknown status word");
}

TEST(StatusWord, RetriesOnlyFor63Cx) {
  EXPECT_EQ(sw_retries(0x63C0), 0);
  EXPECT_EQ(sw_retries(0x63CF), 15);
  EXPECT_EQ(sw_retries(0x6300), std::nullopt);
  EXPECT_EQ(sw_retries(0x9000), std::nullopt);
}

TEST(StatusWord, ErrorCarriesSwAndRetries) {
  const Error e = sw_error(0x63C2, "VERIFY");
  EXPECT_EQ(e.code, Errc::card_status);
  EXPECT_EQ(e.native, 0x63C2);
  EXPECT_EQ(e.retries_remaining, 2);
  EXPECT_EQ(e.message, "VERIFY: SW=63C2 (verification failed, 2 tries remaining)");
  EXPECT_FALSE(sw_error(0x6A82, "SELECT").retries_remaining);
}

}  // namespace
}  // namespace onshi::pcsc
