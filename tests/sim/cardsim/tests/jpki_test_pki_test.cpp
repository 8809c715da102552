// The generated test PKI carries certificate-profiles.md §1's fields, checked with OpenSSL.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "jpki_test_support.hpp"

namespace onshi::sim {
namespace {

using namespace std::chrono;
using testing::GeneratedPki;

struct NameEntry {
  int nid;
  std::string value;
  int asn1_type;
};

std::vector<NameEntry> entries(const X509_NAME* name) {
  std::vector<NameEntry> out;
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(e);
    out.push_back({OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)),
                   std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                               static_cast<std::size_t>(ASN1_STRING_length(data))),
                   ASN1_STRING_type(data)});
  }
  return out;
}

bool critical(X509* cert, int nid) {
  const int at = X509_get_ext_by_NID(cert, nid, -1);
  return at >= 0 && X509_EXTENSION_get_critical(X509_get_ext(cert, at)) == 1;
}

int last_extension_nid(X509* cert) {
  const int n = X509_get_ext_count(cert);
  return OBJ_obj2nid(X509_EXTENSION_get_object(X509_get_ext(cert, n - 1)));
}

std::vector<std::string> policies(X509* cert) {
  std::vector<std::string> out;
  auto* cp = static_cast<CERTIFICATEPOLICIES*>(
      X509_get_ext_d2i(cert, NID_certificate_policies, nullptr, nullptr));
  for (int i = 0; cp != nullptr && i < sk_POLICYINFO_num(cp); ++i) {
    char oid[80];
    OBJ_obj2txt(oid, sizeof oid, sk_POLICYINFO_value(cp, i)->policyid, 1);
    out.emplace_back(oid);
  }
  CERTIFICATEPOLICIES_free(cp);
  return out;
}

// The instant an ASN1_TIME names, and whether it is a UTCTime (§1.2).
sys_seconds when(const ASN1_TIME* t) {
  std::tm tm{};
  EXPECT_EQ(ASN1_TIME_to_tm(t, &tm), 1);
  const sys_days day = year{tm.tm_year + 1900} / (tm.tm_mon + 1) / tm.tm_mday;
  return day + hours(tm.tm_hour) + minutes(tm.tm_min) + seconds(tm.tm_sec);
}

void expect_rsa2048_sha256(X509* cert) {
  EXPECT_EQ(X509_get_version(cert), X509_VERSION_3);
  EXPECT_EQ(X509_get_signature_nid(cert), NID_sha256WithRSAEncryption);
  const EVP_PKEY* key = X509_get0_pubkey(cert);
  EXPECT_EQ(EVP_PKEY_get_base_id(key), EVP_PKEY_RSA);
  EXPECT_EQ(EVP_PKEY_get_bits(key), 2048);
  BIGNUM* e = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(key, "e", &e), 1);
  EXPECT_EQ(BN_get_word(e), 65537U);
  BN_free(e);
}

bool issued_by(X509* cert, X509* ca) {
  return X509_verify(cert, X509_get0_pubkey(ca)) == 1 &&
         X509_NAME_cmp(X509_get_issuer_name(cert), X509_get_subject_name(ca)) == 0;
}

