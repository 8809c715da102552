// Host-side signature plumbing: key type from the certificate (RSA or the invented P-384 card),
// DigestInfo bytes of cards-and-readers.md §1.5, the card-present proof, and a whole
// sign_with_pin against a scripted card whose signatures are made in software.
#include "onshi/pcsc/card_crypto.hpp"

#include <gtest/gtest.h>

#include "crypto_fixtures.hpp"
#include "fake_api.hpp"
#include "onshi/pcsc/card_present_proof.hpp"
#include "onshi/pcsc/certificate_info.hpp"
#include "onshi/pcsc/jpki_pin_sign.hpp"

namespace onshi::pcsc {
namespace {

using namespace testing;

TEST(CardCrypto, DigestInfoMatchesTheDocumentedPrefix) {
  const Bytes h = hash(HashAlgorithm::sha256, Bytes{'a', 'b', 'c'});
  auto di = digest_info(HashAlgorithm::sha256, h);
  ASSERT_TRUE(di);
  EXPECT_EQ(to_hex(ByteView(*di).first(19)), "3031300D060960864801650304020105000420");
  EXPECT_EQ(to_hex(ByteView(*di).last(32)),
            "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
  EXPECT_EQ(digest_info(HashAlgorithm::sha384, h).error().code, Errc::invalid_argument);
}

TEST(CardCrypto, KeyTypeComesFromTheCertificate) {
  auto rsa = make_rsa_key();
  auto ec = make_ec_key("P-384");
  auto p256 = make_ec_key("P-256");
  EXPECT_EQ(certificate_key(self_signed_certificate(rsa.get()))->kind, KeyInfo::Kind::rsa);
  EXPECT_EQ(certificate_key(self_signed_certificate(rsa.get()))->name(), "RSA-2048");
  EXPECT_EQ(certificate_key(self_signed_certificate(ec.get()))->kind, KeyInfo::Kind::ec_p384);
  EXPECT_EQ(certificate_key(self_signed_certificate(p256.get())).error().code, Errc::not_supported);
  EXPECT_EQ(certificate_key(Bytes{0x30, 0x03, 0x02, 0x01, 0x00}).error().code,
            Errc::card_data_invalid);
  Bytes trailing = self_signed_certificate(rsa.get());
  trailing.push_back(0xFF);
  EXPECT_EQ(certificate_key(trailing).error().code, Errc::card_data_invalid);
}

TEST(CardCrypto, EcdsaRawSignatureVerifiesThroughDer) {
  auto ec = make_ec_key("P-384");
  const Bytes cert = self_signed_certificate(ec.get());
  const Bytes msg{'h', 'i'};
  const Bytes sig = ecdsa_sign_raw(ec.get(), hash(HashAlgorithm::sha384, msg));
  EXPECT_TRUE(verify_signature(cert, HashAlgorithm::sha384, msg, sig));
  Bytes tampered = sig;
  tampered[10] ^= 1;
  EXPECT_EQ(verify_signature(cert, HashAlgorithm::sha384, msg, tampered).error().code,
            Errc::card_data_invalid);
  EXPECT_FALSE(ecdsa_raw_to_der(Bytes(95, 1)));
}

TEST(CardCrypto, CertificateInfoForPeople) {
  auto rsa = make_rsa_key();
  const Bytes cert = self_signed_certificate(rsa.get(), "試験 太郎");
  auto info = certificate_info(cert);
  ASSERT_TRUE(info) << info.error().to_string();
  EXPECT_EQ(info->subject, "CN=試験 太郎,C=JP");
  EXPECT_EQ(info->serial_hex, "1234");
  EXPECT_EQ(info->sha256_hex.size(), 64u);
  EXPECT_LT(info->not_before, info->not_after);
  EXPECT_EQ(certificate_info(Bytes{0x30, 0x82, 0x01}).error().code, Errc::card_data_invalid);
}

TEST(CardPresentProof, BindsChallengeCertificateAndCard) {
  auto card_key = make_rsa_key();
  auto other_card = make_rsa_key();
  auto holder = make_rsa_key();
  const Bytes cert = self_signed_certificate(holder.get());
  const Bytes other_cert = self_signed_certificate(make_rsa_key().get());
  const Bytes challenge(32, 0x5A);
  const Bytes spki = spki_of(card_key.get());

  auto di = card_present_digest_info(challenge, cert);
  ASSERT_TRUE(di);
  ASSERT_EQ(di->size(), 19u + 32u);
  const Bytes proof = rsa_sign_raw(card_key.get(), *di);  // what the card's PIN-less key does
  EXPECT_TRUE(verify_card_present_proof(spki, challenge, cert, proof));

  EXPECT_FALSE(verify_card_present_proof(spki, Bytes(32, 0x5B), cert, proof))
      << "another challenge";
  EXPECT_FALSE(verify_card_present_proof(spki, challenge, other_cert, proof))
      << "a copied certificate";
  EXPECT_FALSE(verify_card_present_proof(spki_of(other_card.get()), challenge, cert, proof))
      << "another card";
  EXPECT_EQ(card_present_digest_info(Bytes(15, 0), cert).error().code, Errc::invalid_argument);
  EXPECT_EQ(card_present_digest_info(Bytes(257, 0), cert).error().code, Errc::invalid_argument);
}

class ScriptedJpkiCard : public ::testing::Test {
 protected:
  FakeApi api;
  void ok(Bytes b) {
    b.push_back(0x90);
    b.push_back(0x00);
    api.replies.push_back({SCARD_S_SUCCESS, std::move(b)});
  }
  void sw(std::uint8_t a, std::uint8_t b) { api.replies.push_back({SCARD_S_SUCCESS, Bytes{a, b}}); }
  // detect + read certificate 000A
  void script_detect_and_cert(const Bytes& cert) {
    ok({});  // SELECT JPKI AP
    ok({});  // SELECT 0006
    Bytes label(32, ' ');
    std::copy_n("JPKIAPICCTOKEN2", 15, label.begin());
    ok(label);
    ok({});  // SELECT 000A
    for (std::size_t at = 0; at < cert.size(); at += 256) {
      ok(Bytes(cert.begin() + static_cast<std::ptrdiff_t>(at),
               cert.begin() + static_cast<std::ptrdiff_t>(std::min(cert.size(), at + 256))));
    }
  }
  void script_verify() {
    ok({});  // SELECT AP
    ok({});  // SELECT 0018
    sw(0x63, 0xC3);
    ok({});  // VERIFY
    ok({});  // SELECT 0017
  }
};

TEST_F(ScriptedJpkiCard, RsaSignatureOverADigestInfoThenUnpower) {
  auto key = make_rsa_key();
  const Bytes cert = self_signed_certificate(key.get());
  const Bytes message{'r', 'x'};
  script_detect_and_cert(cert);
  script_verify();
  ok(rsa_sign_raw(key.get(),
                  *digest_info(HashAlgorithm::sha256, hash(HashAlgorithm::sha256, message))));

  auto ctx = std::make_shared<Context>(Context::establish(api).value());
  auto card = ExclusiveCard::connect(ctx, "Fake Reader 00 00");
  ASSERT_TRUE(card);
  SecretBytes pin(Bytes{'1', '2', '3', '4'});
  auto r =
      jpki::sign_with_pin(*card, pin, {jpki::Key::auth, message, {}, std::nullopt, std::nullopt});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_TRUE(pin.empty());
  EXPECT_EQ(r->certificate, cert);
  EXPECT_TRUE(verify_signature(cert, HashAlgorithm::sha256, message, r->signature));
  const Bytes& sign_apdu = api.sent.back();
  ASSERT_EQ(sign_apdu.size(), 5u + 51u + 1u);
  EXPECT_EQ(to_hex(ByteView(sign_apdu).first(5)), "802A008033");
  EXPECT_EQ(api.last_disconnect, static_cast<DWORD>(SCARD_UNPOWER_CARD));
}

TEST_F(ScriptedJpkiCard, InventedP384CardGetsTheRawSha384Hash) {
  auto key = make_ec_key("P-384");
  const Bytes cert = self_signed_certificate(key.get());
  const Bytes message{'e', 'c'};
  script_detect_and_cert(cert);
  script_verify();
  ok(ecdsa_sign_raw(key.get(), hash(HashAlgorithm::sha384, message)));

  auto ctx = std::make_shared<Context>(Context::establish(api).value());
  auto card = ExclusiveCard::connect(ctx, "Fake Reader 00 00");
  SecretBytes pin(Bytes{'1', '2', '3', '4'});
  auto r =
      jpki::sign_with_pin(*card, pin, {jpki::Key::auth, message, {}, std::nullopt, std::nullopt});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->key.kind, KeyInfo::Kind::ec_p384);
  EXPECT_EQ(to_hex(ByteView(api.sent.back()).first(5)), "802A008030")
      << "48 bytes of hash, no DigestInfo";
  EXPECT_TRUE(verify_signature(cert, HashAlgorithm::sha384, message, r->signature));
}

TEST_F(ScriptedJpkiCard, WrongLengthSignatureIsRejectedAndTheCardStillPoweredDown) {
  auto key = make_rsa_key();
  const Bytes cert = self_signed_certificate(key.get());
  script_detect_and_cert(cert);
  script_verify();
  ok(Bytes(100, 0x01));
  auto ctx = std::make_shared<Context>(Context::establish(api).value());
  auto card = ExclusiveCard::connect(ctx, "Fake Reader 00 00");
  SecretBytes pin(Bytes{'1', '2', '3', '4'});
  auto r =
      jpki::sign_with_pin(*card, pin, {jpki::Key::auth, Bytes{1}, {}, std::nullopt, std::nullopt});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::card_data_invalid);
  EXPECT_EQ(api.last_disconnect, static_cast<DWORD>(SCARD_UNPOWER_CARD));
  EXPECT_TRUE(pin.empty());
}

}  // namespace
}  // namespace onshi::pcsc
