// HPKI host side: the hcRole parser on the real MEDIS bytes (certificate-profiles.md §2.2), the
// host-side PKCS#1 v1.5 block, and the JMA golden sequence of cards-and-readers.md §2.2 on a
// scripted card whose signatures are made in software — by extended APDU and by chaining.
#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include "crypto_fixtures.hpp"
#include "fake_api.hpp"
#include "onshi/pcsc/card_crypto.hpp"
#include "onshi/pcsc/hpki_ap.hpp"
#include "onshi/pcsc/hpki_certificate.hpp"

namespace onshi::pcsc::hpki {
namespace {

using namespace pcsc::testing;

// certificate-profiles.md §2.2: the extension value of the MEDIS test certificate.
const Bytes kMedisHcRole = *from_hex(
    "30 34 30 32 06 06 28 81 85 42 00 01 31 28 31 26 30 24 A0 22 31 20 A0 0C 06 0A 2A 83 08 86 91 "
    "0F 01 06 01 01 "
    "A2 10 0C 0E 4D 65 64 69 63 61 6C 20 44 6F 63 74 6F 72");

TEST(HcRole, TheRealMedisBytesSayMedicalDoctor) {
  auto roles = parse_hc_roles(kMedisHcRole);
  ASSERT_TRUE(roles) << roles.error().to_string();
  ASSERT_EQ(roles->size(), 1u);
  EXPECT_EQ(roles->front(), "Medical Doctor");
}

TEST(HcRole, EachDefectIsASpecificError) {
  Bytes truncated(kMedisHcRole.begin(), kMedisHcRole.end() - 3);
  EXPECT_EQ(parse_hc_roles(truncated).error().code, Errc::card_data_invalid);
  Bytes trailing = kMedisHcRole;
  trailing.push_back(0x00);
  EXPECT_NE(parse_hc_roles(trailing).error().message.find("after"), std::string::npos);
  Bytes wrong_string = kMedisHcRole;
  wrong_string[wrong_string.size() - 16] = 0x04;  // OCTET STRING instead of UTF8String
  EXPECT_NE(parse_hc_roles(wrong_string).error().message.find("UTF8String"), std::string::npos);
  EXPECT_FALSE(parse_hc_roles({}));
  // Another attribute type is skipped, not an error.
  Bytes other = kMedisHcRole;
  other[11] = 0x02;  // 1.0.17090.0.2
  auto none = parse_hc_roles(other);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

Bytes certificate_with(EVP_PKEY* key, int key_usage, bool with_role) {
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 0x15E);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400L);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("Sanjushi Kagurazaka"), -1, -1,
                             0);
  X509_set_issuer_name(x, name);
  ASN1_BIT_STRING* ku = ASN1_BIT_STRING_new();
  ASN1_BIT_STRING_set_bit(ku, key_usage, 1);
  X509_add1_ext_i2d(x, NID_key_usage, ku, 1, 0);
  ASN1_BIT_STRING_free(ku);
  if (with_role) {
    ASN1_OCTET_STRING* value = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(value, kMedisHcRole.data(), static_cast<int>(kMedisHcRole.size()));
    X509_EXTENSION* ext =
        X509_EXTENSION_create_by_NID(nullptr, NID_subject_directory_attributes, 0, value);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    ASN1_OCTET_STRING_free(value);
  }
  X509_sign(x, key, EVP_sha256());
  unsigned char* der = nullptr;
  const int n = i2d_X509(x, &der);
  Bytes out(der, der + n);
  OPENSSL_free(der);
  X509_free(x);
  return out;
}

TEST(HolderCertificate, RoleHolderAndNonRepudiation) {
  auto key = make_rsa_key();
  auto good = holder_certificate(certificate_with(key.get(), 1 /* nonRepudiation */, true));
  ASSERT_TRUE(good) << good.error().to_string();
  EXPECT_EQ(good->holder, "Sanjushi Kagurazaka");
  EXPECT_EQ(good->roles, std::vector<std::string>{"Medical Doctor"});
  EXPECT_TRUE(good->non_repudiation);
  EXPECT_TRUE(check_signature_certificate(*good));

  auto bad = holder_certificate(certificate_with(key.get(), 0 /* digitalSignature */, false));
  ASSERT_TRUE(bad);
  EXPECT_TRUE(bad->roles.empty());
  EXPECT_EQ(check_signature_certificate(*bad).error().code, Errc::card_data_invalid);
}