TEST(JpkiTestPki, RootsAreSelfSignedTestCasShapedLikeTheJlisRoots) {
  const auto& pki = GeneratedPki::get();
  for (const char* file : {"jpki-auth-ca.pem", "jpki-sign-ca.pem"}) {
    SCOPED_TRACE(file);
    const auto ca = testing::read_pem_cert(pki.dir() / file);
    ASSERT_TRUE(ca);
    expect_rsa2048_sha256(ca.get());
    EXPECT_TRUE(issued_by(ca.get(), ca.get()));
    const auto subject = entries(X509_get_subject_name(ca.get()));
    ASSERT_EQ(subject.size(), 4U);
    EXPECT_EQ(subject[0].nid, NID_countryName);
    EXPECT_EQ(subject[0].asn1_type, V_ASN1_PRINTABLESTRING);
    EXPECT_EQ(subject[1].value, "JPKI-TEST");  // the test hierarchy's O (§1.2): marked TEST
    EXPECT_EQ(subject[1].asn1_type, V_ASN1_UTF8STRING);
    EXPECT_EQ(subject[3].value, "Japan Agency for Local Authority Information Systems");
    EXPECT_TRUE(critical(ca.get(), NID_basic_constraints));
    EXPECT_TRUE(critical(ca.get(), NID_key_usage));
    EXPECT_EQ(X509_get_key_usage(ca.get()), static_cast<std::uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
    EXPECT_GE(X509_get_ext_by_NID(ca.get(), NID_subject_alt_name, -1), 0);
    EXPECT_GE(X509_get_ext_by_NID(ca.get(), NID_crl_distribution_points, -1), 0);
    EXPECT_EQ(last_extension_nid(ca.get()), NID_subject_key_identifier);
  }
}

TEST(JpkiTestPki, AuthCertificateFollowsTheUserAuthenticationProfile) {
  const auto& pki = GeneratedPki::get();
  const auto cert = testing::read_pem_cert(pki.card().auth_cert_pem);
  const auto ca = testing::read_pem_cert(pki.dir() / "jpki-auth-ca.pem");
  ASSERT_TRUE(cert && ca);
  expect_rsa2048_sha256(cert.get());
  EXPECT_TRUE(issued_by(cert.get(), ca.get()));
  // §1.3: C=JP, CN=<opaque id>, nothing personal, no SAN.
  const auto subject = entries(X509_get_subject_name(cert.get()));
  ASSERT_EQ(subject.size(), 2U);
  EXPECT_EQ(subject[0].value, "JP");
  EXPECT_EQ(subject[1].nid, NID_commonName);
  EXPECT_EQ(subject[1].value.size(), 23U);
  EXPECT_LT(X509_get_ext_by_NID(cert.get(), NID_subject_alt_name, -1), 0);
  EXPECT_TRUE(critical(cert.get(), NID_key_usage));
  EXPECT_EQ(X509_get_key_usage(cert.get()), static_cast<std::uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_TRUE(critical(cert.get(), NID_certificate_policies));
  EXPECT_EQ(policies(cert.get()), std::vector<std::string>{testpki::kAuthPolicyOid});
  EXPECT_GE(X509_get_ext_by_NID(cert.get(), NID_issuer_alt_name, -1), 0);
  EXPECT_GE(X509_get_ext_by_NID(cert.get(), NID_authority_key_identifier, -1), 0);
  EXPECT_EQ(last_extension_nid(cert.get()), NID_subject_key_identifier);
}

TEST(JpkiTestPki, ValidityRunsFromIssueDayToTheFifthBirthdayInJst) {
  const auto& pki = GeneratedPki::get();
  const auto cert = testing::read_pem_cert(pki.card().auth_cert_pem);
  ASSERT_TRUE(cert);
  const sys_days issue = testpki::today_jst();
  const sys_days end = testpki::fifth_birthday_after(issue, year{1990} / January / 2);
  EXPECT_EQ(ASN1_STRING_type(X509_get0_notBefore(cert.get())), V_ASN1_UTCTIME);
  EXPECT_EQ(ASN1_STRING_type(X509_get0_notAfter(cert.get())), V_ASN1_UTCTIME);
  EXPECT_EQ(when(X509_get0_notBefore(cert.get())), sys_seconds(issue) - hours(9));  // 00:00 JST
  EXPECT_EQ(when(X509_get0_notAfter(cert.get())),
            sys_seconds(end) + hours(15) - seconds(1));  // 23:59:59 JST
  EXPECT_EQ(year_month_day{end}.month(), January);
  EXPECT_EQ(year_month_day{end}.day(), day{2});
}

TEST(JpkiTestPki, SignCertificateFollowsTheDigitalSignatureProfile) {
  const auto& pki = GeneratedPki::get();
  const auto cert = testing::read_pem_cert(pki.dir() / "jpki-card-sign.pem");
  const auto ca = testing::read_pem_cert(pki.dir() / "jpki-sign-ca.pem");
  ASSERT_TRUE(cert && ca);
  expect_rsa2048_sha256(cert.get());
  EXPECT_TRUE(issued_by(cert.get(), ca.get()));
  const auto subject = entries(X509_get_subject_name(cert.get()));
  ASSERT_EQ(subject.size(), 4U);  // §1.4: C, L, L, CN (14 + 5 + 9 characters)
  EXPECT_EQ(subject[1].nid, NID_localityName);
  EXPECT_EQ(subject[1].value, "Tokyo-to");
  EXPECT_EQ(subject[2].value, "Chiyoda-ku");
  EXPECT_EQ(subject[3].value.size(), 28U);
  EXPECT_TRUE(critical(cert.get(), NID_key_usage));
  EXPECT_EQ(X509_get_key_usage(cert.get()),
            static_cast<std::uint32_t>(KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION));
  EXPECT_TRUE(critical(cert.get(), NID_certificate_policies));
  EXPECT_EQ(policies(cert.get()), std::vector<std::string>{testpki::kSignTestPolicyOid});
  EXPECT_EQ(last_extension_nid(cert.get()), NID_subject_key_identifier);
  EXPECT_LE(testing::der_of(cert.get()).size(), jpki::kCertificateEfSize);

  // §1.4: six otherNames, [0] UTF8String, in card order.
  auto* san = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr));
  ASSERT_NE(san, nullptr);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {testpki::kOidName, "試験\u3000太郎"},
      {testpki::kOidBirthDate, "419900102"},
      {testpki::kOidSex, "1"},
      {testpki::kOidAddress, "東京都千代田区試験町一丁目１番１号"},
      {testpki::kOidNameSubstitutes, "00000"},
      {testpki::kOidAddressSubstitutes, std::string(17, '0')}};
  ASSERT_EQ(sk_GENERAL_NAME_num(san), 6);
  for (int i = 0; i < 6; ++i) {
    const GENERAL_NAME* gen = sk_GENERAL_NAME_value(san, i);
    ASSERT_EQ(gen->type, GEN_OTHERNAME);
    char oid[80];
    OBJ_obj2txt(oid, sizeof oid, gen->d.otherName->type_id, 1);
    EXPECT_EQ(oid, expected[static_cast<std::size_t>(i)].first);
    ASSERT_EQ(gen->d.otherName->value->type, V_ASN1_UTF8STRING);
    const ASN1_STRING* s = gen->d.otherName->value->value.utf8string;
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                          static_cast<std::size_t>(ASN1_STRING_length(s))),
              expected[static_cast<std::size_t>(i)].second);
  }
  GENERAL_NAMES_free(san);
}

