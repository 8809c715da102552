// The JPKI AP's persona variants: no sign certificate (§1.3), the PIN-less card (marker invented
// by onshi) and the EC P-384 card (commands invented by onshi, §1.12).
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/sha.h>

#include <string>

#include "jpki_test_support.hpp"
#include "onshi/sim/jpki_handler.hpp"

namespace onshi::sim {
namespace {

using testing::digest_info;
using testing::GeneratedPki;
using testing::hex;
using testing::send;
using testing::sign_apdu;
using testing::transmit;
using testing::verify_apdu;

constexpr std::uint8_t kCurrentEf = 0x80;
constexpr std::uint8_t kAuthKey = 0x97;
constexpr std::uint8_t kSignKey = 0x9A;
constexpr std::uint8_t kAuthPinSfi = 0x98;
constexpr std::uint8_t kSignPinSfi = 0x9B;

Card card_of(std::string_view persona) {
  return testing::jpki_card(GeneratedPki::get().persona(persona));
}

Bytes sha384(std::string_view message) {
  Bytes digest(SHA384_DIGEST_LENGTH);
  SHA384(reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data());
  return digest;
}

// r || s (48 + 48 bytes) → DER ECDSA-Sig-Value, verified over the hash with the key.
bool ecdsa_verifies(EVP_PKEY* key, const Bytes& hash, const Bytes& raw) {
  if (raw.size() != 96) return false;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(raw.data(), 48, nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + 48, 48, nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return false;
  }
  unsigned char* der = nullptr;
  const int der_size = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  const ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new(key, nullptr));
  const bool ok = der_size > 0 && ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
                  EVP_PKEY_verify(ctx.get(), der, static_cast<std::size_t>(der_size), hash.data(),
                                  hash.size()) == 1;
  OPENSSL_free(der);
  return ok;
}

TEST(JpkiChild, HasNoSignCertificateKeyOrPassword) {
  Card card = card_of(testpki::kChildPersona);
  EXPECT_EQ(send(card, "00 B0 88 00 03").data, hex("8F 00 00"));  // EF 0008
  for (std::string_view select :
       {"00 A4 02 0C 02 00 01", "00 A4 02 0C 02 00 1A", "00 A4 02 0C 02 00 1B"}) {
    EXPECT_EQ(send(card, select).sw, 0x6A82) << select;
  }
  EXPECT_EQ(send(card, "00 B0 81 00 04").sw, 0x6A82);
  EXPECT_EQ(transmit(card, verify_apdu(kSignPinSfi, "")).sw, 0x6A88);
  EXPECT_EQ(send(card, "00 B0 82 00 04").sw, 0x9000);  // the sign CA is still there
  const std::string& pin = GeneratedPki::get().persona(testpki::kChildPersona).auth_pin;
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, pin)).sw, 0x9000);
  EXPECT_EQ(transmit(card, sign_apdu(0x00, kSignKey, digest_info("m"))).sw, 0x6A88);
  const auto cert =
      testing::read_pem_cert(GeneratedPki::get().persona(testpki::kChildPersona).auth_cert_pem);
  ASSERT_TRUE(cert);
  const auto signature = transmit(card, sign_apdu(0x00, kAuthKey, digest_info("m")));
  ASSERT_EQ(signature.sw, 0x9000);
  EXPECT_TRUE(testing::verifies(cert.get(), testing::text_view("m"), signature.data));
}

TEST(JpkiPinLess, CarriesTheInventedMarkerInEf001E) {
  Card card = card_of(testpki::kPinLessPersona);
  const auto by_sfi = send(card, "00 B0 9E 00 00");
  EXPECT_EQ(by_sfi.sw, 0x6282);  // 12 bytes, fewer than Le = 256
  EXPECT_EQ(by_sfi.data, hex("4F 4E 53 48 49 2D 4E 4F 50 49 4E 01"));  // "ONSHI-NOPIN" 01
  ASSERT_EQ(send(card, "00 A4 02 0C 02 00 1E").sw, 0x9000);
  EXPECT_EQ(send(card, "00 B0 00 00 0C").data, jpki::pin_less_marker());
  // An ordinary card has no EF 001E.
  Card normal = testing::jpki_card();
  EXPECT_EQ(send(normal, "00 A4 02 0C 02 00 1E").sw, 0x6A82);
  EXPECT_EQ(send(normal, "00 B0 9E 00 01").sw, 0x6A82);
}

