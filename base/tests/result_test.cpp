#include "onshi/result.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace onshi {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return fail(Errc::invalid_argument, "not positive");
  return v;
}

Result<int> doubled(int v) {
  ONSHI_TRY_ASSIGN(int x, parse_positive(v));
  return x * 2;
}

Status check(int v) {
  ONSHI_TRY(parse_positive(v));
  return {};
}

TEST(Result, CarriesValueOrError) {
  auto ok = doubled(4);
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 8);
  auto bad = doubled(-1);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::invalid_argument);
  EXPECT_EQ(bad.value_or(7), 7);
}

TEST(Result, VoidPropagates) {
  EXPECT_TRUE(check(1));
  EXPECT_EQ(check(0).error().message, "not positive");
}

TEST(Result, HoldsMoveOnlyValues) {
  Result<std::unique_ptr<int>> r(std::make_unique<int>(5));
  auto p = std::move(r).value();
  EXPECT_EQ(*p, 5);
}

}  // namespace
}  // namespace onshi
