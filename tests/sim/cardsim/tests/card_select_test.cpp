// SELECT (cards-and-readers.md §1.2, §1.3; test-rigs.md §2: unknown AIDs answer 6A82).
#include <gtest/gtest.h>

#include "onshi/sim/card.hpp"
#include "onshi/sim/status_words.hpp"
#include "test_support.hpp"

namespace onshi::sim {
namespace {

using testing::hex;
using testing::send;

class Select : public ::testing::Test {
 protected:
  Card card_ = testing::powered_card();
  std::string select_ap(std::string_view p2 = "0C") {
    return "00 A4 04 " + std::string(p2) + " 0A " + std::string(testing::kTestAid);
  }
  const FileNode& current_df() { return card_.state().files.node(card_.state().current_df); }
};

TEST_F(Select, ByFullAidWithoutFci) {
  const auto a = send(card_, select_ap());
  EXPECT_EQ(a.sw, sw::kOk);
  EXPECT_TRUE(a.data.empty());
  EXPECT_EQ(current_df().aid, hex(testing::kTestAid));
}

TEST_F(Select, ByAidWithP2ZeroReturnsFciWithTheDfName) {
  const auto a = send(card_, select_ap("00"));
  EXPECT_EQ(a.sw, sw::kOk);
  EXPECT_EQ(to_hex(a.data, true), "6F 0F 82 01 38 84 0A " + std::string(testing::kTestAid));
}

TEST_F(Select, CaseFourSelectIsAccepted) {
  EXPECT_EQ(send(card_, select_ap() + " 00").sw, sw::kOk);
}

TEST_F(Select, UnknownPrefixOrLongerAidIsNotFound) {
  EXPECT_EQ(send(card_, "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01").sw,
            sw::kFileNotFound);  // JPKI
  EXPECT_EQ(send(card_, "00 A4 04 0C 09 F0 4F 4E 53 48 49 53 49 4D").sw,
            sw::kFileNotFound);  // prefix
  EXPECT_EQ(send(card_, "00 A4 04 0C 0B F0 4F 4E 53 48 49 53 49 4D 01 00").sw, sw::kFileNotFound);
  EXPECT_EQ(send(card_, "00 A4 04 00 06 A0 00 00 03 08 00 00").sw, sw::kFileNotFound);  // PIV probe
  EXPECT_EQ(card_.state().current_df, FileTree::kMf);  // a failed SELECT changes nothing
}

TEST_F(Select, EfByFidUnderTheCurrentDf) {
  ASSERT_EQ(send(card_, select_ap()).sw, sw::kOk);
  EXPECT_EQ(send(card_, "00 A4 02 0C 02 00 01").sw, sw::kOk);
  ASSERT_TRUE(card_.state().current_ef);
  EXPECT_EQ(card_.state().files.node(*card_.state().current_ef).fid, 0x0001);
  EXPECT_EQ(send(card_, "00 A4 02 0C 02 00 99").sw, sw::kFileNotFound);
}

TEST_F(Select, EfOfAnotherDfIsNotFound) {
  // At the MF: EF 000A lives in the application DF, not here.
  EXPECT_EQ(send(card_, "00 A4 02 0C 02 00 0A").sw, sw::kFileNotFound);
}

TEST_F(Select, EfFciGivesSizeDescriptorAndFid) {
  ASSERT_EQ(send(card_, select_ap()).sw, sw::kOk);
  const auto a = send(card_, "00 A4 02 00 02 00 02");
  EXPECT_EQ(a.sw, sw::kOk);
  EXPECT_EQ(to_hex(a.data, true), "6F 0B 80 02 05 DC 82 01 01 83 02 00 02");
}

TEST_F(Select, MfByFidOrWithoutData) {
  ASSERT_EQ(send(card_, select_ap()).sw, sw::kOk);
  EXPECT_EQ(send(card_, "00 A4 00 0C 02 3F 00").sw, sw::kOk);
  EXPECT_EQ(card_.state().current_df, FileTree::kMf);
  ASSERT_EQ(send(card_, select_ap()).sw, sw::kOk);
  EXPECT_EQ(send(card_, "00 A4 00 0C").sw, sw::kOk);
  EXPECT_EQ(card_.state().current_df, FileTree::kMf);
  EXPECT_EQ(to_hex(send(card_, "00 A4 00 00 02 3F 00").data, true), "6F 07 82 01 38 83 02 3F 00");
}

TEST_F(Select, ChildDfByFid) {
  EXPECT_EQ(send(card_, "00 A4 01 0C 02 5F 00").sw, sw::kOk);
  EXPECT_EQ(current_df().fid, 0x5F00);
  EXPECT_EQ(send(card_, "00 A4 00 0C 02 00 01").sw, sw::kOk);  // P1=00 reaches an EF too
  EXPECT_EQ(send(card_, "00 B0 00 00 04").data, hex("5F 00 00 01"));
  EXPECT_EQ(send(card_, "00 A4 00 0C 02 3F 00").sw, sw::kOk);
  EXPECT_EQ(send(card_, "00 A4 00 0C 02 5F 00").sw, sw::kOk);  // P1=00 reaches a DF
  EXPECT_EQ(current_df().fid, 0x5F00);
}

TEST_F(Select, P1ChildDfDoesNotSelectAnEf) {
  EXPECT_EQ(send(card_, "00 A4 01 0C 02 00 03").sw, sw::kFileNotFound);
  EXPECT_EQ(send(card_, "00 A4 02 0C 02 5F 00").sw, sw::kFileNotFound);
}

TEST_F(Select, WrongP1P2AndLengths) {
  EXPECT_EQ(send(card_, "00 A4 08 0C 02 3F 00").sw, sw::kWrongP1P2);  // path: not emulated
  EXPECT_EQ(send(card_, "00 A4 04 04 02 AA BB").sw, sw::kWrongP1P2);  // FCP
  EXPECT_EQ(send(card_, "00 A4 04 0E 02 AA BB").sw, sw::kWrongP1P2);  // "previous occurrence"
  EXPECT_EQ(send(card_, "00 A4 02 0C 01 00").sw, sw::kWrongLength);
  EXPECT_EQ(send(card_, "00 A4 01 0C 03 00 00 01").sw, sw::kWrongLength);
  EXPECT_EQ(send(card_, "00 A4 04 0C").sw, sw::kWrongLength);
  EXPECT_EQ(send(card_, "00 A4 04 0C 02 AA").sw, sw::kWrongLength);  // malformed APDU
}

}  // namespace
}  // namespace onshi::sim
