// Pairing a face reader with its PC/SC card slot (pairing.hpp): by USB serial, confirmed by the
// bus/address of SCARD_ATTR_CHANNEL_ID; a disagreement is a replug and is refused, an ambiguity is
// reported, never guessed (a wrong pairing sends a patient's PIN prompt to another desk).
#include "onshi/driver/pairing.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace onshi::driver {
namespace {

constexpr std::uint16_t kVid = 0x1209;
constexpr std::uint16_t kPid = 0x0001;

FaceReaderLocation face(std::string serial, int bus, int address) {
  return {std::move(serial), kVid, kPid, bus, address};
}

CardSlot slot(std::string name, std::optional<std::string> serial, std::optional<int> bus,
              std::optional<int> address) {
  CardSlot s;
  s.reader_name = std::move(name);
  s.serial = std::move(serial);
  s.vendor_id = kVid;
  s.product_id = kPid;
  s.bus = bus;
  s.address = address;
  return s;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string all(const std::vector<std::string>& problems) {
  std::string out;
  for (const auto& p : problems) out += p + "\n";
  return out;
}

TEST(PairCardSlots, OneReaderPairsBySerialAndChannel) {
  const std::vector faces{face("FACE0001", 1, 7)};
  const std::vector slots{slot("onshi FR-1 [CCID] (FACE0001) 00 00", "FACE0001", 1, 7)};
  const auto r = pair_card_slots(faces, slots);
  ASSERT_EQ(r.pairs.size(), 1u);
  EXPECT_EQ(r.pairs[0].face_serial, "FACE0001");
  EXPECT_EQ(r.pairs[0].reader_name, "onshi FR-1 [CCID] (FACE0001) 00 00");
  EXPECT_EQ(r.pairs[0].by, PairedBy::serial_and_channel);
  EXPECT_TRUE(r.unpaired.empty());
  EXPECT_TRUE(r.problems.empty()) << all(r.problems);
}

TEST(PairCardSlots, SerialAloneWhenTheSlotsChannelIsUnknown) {
  const std::vector faces{face("FACE0001", 1, 7)};
  const std::vector slots{slot("reader", "FACE0001", std::nullopt, std::nullopt)};
  const auto r = pair_card_slots(faces, slots);
  ASSERT_EQ(r.pairs.size(), 1u);
  EXPECT_EQ(r.pairs[0].by, PairedBy::serial);
  EXPECT_TRUE(r.problems.empty()) << all(r.problems);
}

TEST(PairCardSlots, HalfAChannelIsAnUnknownChannel) {
  // A bus without an address cannot confirm (or refute) anything: serial only.
  const std::vector faces{face("FACE0001", 1, 7)};
  const std::vector slots{slot("reader", "FACE0001", 2, std::nullopt)};
  const auto r = pair_card_slots(faces, slots);
  ASSERT_EQ(r.pairs.size(), 1u);
  EXPECT_EQ(r.pairs[0].by, PairedBy::serial);
}

TEST(PairCardSlots, ChannelAloneWhenTheSlotHasNoSerial) {
  const std::vector faces{face("FACE0001", 3, 12)};
  const std::vector slots{slot("other", std::nullopt, 3, 11), slot("mine", std::nullopt, 3, 12)};
  const auto r = pair_card_slots(faces, slots);
  ASSERT_EQ(r.pairs.size(), 1u);
  EXPECT_EQ(r.pairs[0].reader_name, "mine");
  EXPECT_EQ(r.pairs[0].by, PairedBy::channel);
}

TEST(PairCardSlots, SerialMatchAtAnotherAddressIsAReplugAndNotPaired) {
  const std::vector faces{face("FACE0001", 1, 8)};
  for (const auto& stale : {slot("reader", "FACE0001", 1, 7), slot("reader", "FACE0001", 2, 8)}) {
    const std::vector slots{stale};
    const auto r = pair_card_slots(faces, slots);
    EXPECT_TRUE(r.pairs.empty());
    EXPECT_TRUE(contains(r.unpaired, "FACE0001"));
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_NE(r.problems[0].find("replugged"), std::string::npos) << r.problems[0];
    EXPECT_NE(r.problems[0].find("FACE0001"), std::string::npos) << r.problems[0];
    EXPECT_EQ(r.find("FACE0001"), nullptr);
  }
}

TEST(PairCardSlots, TwoReadersAndTwoSlotsListedInCrossedOrder) {
  const std::vector faces{face("FACE000A", 1, 3), face("FACE000B", 1, 4)};
  const std::vector slots{slot("slot B", "FACE000B", 1, 4), slot("slot A", "FACE000A", 1, 3)};
  const auto r = pair_card_slots(faces, slots);
  ASSERT_EQ(r.pairs.size(), 2u);
  ASSERT_NE(r.find("FACE000A"), nullptr);
  ASSERT_NE(r.find("FACE000B"), nullptr);
  EXPECT_EQ(r.find("FACE000A")->reader_name, "slot A");
  EXPECT_EQ(r.find("FACE000B")->reader_name, "slot B");
  EXPECT_TRUE(r.unpaired.empty());
}

TEST(PairCardSlots, TwoSerialLessSlotsPairByTheirChannels) {
  const std::vector faces{face("FACE000A", 1, 3), face("FACE000B", 1, 4)};
  const std::vector slots{slot("at 1/4", std::nullopt, 1, 4), slot("at 1/3", std::nullopt, 1, 3)};
  const auto r = pair_card_slots(faces, slots);
  ASSERT_EQ(r.pairs.size(), 2u);
  EXPECT_EQ(r.find("FACE000A")->reader_name, "at 1/3");
  EXPECT_EQ(r.find("FACE000B")->reader_name, "at 1/4");
}

TEST(PairCardSlots, AnotherVendorOrProductIsNotPaired) {
  const std::vector faces{face("FACE0001", 1, 7)};
  CardSlot vendor = slot("other vendor", "FACE0001", 1, 7);
  vendor.vendor_id = 0x076B;
  CardSlot product = slot("other product", "FACE0001", 1, 7);
  product.product_id = 0x0002;
  for (const auto& s : {vendor, product}) {
    const std::vector slots{s};
    const auto r = pair_card_slots(faces, slots);
    EXPECT_TRUE(r.pairs.empty()) << s.reader_name;
    EXPECT_TRUE(contains(r.unpaired, "FACE0001")) << s.reader_name;
  }
}

TEST(PairCardSlots, UnknownVendorAndProductOnTheSlotDoNotPreventPairing) {
  CardSlot s = slot("reader", "FACE0001", 1, 7);
  s.vendor_id.reset();
  s.product_id.reset();
  const std::vector faces{face("FACE0001", 1, 7)};
  const std::vector slots{s};
  EXPECT_EQ(pair_card_slots(faces, slots).pairs.size(), 1u);
}

TEST(PairCardSlots, TwoSlotsWithTheSameSerialAreAmbiguous) {
  const std::vector faces{face("FACE0001", 1, 7)};
  const std::vector slots{slot("first", "FACE0001", std::nullopt, std::nullopt),
                          slot("second", "FACE0001", std::nullopt, std::nullopt)};
  const auto r = pair_card_slots(faces, slots);
  EXPECT_TRUE(r.pairs.empty());
  EXPECT_TRUE(contains(r.unpaired, "FACE0001"));
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("FACE0001"), std::string::npos) << r.problems[0];
  EXPECT_NE(r.problems[0].find("2 card slots"), std::string::npos) << r.problems[0];
}

TEST(PairCardSlots, ASerialLessSlotIsUsedAtMostOnce) {
  // Two face readers claiming one address (a stale location): the slot goes to one of them.
  const std::vector faces{face("FACE000A", 1, 5), face("FACE000B", 1, 5)};
  const std::vector slots{slot("the one", std::nullopt, 1, 5)};
  const auto r = pair_card_slots(faces, slots);
  ASSERT_EQ(r.pairs.size(), 1u);
  EXPECT_EQ(r.unpaired.size(), 1u);
}

TEST(PairCardSlots, ASlotWithASerialIsUsedAtMostOnce) {
  const std::vector faces{face("CLONE", 1, 5), face("CLONE", 1, 6)};
  const std::vector slots{slot("the one", "CLONE", std::nullopt, std::nullopt)};
  const auto r = pair_card_slots(faces, slots);
  EXPECT_LE(r.pairs.size(), 1u);
  EXPECT_EQ(r.pairs.size() + r.unpaired.size(), 2u);
}

TEST(PairCardSlots, CloneSerialsAreResolvedByTheChannel) {
  // Two face readers with one serial (cloned firmware): the slot's address says whose it is.
  const std::vector faces{face("CLONE", 1, 5), face("CLONE", 1, 6)};
  const std::vector slots{slot("at 1/6", "CLONE", 1, 6)};
  const auto r = pair_card_slots(faces, slots);
  ASSERT_EQ(r.pairs.size(), 1u);
  EXPECT_EQ(r.pairs[0].reader_name, "at 1/6");
  EXPECT_EQ(r.pairs[0].by, PairedBy::serial_and_channel);
}

// Regression: pair_card_slots (driver/src/pairing.cpp) detects two slots sharing a serial, but not
// two face readers sharing one: with a single serial-only slot, the first face reader listed gets
// it, whichever desk the slot is on, and nothing is reported. The mirror of
// TwoSlotsWithTheSameSerialAreAmbiguous.
TEST(PairCardSlots, TwoFaceReadersWithTheSameSerialAndASerialOnlySlotAreAmbiguous) {
  const std::vector faces{face("CLONE", 1, 5), face("CLONE", 1, 6)};
  const std::vector slots{slot("the one", "CLONE", std::nullopt, std::nullopt)};
  const auto r = pair_card_slots(faces, slots);
  EXPECT_TRUE(r.pairs.empty()) << "paired with " << r.pairs[0].reader_name;
  EXPECT_FALSE(r.problems.empty());
}

TEST(PairCardSlots, ASlotWithAnotherSerialIsNotPairedByItsChannel) {
  // A serial that disagrees is not overridden by the address.
  const std::vector faces{face("FACE0001", 1, 7)};
  const std::vector slots{slot("reader", "FACE0002", 1, 7)};
  const auto r = pair_card_slots(faces, slots);
  EXPECT_TRUE(r.pairs.empty());
  EXPECT_TRUE(contains(r.unpaired, "FACE0001"));
}

TEST(PairCardSlots, AVirtualSlotWithoutSerialOrChannelIsNeverPaired) {
  // vpcd's slots: no serial, no channel, no USB IDs.
  CardSlot vpcd;
  vpcd.reader_name = "Virtual PCD 00 00";
  const std::vector faces{face("FACE0001", 1, 7), face("FACE0002", 0, 0)};
  const std::vector slots{vpcd};
  const auto r = pair_card_slots(faces, slots);
  EXPECT_TRUE(r.pairs.empty());
  EXPECT_EQ(r.unpaired.size(), 2u);
}

TEST(PairCardSlots, NoFaceReadersOrNoSlots) {
  const std::vector<FaceReaderLocation> no_faces;
  const std::vector slots{slot("reader", "FACE0001", 1, 7)};
  EXPECT_TRUE(pair_card_slots(no_faces, slots).pairs.empty());
  const std::vector faces{face("FACE0001", 1, 7)};
  const std::vector<CardSlot> no_slots;
  const auto r = pair_card_slots(faces, no_slots);
  EXPECT_TRUE(r.pairs.empty());
  EXPECT_TRUE(contains(r.unpaired, "FACE0001"));
}

}  // namespace
}  // namespace onshi::driver
