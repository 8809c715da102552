// The JPKI AP's read side against emulated My Number cards behind the real pcscd: detection by
// SELECT, token label, the auth certificate byte for byte, and PIN counters without a try spent.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "onshi/pcsc/jpki_ap.hpp"
#include "onshi/sim/jpki_test_pki.hpp"
#include "pcsc_rig.hpp"

namespace onshi::test {
namespace {

namespace jpki = pcsc::jpki;

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Bytes pem_to_der(const std::filesystem::path& pem) {
  const std::string text = read_text(pem);
  BIO* bio = BIO_new_mem_buf(text.data(), static_cast<int>(text.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (cert == nullptr) return {};
  unsigned char* der = nullptr;
  const int n = i2d_X509(cert, &der);
  Bytes out(der, der + std::max(n, 0));
  OPENSSL_free(der);
  X509_free(cert);
  return out;
}

class JpkiRead : public PcscRig {
 protected:
  void SetUp() override {
    PcscRig::SetUp();
    if (on_hardware()) return;
    dir_ = std::filesystem::temp_directory_path() / ("onshi-jpki-read-" + std::to_string(::getpid()));
    auto made = sim::testpki::generate_jpki_personas(dir_, sim::testpki::today_jst());
    ASSERT_TRUE(made) << made.error().to_string();
    pki_ = std::move(made).value();
  }
  void TearDown() override {
    PcscRig::TearDown();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  sim::VpcdCardSlot& insert_generated(std::size_t which) {
    auto persona = sim::load_persona_file(pki_.personas.at(which).persona_file);
    EXPECT_TRUE(persona) << persona.error().to_string();
    return insert_persona(0, std::move(persona).value());
  }
  std::filesystem::path dir_;
  sim::testpki::Generated pki_;
};

TEST_F(JpkiRead, CardIsDetectedAndItsAuthCertificateReadExactly) {
  require_emulator();
  const auto& persona = pki_.personas.at(0);
  auto& slot = insert_generated(0);
  auto card = connect();
  ASSERT_TRUE(card) << card.error().to_string();

  auto detected = jpki::detect(*card);
  ASSERT_TRUE(detected) << detected.error().to_string();
  EXPECT_TRUE(detected->jpki);
  EXPECT_EQ(detected->token, jpki::Token::card);

  const auto before = slot.apdu_count();
  auto cert = jpki::read_certificate(*card, jpki::kEfAuthCertificate);
  ASSERT_TRUE(cert) << cert.error().to_string();
  EXPECT_EQ(*cert, pem_to_der(persona.auth_cert_pem));
  // SELECT EF + one READ BINARY per started 256 bytes: the fewest short APDUs (§1.6).
  EXPECT_EQ(slot.apdu_count() - before, 1 + (cert->size() + 255) / 256);
}

TEST_F(JpkiRead, PinCountersAreReadWithoutSpendingATry) {
  require_emulator();
  insert_generated(0);
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
  insert_generated(1);
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