TEST(JpkiTestPki, ManifestMapsAuthCertificateFingerprintsToPersonas) {
  const auto& pki = GeneratedPki::get();
  std::ifstream in(pki.generated().manifest);
  const auto manifest = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(manifest.is_discarded());
  EXPECT_EQ(manifest.at("format"), "onshi-persona-manifest");
  EXPECT_EQ(manifest.at("version"), 2);
  const auto& cards = manifest.at("cards");
  ASSERT_EQ(cards.size(), pki.generated().personas.size());
  for (std::size_t i = 0; i < cards.size(); ++i) {
    const auto& persona = pki.generated().personas[i];
    SCOPED_TRACE(persona.name);
    const auto cert = testing::read_pem_cert(persona.auth_cert_pem);
    ASSERT_TRUE(cert);
    const Bytes der = testing::der_of(cert.get());
    Bytes digest(SHA256_DIGEST_LENGTH);
    SHA256(der.data(), der.size(), digest.data());
    std::string hex = to_hex(digest);
    for (char& c : hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(persona.auth_cert_sha256, hex);
    EXPECT_EQ(cards[i].at("persona"), persona.name);
    EXPECT_EQ(cards[i].at("auth_cert_sha256"), hex);
  }
}

TEST(JpkiTestPki, GeneratesTheSixPersonasInTheirDocumentedOrder) {
  const auto& personas = GeneratedPki::get().generated().personas;
  const std::vector<std::string_view> expected = {
      testpki::kCardPersona,  testpki::kSmartphonePersona, testpki::kCard2023Persona,
      testpki::kChildPersona, testpki::kPinLessPersona,    testpki::kP384Persona};
  ASSERT_EQ(personas.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(personas[i].name, expected[i]);
    auto loaded = load_persona_file(personas[i].persona_file);
    EXPECT_TRUE(loaded) << loaded.error().to_string();
  }
  // Distinct test PINs, and the files only the variants that need them get.
  std::set<std::string> pins;
  std::size_t count = 0;
  for (const auto& p : personas) {
    for (const std::string* pin : {&p.auth_pin, &p.sign_pin, &p.kenmen_pin}) {
      if (pin->empty()) continue;
      pins.insert(*pin);
      ++count;
    }
  }
  EXPECT_EQ(pins.size(), count);
  const auto& pki = GeneratedPki::get();
  EXPECT_TRUE(pki.phone().card_present_key_pem.empty());
  EXPECT_FALSE(std::filesystem::exists(pki.dir() / "jpki-child-sign.pem"));
  EXPECT_FALSE(std::filesystem::exists(pki.dir() / "jpki-pinless-sign-key.pem"));
  EXPECT_TRUE(pki.persona(testpki::kPinLessPersona).auth_pin.empty());
  EXPECT_TRUE(pki.persona(testpki::kPinLessPersona).kenmen_pin.empty());
  EXPECT_TRUE(std::filesystem::exists(pki.persona(testpki::kPinLessPersona).card_present_key_pem));
}

TEST(JpkiTestPki, LoadGeneratedPersonasReadsBackWhatGenerateReturned) {
  const auto dir = GeneratedPki::get().scratch() / "set";
  std::vector<testpki::Holder> holders;
  for (auto& h : testpki::default_holders()) {
    if (h.persona == testpki::kCardPersona || h.persona == testpki::kPinLessPersona) {
      holders.push_back(std::move(h));
    }
  }
  auto made = testpki::generate_jpki_personas(dir, testpki::today_jst(), holders);
  ASSERT_TRUE(made) << made.error().to_string();
  auto loaded = testpki::load_generated_personas(dir);
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  EXPECT_EQ(loaded->manifest, made->manifest);
  EXPECT_EQ(loaded->manifest_content, made->manifest_content);
  ASSERT_EQ(loaded->personas.size(), 2U);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& a = made->personas[i];
    const auto& b = loaded->personas[i];
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.persona_file, b.persona_file);
    EXPECT_EQ(a.auth_cert_pem, b.auth_cert_pem);
    EXPECT_EQ(a.auth_cert_sha256, b.auth_cert_sha256);
    EXPECT_EQ(a.auth_pin, b.auth_pin);
    EXPECT_EQ(a.sign_pin, b.sign_pin);
    EXPECT_EQ(a.kenmen_pin, b.kenmen_pin);
    EXPECT_EQ(a.card_present_key_pem, b.card_present_key_pem);
  }
  EXPECT_EQ(testpki::load_generated_personas(GeneratedPki::get().scratch() / "none").error().code,
            Errc::config_not_found);
}

