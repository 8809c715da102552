// PSO COMPUTE DIGITAL SIGNATURE on the HPKI card (cards-and-readers.md §2.1 C.6, §2.2): raw
// RSA on the host's padded block, by extended Lc or by command chaining, its preconditions,
// and the signature application's "PIN before every signature".
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "hpki_test_support.hpp"
#include "onshi/sim/status_words.hpp"

namespace onshi::sim {
namespace {

using hpki::Application;
using hpki::ProfileId;
using testing::send;
using testing::transmit;

struct Case {
  std::string_view persona;
  ProfileId profile;
  Application app;
  std::uint8_t verify_p2;
  std::string_view mse;
};

// Both profiles' own VERIFY and MSE (§2.2 / §2.1).
const Case kJmaSignature{testpki::kHpkiJmaDoctorPersona, ProfileId::jma, Application::signature,
                         0x88, "00 22 41 B6 04 84 02 00 0C"};
const Case kJahisSignature{testpki::kHpkiJahisClinicPersona, ProfileId::jahis,
                           Application::signature, 0x96, "00 22 41 B6 04 81 02 00 17"};
const Case kJahisAuthentication{testpki::kHpkiJahisClinicPersona, ProfileId::jahis,
                                Application::authentication, 0x96, "00 22 41 B6 04 81 02 00 17"};

const testpki::GeneratedHpkiPersona& generated(const Case& c) {
  return testing::GeneratedHpkiSet::get().persona(c.persona);
}

std::string pin_of(const Case& c) {
  return c.app == Application::signature ? generated(c).signature_pin
                                         : generated(c).authentication_pin;
}

ossl::X509Ptr cert_of(const Case& c) {
  return testing::read_pem_cert(c.app == Application::signature
                                    ? generated(c).signature_cert_pem
                                    : generated(c).authentication_cert_pem);
}

// Application selected, MSE set, PIN verified.
Card ready(const Case& c) {
  Card card = testing::hpki_card(c.persona);
  EXPECT_EQ(transmit(card, testing::select_name_apdu(testing::aid_of(c.profile, c.app))).sw,
            sw::kOk);
  EXPECT_EQ(send(card, c.mse).sw, sw::kOk);
  EXPECT_EQ(transmit(card, testing::verify_apdu(c.verify_p2, pin_of(c))).sw, sw::kOk);
  return card;
}

class HpkiSignature : public ::testing::TestWithParam<Case> {};

TEST_P(HpkiSignature, ChainingGivesTheSameSignatureAsExtendedLc) {
  const Case& c = GetParam();
  const Bytes block = testing::pkcs1_block("chained message");
  Card extended = ready(c);
  const auto reference = transmit(extended, testing::pso_extended(block));
  ASSERT_EQ(reference.sw, sw::kOk);
  const auto cert = cert_of(c);
  ASSERT_TRUE(cert);
  EXPECT_TRUE(testing::verifies(cert.get(), testing::text_view("chained message"), reference.data));

  for (std::size_t parts : {2U, 3U}) {
    Card card = ready(c);
    const auto apdus = testing::pso_chained(block, parts);
    ASSERT_EQ(apdus.size(), parts);
    for (std::size_t i = 0; i + 1 < apdus.size(); ++i) {
      EXPECT_EQ(transmit(card, apdus[i]).sw, sw::kOk) << "part " << i;
    }
    const auto last = transmit(card, apdus.back());
    EXPECT_EQ(last.sw, sw::kOk);
    EXPECT_EQ(last.data, reference.data) << parts << " parts";  // raw RSA is deterministic
  }
}

TEST_P(HpkiSignature, AnInterruptedChainIsDropped) {
  const Case& c = GetParam();
  Card card = ready(c);
  const auto apdus = testing::pso_chained(testing::pkcs1_block("m"), 2);
  ASSERT_EQ(transmit(card, apdus[0]).sw, sw::kOk);
  ASSERT_EQ(
      send(card, "00 A4 02 0C 02 " + std::string(c.profile == ProfileId::jma ? "00 16" : "00 18"))
          .sw,
      sw::kOk);
  // The last part alone is 128 bytes, not a 256-byte block.
  EXPECT_EQ(transmit(card, apdus[1]).sw, sw::kWrongLength);
  // Nothing was signed, so the PIN still opens one signature.
  EXPECT_EQ(transmit(card, testing::pso_extended(testing::pkcs1_block("m"))).sw, sw::kOk);
}

TEST_P(HpkiSignature, PreconditionsAndLengths) {
  const Case& c = GetParam();
  Card card = testing::hpki_card(c.persona);
  ASSERT_EQ(transmit(card, testing::select_name_apdu(testing::aid_of(c.profile, c.app))).sw,
            sw::kOk);
  const Bytes block = testing::pkcs1_block("m");
  // No MSE yet: 6985 (even with the PIN unverified).
  EXPECT_EQ(transmit(card, testing::pso_extended(block)).sw, sw::kConditionsNotSatisfied);
  ASSERT_EQ(send(card, c.mse).sw, sw::kOk);
  EXPECT_EQ(transmit(card, testing::pso_extended(block)).sw, sw::kSecurityStatusNotSatisfied);
  ASSERT_EQ(transmit(card, testing::verify_apdu(c.verify_p2, pin_of(c))).sw, sw::kOk);
  // Not 256 bytes: 6700, and the PIN is not spent.
  EXPECT_EQ(transmit(card, testing::pso_extended(Bytes(255, 0x01))).sw, sw::kWrongLength);
  EXPECT_EQ(transmit(card, testing::pso_extended(Bytes(257, 0x01))).sw, sw::kWrongLength);
  // Without Le.
  Bytes no_le = testing::pso_extended(block);
  no_le.resize(no_le.size() - 2);
  EXPECT_EQ(transmit(card, no_le).sw, sw::kWrongLength);
  EXPECT_EQ(send(card, "00 2A 9E 9B 01 00 00").sw, sw::kWrongP1P2);
  // A block at or above the modulus: 6A80.
  EXPECT_EQ(transmit(card, testing::pso_extended(Bytes(256, 0xFF))).sw, 0x6A80);
  // A block that is not PKCS#1 is signed all the same: the raw private operation.
  Bytes raw(256, 0x5A);
  raw[0] = 0x00;
  const auto a = transmit(card, testing::pso_extended(raw));
  ASSERT_EQ(a.sw, sw::kOk);
  const auto cert = cert_of(c);
  ASSERT_TRUE(cert);
  EXPECT_EQ(testing::rsa_public(X509_get0_pubkey(cert.get()), a.data), raw);
}

TEST_P(HpkiSignature, PinBeforeEverySignatureOnlyInTheSignatureApplication) {
  const Case& c = GetParam();
  Card card = ready(c);
  const Bytes block = testing::pkcs1_block("first");
  ASSERT_EQ(transmit(card, testing::pso_extended(block)).sw, sw::kOk);
  const auto second = transmit(card, testing::pso_extended(testing::pkcs1_block("second")));
  if (c.app == Application::signature) {
    // §2.1 "毎回": the verified state went with the first signature.
    EXPECT_EQ(second.sw, sw::kSecurityStatusNotSatisfied);
    EXPECT_EQ(send(card, "00 20 00 " + fmt::format("{:02X}", c.verify_p2)).sw, 0x63CF);
    ASSERT_EQ(transmit(card, testing::verify_apdu(c.verify_p2, pin_of(c))).sw, sw::kOk);
    EXPECT_EQ(transmit(card, testing::pso_extended(testing::pkcs1_block("second"))).sw, sw::kOk);
  } else {
    EXPECT_EQ(second.sw, sw::kOk);
  }
}

TEST_P(HpkiSignature, WarmResetKeepsTheVerifiedPinPowerDownDropsIt) {
  const Case& c = GetParam();
  Card card = ready(c);
  card.reset();
  ASSERT_EQ(transmit(card, testing::select_name_apdu(testing::aid_of(c.profile, c.app))).sw,
            sw::kOk);
  const std::string verify_query = "00 20 00 " + fmt::format("{:02X}", c.verify_p2);
  EXPECT_EQ(send(card, verify_query).sw, sw::kOk);
  // The reset dropped the MSE state with the selection.
  EXPECT_EQ(transmit(card, testing::pso_extended(testing::pkcs1_block("m"))).sw,
            sw::kConditionsNotSatisfied);
  card.power_off();
  card.power_on();
  ASSERT_EQ(transmit(card, testing::select_name_apdu(testing::aid_of(c.profile, c.app))).sw,
            sw::kOk);
  EXPECT_EQ(send(card, verify_query).sw, 0x63CF);
}

INSTANTIATE_TEST_SUITE_P(Profiles, HpkiSignature,
                         ::testing::Values(kJmaSignature, kJahisSignature, kJahisAuthentication),
                         [](const auto& test) {
                           return std::string(hpki::profile(test.param.profile).name) + "_" +
                                  std::string(hpki::application_name(test.param.app));
                         });

}  // namespace
}  // namespace onshi::sim