TEST(JpkiPinLess, HasNoPinsNoSignCertificateAndAnUnusableAuthKey) {
  Card card = card_of(testpki::kPinLessPersona);
  EXPECT_EQ(send(card, "00 B0 88 00 03").data, hex("8F 00 00"));
  for (std::string_view select : {"00 A4 02 0C 02 00 18", "00 A4 02 0C 02 00 1B",
                                  "00 A4 02 0C 02 00 01", "00 A4 02 0C 02 00 1A"}) {
    EXPECT_EQ(send(card, select).sw, 0x6A82) << select;
  }
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, "")).sw, 0x6A88);
  EXPECT_EQ(transmit(card, verify_apdu(kAuthPinSfi, "1234")).sw, 0x6A88);
  EXPECT_EQ(transmit(card, verify_apdu(kSignPinSfi, "")).sw, 0x6A88);
  EXPECT_EQ(transmit(card, sign_apdu(0x00, kAuthKey, digest_info("m"))).sw, 0x6982);
  ASSERT_EQ(send(card, "00 A4 02 0C 02 00 17").sw, 0x9000);  // the key EF exists
  EXPECT_EQ(transmit(card, sign_apdu(0x00, kCurrentEf, digest_info("m"))).sw, 0x6982);
  EXPECT_EQ(transmit(card, sign_apdu(0x00, kSignKey, digest_info("m"))).sw, 0x6A88);
  // The auth certificate reads as on any card.
  EXPECT_EQ(send(card, "00 B0 8A 00 02").data, hex("30 82"));
}

TEST(JpkiPinLess, KenmenApHasNoPinButTheCardPresentKeyWorks) {
  Card card = testing::kenmen_card(testpki::kPinLessPersona);
  EXPECT_EQ(send(card, "00 A4 02 0C 02 00 11").sw, 0x6A82);
  EXPECT_EQ(transmit(card, verify_apdu(0x91, "")).sw, 0x6A88);
  EXPECT_EQ(send(card, "00 B0 81 00 11").sw, 0x6982);
  EXPECT_EQ(send(card, "00 B0 82 00 10").sw, 0x6982);
  const auto signature = transmit(card, sign_apdu(0x00, 0x00, digest_info("present")));
  ASSERT_EQ(signature.sw, 0x9000);
  auto manifest = load_persona_manifest(GeneratedPki::get().generated().manifest);
  ASSERT_TRUE(manifest);
  const auto* entry = manifest->find_persona(testpki::kPinLessPersona);
  ASSERT_TRUE(entry && entry->card_present_public_key);
  EXPECT_TRUE(entry->pin_less);
  const auto key = ossl::parse_public_key_der(*entry->card_present_public_key);
  ASSERT_TRUE(key);
  EXPECT_TRUE(testing::verifies_with(key->get(), testing::text_view("present"), signature.data));
}

class JpkiP384 : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto& p = GeneratedPki::get().persona(testpki::kP384Persona);
    auth_cert_ = testing::read_pem_cert(p.auth_cert_pem);
    sign_cert_ = testing::read_pem_cert(GeneratedPki::get().dir() / "jpki-p384-sign.pem");
    ASSERT_TRUE(auth_cert_ && sign_cert_);
    auth_pin_ = p.auth_pin;
    sign_pin_ = p.sign_pin;
  }
  ossl::X509Ptr auth_cert_;
  ossl::X509Ptr sign_cert_;
  std::string auth_pin_;
  std::string sign_pin_;
};

