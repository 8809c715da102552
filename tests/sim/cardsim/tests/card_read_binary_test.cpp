// READ BINARY (cards-and-readers.md §1.6).
#include <gtest/gtest.h>

#include "onshi/sim/card.hpp"
#include "onshi/sim/status_words.hpp"
#include "test_support.hpp"

namespace onshi::sim {
namespace {

using testing::counter_bytes;
using testing::hex;
using testing::send;

class ReadBinary : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(send(card_, "00 A4 04 0C 0A " + std::string(testing::kTestAid)).sw, sw::kOk);
  }
  void select_ef(std::string_view fid) {
    ASSERT_EQ(send(card_, "00 A4 02 0C 02 " + std::string(fid)).sw, sw::kOk);
  }
  Card card_ = testing::powered_card();
};

TEST_F(ReadBinary, ReadsFromOffsets) {
  select_ef("00 01");
  auto a = send(card_, "00 B0 00 00 05");
  EXPECT_EQ(a.sw, sw::kOk);
  EXPECT_EQ(std::string(a.data.begin(), a.data.end()), "onshi");
  a = send(card_, "00 B0 00 06 04");
  EXPECT_EQ(std::string(a.data.begin(), a.data.end()), "card");
  select_ef("00 02");
  a = send(card_, "00 B0 03 E8 10");  // offset 1000
  EXPECT_EQ(a.data, counter_bytes(1000, 16));
}

TEST_F(ReadBinary, LeZeroMeans256) {
  select_ef("00 02");
  const auto a = send(card_, "00 B0 01 00 00");
  EXPECT_EQ(a.sw, sw::kOk);
  EXPECT_EQ(a.data, counter_bytes(256, 256));
}

TEST_F(ReadBinary, PastTheEndGivesTheRestWith6282) {
  select_ef("00 02");
  const auto a = send(card_, "00 B0 05 00 00");  // offset 1280: 220 bytes left
  EXPECT_EQ(a.sw, sw::kEndOfFileBeforeLe);
  EXPECT_EQ(a.data, counter_bytes(1280, 220));
}

TEST_F(ReadBinary, OffsetAtOrBeyondTheEndIs6B00) {
  select_ef("00 02");
  EXPECT_EQ(send(card_, "00 B0 05 DC 01").sw, sw::kOffsetBeyondEnd);  // offset 1500 = size
  EXPECT_EQ(send(card_, "00 B0 7F FF 01").sw, sw::kOffsetBeyondEnd);
  select_ef("00 0C");  // empty EF
  EXPECT_EQ(send(card_, "00 B0 00 00 00").sw, sw::kOffsetBeyondEnd);
}

TEST_F(ReadBinary, ShortEfIdentifierReadsAndSelects) {
  auto a = send(card_, "00 B0 81 00 05");  // SFI 1, offset 0
  EXPECT_EQ(a.sw, sw::kOk);
  EXPECT_EQ(std::string(a.data.begin(), a.data.end()), "onshi");
  a = send(card_, "00 B0 00 06 04");  // EF 0001 is now the current EF
  EXPECT_EQ(std::string(a.data.begin(), a.data.end()), "card");
  a = send(card_, "00 B0 82 FA 06");  // SFI 2, offset 250
  EXPECT_EQ(a.data, counter_bytes(250, 6));
  a = send(card_, "00 B0 8A 00 04");  // SFI 10: the DER header of the pseudo certificate
  EXPECT_EQ(a.data, hex("30 82 01 FC"));
}

TEST_F(ReadBinary, BadShortEfIdentifiers) {
  EXPECT_EQ(send(card_, "00 B0 85 00 01").sw, sw::kFileNotFound);  // no SFI 5 here
  EXPECT_EQ(send(card_, "00 B0 80 00 01").sw, sw::kWrongP1P2);     // SFI 0
  EXPECT_EQ(send(card_, "00 B0 A1 00 01").sw, sw::kWrongP1P2);     // bits 7-6 must be 0
  EXPECT_EQ(send(card_, "00 B0 83 00 01").sw, sw::kFileNotFound);  // SFI 3 is the MF's
}

TEST_F(ReadBinary, WithoutACurrentEfIs6986) {
  EXPECT_EQ(send(card_, "00 B0 00 00 01").sw, sw::kNoCurrentEf);
}

TEST_F(ReadBinary, ExtendedLeReadsTheWholeFile) {
  select_ef("00 02");
  auto a = send(card_, "00 B0 00 00 00 05 DC");
  EXPECT_EQ(a.sw, sw::kOk);
  EXPECT_EQ(a.data, counter_bytes(0, testing::kLargeEfSize));
  a = send(card_, "00 B0 00 00 00 00 00");  // Ne 65536
  EXPECT_EQ(a.sw, sw::kEndOfFileBeforeLe);
  EXPECT_EQ(a.data.size(), testing::kLargeEfSize);
}

TEST_F(ReadBinary, NeedsLeAndNoData) {
  select_ef("00 01");
  EXPECT_EQ(send(card_, "00 B0 00 00").sw, sw::kWrongLength);
  EXPECT_EQ(send(card_, "00 B0 00 00 01 AA").sw, sw::kWrongLength);
}

TEST_F(ReadBinary, StrictLeAsksForTheExactLength) {
  card_.set_behaviour(Behaviour{0, true});
  select_ef("00 02");
  auto a = send(card_, "00 B0 05 00 00");
  EXPECT_EQ(a.sw, 0x6CDC);  // 220 bytes left
  EXPECT_TRUE(a.data.empty());
  a = send(card_, "00 B0 05 00 DC");
  EXPECT_EQ(a.sw, sw::kOk);
  EXPECT_EQ(a.data, counter_bytes(1280, 220));
  EXPECT_EQ(send(card_, "00 B0 05 00 10").sw, sw::kOk);  // Le below the rest is fine
  EXPECT_EQ(send(card_, "00 B0 05 00 00 01 00").sw, sw::kEndOfFileBeforeLe);  // extended: 6282
}

}  // namespace
}  // namespace onshi::sim
