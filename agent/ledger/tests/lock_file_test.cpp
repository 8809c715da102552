#include "lock_file.hpp"

#include <gtest/gtest.h>

namespace onshi::ledger::detail {
namespace {

using std::chrono::seconds;
using std::chrono::sys_seconds;

TEST(LockFile, WhatIsWrittenReadsBack) {
  const LockInfo info = parse_lock(lock_text({"0123456789abcdef", "uketsuke-1"}, "00aa11bb", 4242,
                                             sys_seconds(seconds(1796180000))));
  EXPECT_EQ(info.nonce, "00aa11bb");
  EXPECT_EQ(info.host, "uketsuke-1");
  EXPECT_EQ(info.pid, "4242");
  EXPECT_EQ(info.created, sys_seconds(seconds(1796180000)));
}

TEST(LockFile, ATimeThatIsNotAWholeNumberInRangeIsNoTime) {
  for (const char* created : {"123abc", "-5", "", "99999999999999999999", "253402300800", " 12"}) {
    EXPECT_FALSE(parse_lock(std::string("created=") + created + "\n").created) << created;
  }
  EXPECT_TRUE(parse_lock("created=253402300799").created);  // 9999-12-31T23:59:59Z
}

TEST(LockFile, FieldsFromAShareAreCut) {
  const LockInfo info = parse_lock("host=" + std::string(1000, 'h') + "\nnonce=x\n");
  EXPECT_EQ(info.host.size(), kMaxLockField);
  EXPECT_EQ(info.nonce, "x");
}

}  // namespace
}  // namespace onshi::ledger::detail