TEST(Pkcs1Block, TypeOnePaddingAroundTheDigestInfo) {
  const Bytes di = *digest_info(HashAlgorithm::sha256, Bytes(32, 0xAB));
  auto block = pkcs1_v15_block(di, 256);
  ASSERT_TRUE(block);
  ASSERT_EQ(block->size(), 256u);
  EXPECT_EQ((*block)[0], 0x00);
  EXPECT_EQ((*block)[1], 0x01);
  EXPECT_EQ((*block)[2], 0xFF);
  EXPECT_EQ((*block)[256 - 51 - 1], 0x00);
  EXPECT_TRUE(std::equal(di.begin(), di.end(), block->end() - 51));
  EXPECT_FALSE(pkcs1_v15_block(di, 61));
}

// The JMA card of §2.2, scripted: every answer the card gives, in order.
class JmaScript : public ::testing::Test {
 protected:
  FakeApi api;
  testing::Pkey key = make_rsa_key();
  Bytes cert = certificate_with(key.get(), 1, true);
  void ok(Bytes b = {}) {
    b.push_back(0x90);
    b.push_back(0x00);
    api.replies.push_back({SCARD_S_SUCCESS, std::move(b)});
  }
  void sw(std::uint8_t a, std::uint8_t b) { api.replies.push_back({SCARD_S_SUCCESS, Bytes{a, b}}); }
  Bytes fci() {
    const Profile& jma = known_profiles().front();
    Bytes f;
    f.reserve(4 + jma.signature.aid.size());
    for (std::uint8_t b : {0x6F, 0x12, 0x84, 0x10}) f.push_back(b);
    for (auto b : jma.signature.aid)
      f.push_back(b);  // byte by byte: GCC 12 -O2 false -Warray-bounds
    return f;
  }
  void script(bool chaining, const Bytes& sha256) {
    ok(fci());  // detect: SELECT signature AP
    ok(fci());  // detect: SELECT authentication AP
    ok(fci());  // SELECT signature AP
    ok();       // SELECT EF 0016
    ok(Bytes(cert.begin(), cert.begin() + 4));
    ok(Bytes(cert.begin() + 4, cert.end()));  // extended: the rest at once
    ok(fci());                                // SELECT AP again (the PIN's application)
    ok();                                     // SELECT EF 0002
    sw(0x63, 0xCF);
    ok();  // SELECT EF 000C
    ok();  // MSE SET
    ok();  // VERIFY
    const Bytes block = *pkcs1_v15_block(*digest_info(HashAlgorithm::sha256, sha256), 256);
    Bytes sig(256);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key.get(), nullptr);
    EVP_PKEY_sign_init(ctx);
    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING);
    size_t len = sig.size();
    EVP_PKEY_sign(ctx, sig.data(), &len, block.data(), block.size());
    EVP_PKEY_CTX_free(ctx);
    if (chaining) ok();  // the first part
    ok(sig);
  }
};

TEST_F(JmaScript, GoldenSequenceOfSection22WithTheCounterRead) {
  const Bytes sha256(32, 0x42);
  script(false, sha256);
  auto ctx = std::make_shared<Context>(Context::establish(api).value());
  auto card = ExclusiveCard::connect(ctx, "Fake Reader 00 00");
  ASSERT_TRUE(card);
  SecretBytes pin(Bytes{'1', '2', '3', '4'});
  auto r = sign_with_pin(*card, pin, {App::signature, sha256, {}, std::nullopt, std::nullopt});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->path.path, LongApdu::extended) << r->path.why;
  EXPECT_TRUE(verify_signature_prehashed(cert, HashAlgorithm::sha256, sha256, r->signature));
  EXPECT_EQ(api.last_disconnect, static_cast<DWORD>(SCARD_UNPOWER_CARD));

  const std::string aid = "E828BD080FA0000003910000000000";
  const auto hex = [&](std::size_t i) { return to_hex(api.sent.at(i)); };
  ASSERT_EQ(api.sent.size(), 13u);
  EXPECT_EQ(hex(2), "00A4040010" + aid + "0100");         // SELECT AP, P2 00, Le 00 (§2.2)
  EXPECT_EQ(hex(3), "00A4020C020016");                    // certificate EF
  EXPECT_EQ(hex(4), "00B0000004");                        // 4-byte length probe
  EXPECT_EQ(hex(7), "00A4020C020002");                    // SELECT EF 0002 (PIN)
  EXPECT_EQ(hex(8), "00200088");                          // counter, no try spent
  EXPECT_EQ(hex(9), "00A4020C02000C");                    // SELECT EF 000C (key)
  EXPECT_EQ(hex(10), "002241B6048402000C");               // MSE SET, tag 84
  EXPECT_EQ(hex(11), "002000880431323334");               // VERIFY P2 88
  EXPECT_EQ(hex(12).substr(0, 14), "002A9E9A000100");     // PSO, extended Lc 0100
  EXPECT_EQ(hex(12).substr(hex(12).size() - 4), "0000");  // extended Le 0000
  EXPECT_EQ(api.sent[12].size(), 7u + 256u + 2u);
}

