// The T=0-style behaviours: 61xx + GET RESPONSE and 6Cxx (cards-and-readers.md §1.6).
#include <gtest/gtest.h>

#include "onshi/sim/card.hpp"
#include "onshi/sim/status_words.hpp"
#include "test_support.hpp"

namespace onshi::sim {
namespace {

using testing::counter_bytes;
using testing::hex;
using testing::send;

constexpr std::size_t kChunk = 200;  // t0-style.json's get_response_chunk

class T0Style : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(send(card_, "00 A4 04 0C 0A " + std::string(testing::kTestAid)).sw, sw::kOk);
    ASSERT_EQ(send(card_, "00 A4 02 0C 02 00 02").sw, sw::kOk);
  }

  // What a host does: follow 61xx with GET RESPONSE 00 C0 00 00 xx until the last chunk.
  testing::Answer collect(testing::Answer first, std::vector<std::uint16_t>* sws = nullptr) {
    testing::Answer all = std::move(first);
    while ((all.sw & 0xFF00) == sw::kBytesRemainingBase) {
      const auto xx = static_cast<std::uint8_t>(all.sw & 0xFF);
      auto next = testing::split(card_.process(Bytes{0x00, 0xC0, 0x00, 0x00, xx}));
      EXPECT_LE(next.data.size(), kChunk);
      all.data.insert(all.data.end(), next.data.begin(), next.data.end());
      all.sw = next.sw;
      if (sws) sws->push_back(next.sw);
    }
    return all;
  }

  Card card_ = testing::powered_card("t0-style.json");
};

TEST_F(T0Style, LongAnswerComesAs61xxWithoutData) {
  const auto a = send(card_, "00 B0 00 00 00");
  EXPECT_EQ(a.sw, 0x6100);  // 256 bytes pending: xx = 256 & 0xFF
  EXPECT_TRUE(a.data.empty());
  auto b = send(card_, "00 C0 00 00 00");
  EXPECT_EQ(b.data, counter_bytes(0, kChunk));
  EXPECT_EQ(b.sw, 0x6138);  // 56 left
  b = send(card_, "00 C0 00 00 38");
  EXPECT_EQ(b.data, counter_bytes(kChunk, 56));
  EXPECT_EQ(b.sw, sw::kOk);
}

TEST_F(T0Style, GetResponseSequenceReassemblesTheWholeEf) {
  std::vector<std::uint16_t> sws;
  const auto all = collect(send(card_, "00 B0 00 00 00 05 DC"), &sws);
  EXPECT_EQ(all.sw, sw::kOk);
  EXPECT_EQ(all.data, counter_bytes(0, testing::kLargeEfSize));
  // 1500 = 7 x 200 + 100: while 256 or more are left xx is 00, then the exact rest, then 9000.
  const std::vector<std::uint16_t> expected{0x6100, 0x6100, 0x6100, 0x6100,
                                            0x6100, 0x6100, 0x6164, sw::kOk};
  EXPECT_EQ(sws, expected);
}

TEST_F(T0Style, ShortReadsWithStrictLeReadTheWholeEf) {
  Bytes file;
  for (std::size_t offset = 0; offset < testing::kLargeEfSize;) {
    Bytes read{0x00, 0xB0, static_cast<std::uint8_t>(offset >> 8),
               static_cast<std::uint8_t>(offset & 0xFF), 0x00};
    auto a = testing::split(card_.process(read));
    if ((a.sw & 0xFF00) == sw::kWrongLeBase) {  // 6Cxx: re-send with Le = xx
      read.back() = static_cast<std::uint8_t>(a.sw & 0xFF);
      a = testing::split(card_.process(read));
    }
    a = collect(std::move(a));
    ASSERT_EQ(a.sw, sw::kOk);
    ASSERT_FALSE(a.data.empty());
    file.insert(file.end(), a.data.begin(), a.data.end());
    offset += a.data.size();
  }
  EXPECT_EQ(file, counter_bytes(0, testing::kLargeEfSize));
}

TEST_F(T0Style, ShortAnswersAreNotChunked) {
  const auto a = send(card_, "00 B0 00 00 C8");  // exactly 200
  EXPECT_EQ(a.sw, sw::kOk);
  EXPECT_EQ(a.data.size(), kChunk);
}

TEST_F(T0Style, GetResponseHonoursASmallerLe) {
  ASSERT_EQ(send(card_, "00 B0 00 00 00").sw, 0x6100);
  const auto a = send(card_, "00 C0 00 00 10");
  EXPECT_EQ(a.data, counter_bytes(0, 16));
  EXPECT_EQ(a.sw, 0x61F0);  // 240 left
}

TEST_F(T0Style, AnotherCommandDropsWhatIsPending) {
  ASSERT_EQ(send(card_, "00 B0 00 00 00").sw, 0x6100);
  EXPECT_EQ(send(card_, "00 A4 02 0C 02 00 01").sw, sw::kOk);
  EXPECT_EQ(send(card_, "00 C0 00 00 00").sw, sw::kConditionsNotSatisfied);
}

TEST_F(T0Style, GetResponseChecksItsParameters) {
  EXPECT_EQ(send(card_, "00 C0 00 00 10").sw, sw::kConditionsNotSatisfied);  // nothing pending
  ASSERT_EQ(send(card_, "00 B0 00 00 00").sw, 0x6100);
  EXPECT_EQ(send(card_, "00 C0 01 00 10").sw, sw::kWrongP1P2);
  ASSERT_EQ(send(card_, "00 B0 00 00 00").sw, 0x6100);
  EXPECT_EQ(send(card_, "00 C0 00 00").sw, sw::kWrongLength);
}

TEST_F(T0Style, ResetDropsWhatIsPending) {
  ASSERT_EQ(send(card_, "00 B0 00 00 00").sw, 0x6100);
  card_.reset();
  EXPECT_EQ(send(card_, "00 C0 00 00 00").sw, sw::kConditionsNotSatisfied);
}

TEST(GenericPersona, GetResponseWithNothingPendingIs6985) {
  Card card = testing::powered_card();
  EXPECT_EQ(send(card, "00 C0 00 00 10").sw, sw::kConditionsNotSatisfied);
}

}  // namespace
}  // namespace onshi::sim
