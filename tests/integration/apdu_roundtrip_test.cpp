// APDUs through the real pcscd + vpcd + emulated card.
#include <gtest/gtest.h>

#include "onshi/pcsc/reader_identity.hpp"
#include "onshi/pcsc/status_word.hpp"
#include "pcsc_rig.hpp"

namespace onshi::test {
namespace {

using ApduRoundTrip = PcscRig;

Bytes read_whole_ef(pcsc::Card& card, std::uint16_t fid, std::size_t size) {
  EXPECT_TRUE(card.transmit(select_ef(fid))->ok());
  Bytes out;
  while (out.size() < size) {
    auto r = card.transmit(read_binary(out.size(), std::min<std::size_t>(256, size - out.size())));
    EXPECT_TRUE(r) << r.error().to_string();
    if (!r || !r->ok() || r->data.empty()) break;
    out.insert(out.end(), r->data.begin(), r->data.end());
  }
  return out;
}

TEST_F(ApduRoundTrip, SelectAndReadReturnTheCardsBytes) {
  require_emulator();
  insert_card();
  auto card = connect();
  ASSERT_TRUE(card) << card.error().to_string();
  auto status = card->status();
  ASSERT_TRUE(status) << status.error().to_string();
  EXPECT_EQ(status->atr, kTestAtr);
  EXPECT_EQ(card->protocol(), pcsc::Protocol::t1);  // vpcd always reports T=1 (test-rigs.md §1)

  auto selected = card->transmit(select_test_df());
  ASSERT_TRUE(selected);
  EXPECT_EQ(selected->sw(), 0x9000) << pcsc::describe_sw(selected->sw());
  EXPECT_EQ(read_whole_ef(*card, 0x0001, 16), test_file_contents(1));
  EXPECT_EQ(read_whole_ef(*card, 0x0002, 1500), test_file_contents(2));
}

TEST_F(ApduRoundTrip, UnknownApplicationAnswers6A82) {
  require_emulator();
  insert_card();
  auto card = connect();
  ASSERT_TRUE(card);
  auto r = card->transmit({0x00, 0xA4, 0x04, 0x0C, {0xA0, 0x00, 0x00, 0x00, 0x01}, std::nullopt});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->sw(), 0x6A82);
}

// T=0-style cards answer 61xx and the layer collects the rest with GET RESPONSE.
TEST_F(ApduRoundTrip, GetResponseChainsReassembleLongAnswers) {
  require_emulator();
  auto& slot = insert_card(0, test_persona_json(/*get_response_chunk=*/100));
  auto card = connect();
  ASSERT_TRUE(card);
  ASSERT_TRUE(card->transmit(select_test_df())->ok());
  ASSERT_TRUE(card->transmit(select_ef(2))->ok());
  const auto before = slot.apdu_count();
  auto r = card->transmit(read_binary(0, 256));
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->sw(), 0x9000);
  const Bytes expected = test_file_contents(2);
  EXPECT_EQ(r->data, Bytes(expected.begin(), expected.begin() + 256));
  // READ BINARY, then GET RESPONSE for 100 + 100 + 56 bytes.
  EXPECT_GE(slot.apdu_count() - before, 4u);
}

// A card that insists on the exact Le answers 6Cxx; the layer re-sends once with it.
TEST_F(ApduRoundTrip, WrongLeIsResentWithTheCardsLength) {
  require_emulator();
  insert_card(0, test_persona_json(0, /*strict_le=*/true));
  auto card = connect();
  ASSERT_TRUE(card);
  ASSERT_TRUE(card->transmit(select_test_df())->ok());
  ASSERT_TRUE(card->transmit(select_ef(1))->ok());
  auto r = card->transmit(read_binary(10, 256));  // only 6 bytes are left
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->sw(), 0x9000) << pcsc::describe_sw(r->sw());
  const Bytes expected = test_file_contents(1);
  EXPECT_EQ(r->data, Bytes(expected.begin() + 10, expected.end()));
}

TEST_F(ApduRoundTrip, VirtualReaderHasANameBasedIdentity) {
  require_emulator();
  auto ctx = new_context();
  auto id = pcsc::query_reader_identity(ctx, reader(0));
  ASSERT_TRUE(id) << id.error().to_string();
  EXPECT_FALSE(id->is_usb());
  EXPECT_FALSE(id->vendor_id);
  EXPECT_EQ(id->base_name, "onshi vpcd");
  EXPECT_EQ(id->stable_key(), "name:onshi vpcd");
}

}  // namespace
}  // namespace onshi::test
