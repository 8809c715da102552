// The JPKI AP's read side against emulated My Number cards behind the real pcscd: detection by
// SELECT, token label, the auth certificate byte for byte, and PIN counters without a try spent.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "jpki_rig.hpp"
#include "onshi/pcsc/jpki_ap.hpp"

namespace onshi::test {
namespace {

namespace jpki = pcsc::jpki;

using JpkiRead = JpkiRig;

TEST_F(JpkiRead, CardIsDetectedAndItsAuthCertificateReadExactly) {
  require_emulator();
  auto& slot = insert_named("jpki-card");
  auto card = connect();
  ASSERT_TRUE(card) << card.error().to_string();

  auto detected = jpki::detect(*card);
  ASSERT_TRUE(detected) << detected.error().to_string();
  EXPECT_TRUE(detected->jpki);
  EXPECT_EQ(detected->token, jpki::Token::card);

  const auto before = slot.apdu_count();
  auto cert = jpki::read_certificate(*card, jpki::kEfAuthCertificate);
  ASSERT_TRUE(cert) << cert.error().to_string();
  EXPECT_EQ(*cert, auth_certificate_der("jpki-card"));
  // SELECT EF + one READ BINARY per started 256 bytes: the fewest short APDUs (§1.6).
  EXPECT_EQ(slot.apdu_count() - before, 1 + (cert->size() + 255) / 256);
}

TEST_F(JpkiRead, PinCountersAreReadWithoutSpendingATry) {
  require_emulator();
  insert_named("jpki-card");
  auto card = connect();
  ASSERT_TRUE(card);
  ASSERT_TRUE(jpki::detect(*card)->jpki);
  for (int round = 0; round < 2; ++round) {  // reading twice changes nothing
    auto auth = jpki::read_pin_status(*card, jpki::kEfAuthPin);
    ASSERT_TRUE(auth) << auth.error().to_string();
    EXPECT_EQ(auth->tries_left, 3);  // cards-and-readers.md §1.4
    auto sign = jpki::read_pin_status(*card, jpki::kEfSignPin);
    ASSERT_TRUE(sign) << sign.error().to_string();
    EXPECT_EQ(sign->tries_left, 5);
  }
}

TEST_F(JpkiRead, SmartphoneTokenIsToldApart) {
  require_emulator();
  insert_named("jpki-smartphone");
  auto card = connect();
  ASSERT_TRUE(card);
  auto detected = jpki::detect(*card);
  ASSERT_TRUE(detected) << detected.error().to_string();
  EXPECT_TRUE(detected->jpki);
  EXPECT_EQ(detected->token, jpki::Token::android);
}

TEST_F(JpkiRead, OtherCardsAreNotMyNumberCards) {
  require_emulator();
  insert_card(0);
  auto card = connect();
  ASSERT_TRUE(card);
  auto detected = jpki::detect(*card);
  ASSERT_TRUE(detected);
  EXPECT_FALSE(detected->jpki);
}

}  // namespace
}  // namespace onshi::test