TEST(JpkiTestPki, P384VariantHasEcEndEntityKeysUnderTheRsaRoots) {
  const auto& pki = GeneratedPki::get();
  const auto ca = testing::read_pem_cert(pki.dir() / "jpki-auth-ca.pem");
  const auto sign_ca = testing::read_pem_cert(pki.dir() / "jpki-sign-ca.pem");
  const auto auth = testing::read_pem_cert(pki.persona(testpki::kP384Persona).auth_cert_pem);
  const auto sign = testing::read_pem_cert(pki.dir() / "jpki-p384-sign.pem");
  ASSERT_TRUE(ca && sign_ca && auth && sign);
  for (X509* cert : {auth.get(), sign.get()}) {
    const EVP_PKEY* key = X509_get0_pubkey(cert);
    EXPECT_EQ(EVP_PKEY_get_base_id(key), EVP_PKEY_EC);
    EXPECT_EQ(EVP_PKEY_get_bits(key), 384);
    EXPECT_EQ(X509_get_signature_nid(cert), NID_sha256WithRSAEncryption);  // the CA stays RSA
  }
  EXPECT_TRUE(issued_by(auth.get(), ca.get()));
  EXPECT_TRUE(issued_by(sign.get(), sign_ca.get()));
}

TEST(JpkiTestPki, FifthBirthdayIsCountedStrictlyAfterTheIssueDay) {
  using testpki::fifth_birthday_after;
  EXPECT_EQ(fifth_birthday_after(year{2025} / October / 27, year{1980} / February / 17),
            sys_days{year{2030} / February / 17});  // the real test card of §1.2
  EXPECT_EQ(fifth_birthday_after(year{2025} / March / 1, year{1990} / June / 30),
            sys_days{year{2029} / June / 30});
  EXPECT_EQ(fifth_birthday_after(year{2025} / June / 30, year{1990} / June / 30),
            sys_days{year{2030} / June / 30});  // issued on the birthday: not counted
  EXPECT_EQ(fifth_birthday_after(year{2025} / March / 1, year{2000} / February / 29),
            sys_days{year{2030} / February / 28});
}

TEST(JpkiTestPki, BirthDateCarriesTheEraDigit) {
  EXPECT_EQ(testpki::jpki_birth_date(year{1990} / January / 2), "419900102");  // §1.4 sample
  EXPECT_EQ(testpki::jpki_birth_date(year{1989} / January / 7), "319890107");
  EXPECT_EQ(testpki::jpki_birth_date(year{2019} / May / 1), "520190501");
  EXPECT_EQ(testpki::jpki_birth_date(year{1912} / July / 29), "119120729");
  EXPECT_EQ(testpki::jpki_birth_date(year{1920} / March / 3), "219200303");
}

}  // namespace
}  // namespace onshi::sim
