#include "onshi/sim/atr.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace onshi::sim {
namespace {

using testing::hex;

std::string problem(std::string_view atr) {
  const auto status = check_atr(hex(atr));
  return status ? std::string("ok") : status.error().message;
}

TEST(Atr, AcceptsTheShippedAndTheMyNumberCardAtrs) {
  EXPECT_EQ(problem("3B 8A 80 01 4F 4E 53 48 49 2D 53 49 4D 21 03"), "ok");
  EXPECT_EQ(problem("3B E0 00 FF 81 31 FE 45 14"), "ok");  // cards-and-readers.md §1.1
  EXPECT_EQ(problem("3B 02 14 50"), "ok");                 // T=0 only: no TCK
}

TEST(Atr, NamesTheFirstProblem) {
  EXPECT_EQ(problem("3C 00"), "TS is 3C, expected 3B or 3F");
  EXPECT_EQ(problem("3B 8A 80 01 4F 4E 53 48 49 2D 53 49 4D 21 04"), "TCK is 04, expected 03");
  EXPECT_EQ(problem("3B 8A 80 01 4F 4E"),
            "T0 and TDi announce 15 bytes (including TCK), the ATR has 6");
  EXPECT_EQ(problem("3B 80"), "the ATR ends inside its interface bytes");
  EXPECT_EQ(problem("3B"), "an ATR has at least TS and T0");
  Bytes long_atr = hex("3B 0F");
  long_atr.resize(34, 0x41);
  EXPECT_EQ(check_atr(long_atr).error().message, "34 bytes, at most 33");
}

}  // namespace
}  // namespace onshi::sim