TEST_F(JmaScript, ChainingSendsTwoPartsWithClaTenFirst) {
  const Bytes sha256(32, 0x17);
  script(true, sha256);
  auto ctx = std::make_shared<Context>(Context::establish(api).value());
  auto card = ExclusiveCard::connect(ctx, "Fake Reader 00 00");
  SecretBytes pin(Bytes{'1', '2', '3', '4'});
  auto r =
      sign_with_pin(*card, pin, {App::signature, sha256, {}, LongApdu::chaining, std::nullopt});
  ASSERT_TRUE(r) << r.error().to_string();
  ASSERT_EQ(api.sent.size(), 14u);
  EXPECT_EQ(to_hex(ByteView(api.sent[12]).first(5)), "102A9E9A80");
  EXPECT_EQ(to_hex(ByteView(api.sent[13]).first(5)), "002A9E9A80");
  EXPECT_EQ(api.sent[13].back(), 0x00) << "Le 00 on the last part";
  EXPECT_TRUE(verify_signature_prehashed(cert, HashAlgorithm::sha256, sha256, r->signature));
}

// A reader that does not state its APDU size but cannot carry an extended APDU (libccid on a
// short-APDU reader fails the call): the same block goes by chaining, VERIFY is not repeated.
TEST_F(JmaScript, RefusedExtendedPsoFallsBackToChainingWithoutASecondVerify) {
  const Bytes sha256(32, 0x5C);
  script(true, sha256);
  // The extended PSO is refused by the transport before the chained parts are answered.
  auto sig = api.replies.back();
  api.replies.pop_back();
  auto first_part = api.replies.back();
  api.replies.pop_back();
  api.replies.push_back({SCARD_E_NOT_TRANSACTED, {}});
  api.replies.push_back(first_part);
  api.replies.push_back(sig);
  auto ctx = std::make_shared<Context>(Context::establish(api).value());
  auto card = ExclusiveCard::connect(ctx, "Fake Reader 00 00");
  SecretBytes pin(Bytes{'1', '2', '3', '4'});
  auto r = sign_with_pin(*card, pin, {App::signature, sha256, {}, std::nullopt, std::nullopt});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->path.path, LongApdu::chaining) << r->path.why;
  ASSERT_EQ(api.sent.size(), 15u);
  EXPECT_EQ(to_hex(ByteView(api.sent[12]).first(7)), "002A9E9A000100");
  EXPECT_EQ(to_hex(ByteView(api.sent[13]).first(5)), "102A9E9A80");
  EXPECT_EQ(to_hex(ByteView(api.sent[14]).first(5)), "002A9E9A80");
  int verifies = 0;
  for (const auto& apdu : api.sent) verifies += apdu.size() > 5 && apdu[1] == 0x20 ? 1 : 0;
  EXPECT_EQ(verifies, 1);
  EXPECT_TRUE(verify_signature_prehashed(cert, HashAlgorithm::sha256, sha256, r->signature));
}