TEST_F(JpkiP384, SignsTheRawHashAsRAndSWithTheCertificateKey) {
  Card card = card_of(testpki::kP384Persona);
  ASSERT_EQ(send(card, "00 A4 02 0C 02 00 18").sw, 0x9000);
  ASSERT_EQ(transmit(card, verify_apdu(kCurrentEf, auth_pin_)).sw, 0x9000);
  ASSERT_EQ(send(card, "00 A4 02 0C 02 00 17").sw, 0x9000);
  const Bytes hash = sha384("onshi: the invented ECDSA P-384 variant");
  const auto selected = transmit(card, sign_apdu(0x00, kCurrentEf, hash));
  ASSERT_EQ(selected.sw, 0x9000);
  ASSERT_EQ(selected.data.size(), 96U);
  EXPECT_TRUE(ecdsa_verifies(X509_get0_pubkey(auth_cert_.get()), hash, selected.data));
  const auto by_sfi = transmit(card, sign_apdu(0x00, kAuthKey, hash));
  ASSERT_EQ(by_sfi.sw, 0x9000);
  EXPECT_TRUE(ecdsa_verifies(X509_get0_pubkey(auth_cert_.get()), hash, by_sfi.data));
  EXPECT_FALSE(ecdsa_verifies(X509_get0_pubkey(sign_cert_.get()), hash, by_sfi.data));

  ASSERT_EQ(transmit(card, verify_apdu(kSignPinSfi, sign_pin_)).sw, 0x9000);
  const auto signed_ = transmit(card, sign_apdu(0x00, kSignKey, hash));
  ASSERT_EQ(signed_.sw, 0x9000);
  EXPECT_TRUE(ecdsa_verifies(X509_get0_pubkey(sign_cert_.get()), hash, signed_.data));
}

TEST_F(JpkiP384, ManySignaturesAllVerifyIncludingShortRandS) {
  // r or s below 2^376 happens about once in 128 signatures: the zero padding must hold then.
  Card card = card_of(testpki::kP384Persona);
  ASSERT_EQ(transmit(card, verify_apdu(kAuthPinSfi, auth_pin_)).sw, 0x9000);
  for (int i = 0; i < 64; ++i) {
    const Bytes hash = sha384("message " + std::to_string(i));
    const auto answer = transmit(card, sign_apdu(0x00, kAuthKey, hash));
    ASSERT_EQ(answer.sw, 0x9000);
    ASSERT_TRUE(ecdsa_verifies(X509_get0_pubkey(auth_cert_.get()), hash, answer.data)) << i;
  }
}

TEST_F(JpkiP384, ParameterAndLengthErrors) {
  Card card = card_of(testpki::kP384Persona);
  const Bytes hash = sha384("m");
  EXPECT_EQ(transmit(card, sign_apdu(0x00, kAuthKey, hash)).sw, 0x6982);  // before the PIN
  ASSERT_EQ(transmit(card, verify_apdu(kAuthPinSfi, auth_pin_)).sw, 0x9000);
  EXPECT_EQ(transmit(card, sign_apdu(0x01, kAuthKey, hash)).sw, 0x6A86);
  EXPECT_EQ(transmit(card, sign_apdu(0x03, kAuthKey, hash)).sw, 0x6A86);
  EXPECT_EQ(transmit(card, sign_apdu(0x00, kAuthKey, Bytes(32, 0x01))).sw, 0x6700);
  EXPECT_EQ(transmit(card, sign_apdu(0x00, kAuthKey, Bytes(49, 0x01))).sw, 0x6700);
  EXPECT_EQ(transmit(card, sign_apdu(0x00, kAuthKey, digest_info("m"))).sw, 0x6700);
  EXPECT_EQ(send(card, "80 2A 00 97 00").sw, 0x6700);
  EXPECT_EQ(transmit(card, sign_apdu(0x00, kSignKey, hash)).sw, 0x6982);  // its own PIN
}

}  // namespace
}  // namespace onshi::sim
