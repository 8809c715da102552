#include "onshi/pcsc/context.hpp"

#include <gtest/gtest.h>

#include "fake_api.hpp"

namespace onshi::pcsc {
namespace {

using testing::FakeApi;

TEST(Context, NoServiceIsAnErrorCodeNotACrash) {
  FakeApi api;
  api.establish_rv = SCARD_E_NO_SERVICE;
  auto ctx = Context::establish(api);
  ASSERT_FALSE(ctx);
  EXPECT_EQ(ctx.error().code, Errc::pcsc_no_service);
}

TEST(Context, NoReadersIsAnEmptyList) {
  FakeApi api;
  api.readers.clear();
  auto ctx = Context::establish(api);
  ASSERT_TRUE(ctx);
  auto list = ctx->list_readers();
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty());
}

TEST(Context, ReleasesExactlyOnceAcrossMoves) {
  FakeApi api;
  {
    auto ctx = Context::establish(api);
    Context moved = std::move(ctx).value();
    Context again = std::move(moved);
  }
  EXPECT_EQ(api.release_calls, 1);
}

TEST(Context, SplitsMultiStrings) {
  const char data[] = "A 00 00\0B 00 00\0";  // plus the literal's own NUL
  EXPECT_EQ(split_multi_string(data, sizeof data), (std::vector<std::string>{"A 00 00", "B 00 00"}));
  const char unterminated[] = {'A', '\0', 'B'};
  EXPECT_EQ(split_multi_string(unterminated, 3), (std::vector<std::string>{"A", "B"}));
  EXPECT_TRUE(split_multi_string("", 0).empty());
}

// pcscd restarted: the first call on the old context fails with NO_SERVICE; SharedContext drops
// it and succeeds with a new one, in-process.
TEST(SharedContext, ReestablishesAfterTheDaemonRestarted) {
  FakeApi api;
  SharedContext shared(api);
  ASSERT_TRUE(shared.list_readers());
  EXPECT_EQ(api.establish_calls, 1);

  int calls = 0;
  auto r = shared.with_context<int>([&](Context&) -> Result<int> {
    if (++calls == 1) return fail(Errc::pcsc_no_service, "gone");
    return 5;
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 5);
  EXPECT_EQ(api.establish_calls, 2);
  EXPECT_EQ(api.release_calls, 1);
}

TEST(SharedContext, GivesUpAfterOneFreshAttempt) {
  FakeApi api;
  SharedContext shared(api);
  api.list_rv = SCARD_E_NO_SERVICE;
  auto r = shared.list_readers();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::pcsc_no_service);
  EXPECT_EQ(api.establish_calls, 2);
}

}  // namespace
}  // namespace onshi::pcsc