TEST_F(JmaScript, LastOfFifteenTriesIsGuarded) {
  ok(fci());
  ok(fci());
  ok(fci());
  ok();
  ok(Bytes(cert.begin(), cert.begin() + 4));
  ok(Bytes(cert.begin() + 4, cert.end()));
  ok(fci());
  ok();
  sw(0x63, 0xC1);
  auto ctx = std::make_shared<Context>(Context::establish(api).value());
  auto card = ExclusiveCard::connect(ctx, "Fake Reader 00 00");
  SecretBytes pin(Bytes{'1', '2', '3', '4'});
  auto r = sign_with_pin(*card, pin,
                         {App::signature, Bytes(32, 1), {}, LongApdu::extended, std::nullopt});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::pin_last_try);
  EXPECT_EQ(api.sent.size(), 9u) << "no MSE, no VERIFY";
}

TEST(HpkiPinGuard, HiddenCountOfALockingPinIsGuardedLikeTheLastTry) {
  const PinStatus hidden{std::nullopt, false, false};  // 6300
  const auto refused = guard_pin_attempt(hidden, {}, "HPKI signature PIN", true);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::pin_state_unknown);
  EXPECT_TRUE(guard_pin_attempt(hidden, {true}, "HPKI signature PIN", true));
  EXPECT_TRUE(guard_pin_attempt(hidden, {}, "JPKI", false))
      << "a My Number PIN with 6300 has no limit (§1.4)";
}

class HpkiDetect : public ::testing::Test {
 protected:
  FakeApi api;
  Card connect() {
    auto ctx = std::make_shared<Context>(Context::establish(api).value());
    return Card::connect(ctx, "Fake Reader 00 00").value();
  }
  void answer(Bytes b) { api.replies.push_back({SCARD_S_SUCCESS, std::move(b)}); }
};

TEST_F(HpkiDetect, BlockedAuthenticationApplicationLeavesTheSignatureOne) {
  Card card = connect();
  answer({0x90, 0x00});  // JMA signature AP
  answer({0x62, 0x83});  // JMA authentication AP: DF blocked (§2.1)
  auto d = detect(card);
  ASSERT_TRUE(d) << d.error().to_string();
  ASSERT_NE(d->profile, nullptr);
  EXPECT_TRUE(d->signature);
  EXPECT_FALSE(d->authentication);
}

TEST_F(HpkiDetect, OtherCardsAnswerAnythingAndAreNotHpki) {
  Card card = connect();
  for (int i = 0; i < 4; ++i) answer({0x6D, 0x00});
  auto d = detect(card);
  ASSERT_TRUE(d) << d.error().to_string();
  EXPECT_EQ(d->profile, nullptr);
  EXPECT_EQ(api.sent.size(), 4u) << "both profiles, both applications tried";
}

TEST_F(HpkiDetect, CardWithoutExtendedLeIsReadInShortSteps) {
  Card card = connect();
  auto key = make_rsa_key();
  const Bytes cert = self_signed_certificate(key.get());
  const Profile& jahis = known_profiles().back();
  auto ok = [&](Bytes b) {
    b.push_back(0x90);
    b.push_back(0x00);
    answer(std::move(b));
  };
  ok({});                // SELECT
  answer({0x67, 0x00});  // READ BINARY SFI 18, extended Le: no extended Le on this card
  ok({});                // SELECT again
  for (std::size_t at = 0; at < cert.size(); at += 256) {
    ok(Bytes(cert.begin() + static_cast<std::ptrdiff_t>(at),
             cert.begin() + static_cast<std::ptrdiff_t>(std::min(cert.size(), at + 256))));
  }
  LongApduChoice choice;
  auto der = read_certificate_auto(card, jahis, App::signature, choice);
  ASSERT_TRUE(der) << der.error().to_string();
  EXPECT_EQ(*der, cert);
  EXPECT_EQ(choice.path, LongApdu::chaining) << choice.why;
  EXPECT_EQ(to_hex(api.sent[1]),
            "00B0980000"
            "0000");
  EXPECT_EQ(to_hex(api.sent[3]), "00B0980000");
}

TEST(LongApduChoice, AReaderWithoutPart10GetsExtended) {
  FakeApi api;  // control() answers SCARD_E_UNSUPPORTED_FEATURE, as vpcd does
  auto ctx = std::make_shared<Context>(Context::establish(api).value());
  Card card = Card::connect(ctx, "Fake Reader 00 00").value();
  const auto choice = choose_long_apdu(card, 256);
  EXPECT_EQ(choice.path, LongApdu::extended);
  EXPECT_NE(choice.why.find("no PC/SC Part 10"), std::string::npos);
}

}  // namespace
}  // namespace onshi::pcsc::hpki
