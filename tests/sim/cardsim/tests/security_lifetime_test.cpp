// cards-and-readers.md §1.4 "security status lifetime" through the vpcd wire: a warm reset (vpcd
// control 02, what pcscd sends for SCARD_RESET_CARD) keeps a verified PIN; power off and on
// (00, 01: SCARD_UNPOWER_CARD) clears it. Both go back to the MF.
#include <gtest/gtest.h>

#include "fake_vpcd.hpp"
#include "jpki_test_support.hpp"
#include "onshi/sim/vpcd_card_slot.hpp"

namespace onshi::sim {
namespace {

using namespace std::chrono_literals;
using testing::hex;

constexpr std::uint8_t kPowerOff = 0x00;
constexpr std::uint8_t kPowerOn = 0x01;
constexpr std::uint8_t kReset = 0x02;

class SecurityLifetime : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(vpcd_.ok());
    SlotOptions options;
    options.port = vpcd_.port();
    slot_ = std::make_unique<VpcdCardSlot>(
        Card(testing::generated_persona(testing::GeneratedPki::get().card())), options);
    ASSERT_TRUE(slot_->insert(std::chrono::steady_clock::now() + 2s));
    ASSERT_TRUE(vpcd_.accept());
    ASSERT_TRUE(vpcd_.send_control(kPowerOn));
  }

  std::uint16_t sw_of(std::string_view apdu) {
    const auto answer = vpcd_.transmit(hex(apdu));
    if (!answer || answer->size() < 2) return 0;
    return static_cast<std::uint16_t>(((*answer)[answer->size() - 2] << 8) | answer->back());
  }

  std::uint16_t query_auth_pin() {
    EXPECT_EQ(sw_of(testing::kSelectJpki), 0x9000);
    return sw_of("00 20 00 98");
  }

  void verify_both() {
    ASSERT_EQ(sw_of(testing::kSelectJpki), 0x9000);
    const auto auth = testing::verify_apdu(0x98, testing::GeneratedPki::get().card().auth_pin);
    ASSERT_EQ(vpcd_.transmit(auth), hex("90 00"));
    ASSERT_EQ(sw_of(testing::kSelectKenmen), 0x9000);
    const auto kenmen = testing::verify_apdu(0x91, testing::GeneratedPki::get().card().kenmen_pin);
    ASSERT_EQ(vpcd_.transmit(kenmen), hex("90 00"));
  }

  testing::FakeVpcd vpcd_;
  std::unique_ptr<VpcdCardSlot> slot_;
};

TEST_F(SecurityLifetime, WarmResetKeepsVerifiedPinsButReturnsToTheMf) {
  ASSERT_NO_FATAL_FAILURE(verify_both());
  ASSERT_TRUE(vpcd_.send_control(kReset));
  EXPECT_EQ(sw_of("00 B0 81 00 03"), 0x6A82);  // the MF has no EF with SFI 1
  EXPECT_EQ(query_auth_pin(), 0x9000);
  EXPECT_EQ(sw_of(testing::kSelectKenmen), 0x9000);
  EXPECT_EQ(vpcd_.transmit(hex("00 B0 81 00 03")), hex("FF 10 0C 90 00"));
  ASSERT_TRUE(vpcd_.send_control(kReset));  // and again
  EXPECT_EQ(query_auth_pin(), 0x9000);
}

TEST_F(SecurityLifetime, PowerOffAndOnClearsThem) {
  ASSERT_NO_FATAL_FAILURE(verify_both());
  ASSERT_TRUE(vpcd_.send_control(kPowerOff));
  ASSERT_TRUE(vpcd_.send_control(kPowerOn));
  EXPECT_EQ(query_auth_pin(), 0x63C3);
  EXPECT_EQ(sw_of(testing::kSelectKenmen), 0x9000);
  EXPECT_EQ(sw_of("00 B0 81 00 03"), 0x6982);
}

TEST_F(SecurityLifetime, ResetOfAnUnpoweredCardIsAColdStart) {
  ASSERT_NO_FATAL_FAILURE(verify_both());
  ASSERT_TRUE(vpcd_.send_control(kPowerOff));
  ASSERT_TRUE(vpcd_.send_control(kReset));  // powers it up again, nothing verified
  EXPECT_EQ(query_auth_pin(), 0x63C3);
}

}  // namespace
}  // namespace onshi::sim
