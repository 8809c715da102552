// The HPKI test PKI: hcRole byte for byte as certificate-profiles.md §2.2, end-entity
// certificates shaped like the MEDIS test certificate (§2.1), the chain, the written files.
#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <set>

#include "hpki_test_support.hpp"

namespace onshi::sim {
namespace {

using testing::hex;

// certificate-profiles.md §2.2, "DER of the extension value".
constexpr std::string_view kMedicalDoctorDer =
    "30 34 30 32 06 06 28 81 85 42 00 01 31 28 31 26 30 24 A0 22 31 20 A0 0C 06 0A 2A 83 08 86 "
    "91 0F 01 06 01 01 A2 10 0C 0E 4D 65 64 69 63 61 6C 20 44 6F 63 74 6F 72";

const testpki::GeneratedHpki& generated() { return testing::GeneratedHpkiSet::get().generated(); }

const testpki::GeneratedHpkiPersona& persona(std::string_view name) {
  return testing::GeneratedHpkiSet::get().persona(name);
}

Bytes extension_value(X509* cert, int nid, bool* critical = nullptr) {
  const int index = X509_get_ext_by_NID(cert, nid, -1);
  if (index < 0) return {};
  X509_EXTENSION* ext = X509_get_ext(cert, index);
  if (critical != nullptr) *critical = X509_EXTENSION_get_critical(ext) != 0;
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(ext);
  return Bytes(ASN1_STRING_get0_data(data), ASN1_STRING_get0_data(data) + ASN1_STRING_length(data));
}

std::string entry(const X509_NAME* name, int nid, int* type = nullptr) {
  const int index = X509_NAME_get_index_by_NID(name, nid, -1);
  if (index < 0) return {};
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  if (type != nullptr) *type = ASN1_STRING_type(data);
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<std::size_t>(ASN1_STRING_length(data)));
}

struct StackDeleter {
  void operator()(STACK_OF(X509) * stack) const { sk_X509_free(stack); }  // frees no certificate
};

std::string sha256_of(ByteView der) {
  Bytes digest(SHA256_DIGEST_LENGTH);
  SHA256(der.data(), der.size(), digest.data());
  std::string text = to_hex(digest);
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::time_t epoch_of(const ASN1_TIME* t) {
  std::tm tm{};
  EXPECT_EQ(ASN1_TIME_to_tm(t, &tm), 1);
  return timegm(&tm);
}

TEST(HcRole, MedicalDoctorIsTheDerOfSection22) {
  const auto value = testpki::hc_role_extension_value("Medical Doctor");
  ASSERT_TRUE(value) << value.error().to_string();
  EXPECT_EQ(to_hex(*value, true), to_hex(hex(kMedicalDoctorDer), true));
}

TEST(HcRole, TheDoctorsSignatureCertificateCarriesExactlyThoseBytes) {
  const auto cert =
      testing::read_pem_cert(persona(testpki::kHpkiJmaDoctorPersona).signature_cert_pem);
  ASSERT_TRUE(cert);
  bool critical = true;
  EXPECT_EQ(extension_value(cert.get(), NID_subject_directory_attributes, &critical),
            hex(kMedicalDoctorDer));
  EXPECT_FALSE(critical);
}

TEST(HcRole, OtherRolesAndLongLengths) {
  const auto clinic =
      testing::read_pem_cert(persona(testpki::kHpkiJahisClinicPersona).authentication_cert_pem);
  ASSERT_TRUE(clinic);
  EXPECT_EQ(extension_value(clinic.get(), NID_subject_directory_attributes),
            testpki::hc_role_extension_value("Director of Clinic").value_or(Bytes{}));
  // A role long enough for long-form lengths still parses as one DER SEQUENCE.
  const auto long_role = testpki::hc_role_extension_value(std::string(300, 'x'));
  ASSERT_TRUE(long_role);
  EXPECT_EQ((*long_role)[0], 0x30);
  EXPECT_EQ((*long_role)[1], 0x82);
  const unsigned char* p = long_role->data();
  ASN1_SEQUENCE_ANY* parsed =
      d2i_ASN1_SEQUENCE_ANY(nullptr, &p, static_cast<long>(long_role->size()));
  EXPECT_NE(parsed, nullptr);
  EXPECT_EQ(p, long_role->data() + long_role->size());
  sk_ASN1_TYPE_pop_free(parsed, ASN1_TYPE_free);
  EXPECT_FALSE(testpki::hc_role_extension_value(""));
}

// §2.1's table, for the test hierarchy.
TEST(HpkiTestPki, SignatureCertificateIsShapedLikeMedis) {
  const auto cert =
      testing::read_pem_cert(persona(testpki::kHpkiJmaDoctorPersona).signature_cert_pem);
  ASSERT_TRUE(cert);
  X509* c = cert.get();
  EXPECT_EQ(X509_get_signature_nid(c), NID_sha256WithRSAEncryption);
  EXPECT_EQ(EVP_PKEY_get_bits(X509_get0_pubkey(c)), 2048);
  EXPECT_EQ(entry(X509_get_issuer_name(c), NID_commonName),
            "HPKI-01-OnshiTestSignCA-forNonRepudiation");
  EXPECT_EQ(entry(X509_get_issuer_name(c), NID_organizationName), "ONSHI TEST");
  const X509_NAME* subject = X509_get_subject_name(c);
  EXPECT_EQ(entry(subject, NID_countryName), "JP");
  EXPECT_EQ(entry(subject, NID_organizationName), "ONSHI TEST MEDICAL CENTER");
  EXPECT_EQ(entry(subject, NID_commonName), "Taro Shiken");
  int type = 0;
  EXPECT_EQ(entry(subject, NID_serialNumber, &type), "Test200001");
  EXPECT_EQ(type, V_ASN1_PRINTABLESTRING);
  EXPECT_EQ(entry(subject, NID_commonName, &type), "Taro Shiken");
  EXPECT_EQ(type, V_ASN1_UTF8STRING);

  // Five years on JST day boundaries: 00:00 JST of the issue day to 23:59:59 JST five years on.
  const auto issue = testpki::today_jst();
  const auto from = std::chrono::sys_seconds(issue) - std::chrono::hours(9);
  const std::chrono::year_month_day d{issue};
  std::chrono::year_month_day five{d.year() + std::chrono::years(5), d.month(), d.day()};
  if (!five.ok())
    five = std::chrono::year_month_day_last{five.year(), five.month() / std::chrono::last};
  const auto last = std::chrono::sys_days{five};
  const auto to = std::chrono::sys_seconds(last) + std::chrono::hours(15) - std::chrono::seconds(1);
  EXPECT_EQ(epoch_of(X509_get0_notBefore(c)), from.time_since_epoch().count());
  EXPECT_EQ(epoch_of(X509_get0_notAfter(c)), to.time_since_epoch().count());

  // The extensions, in the MEDIS certificate's order.
  std::vector<int> order;
  for (int i = 0; i < X509_get_ext_count(c); ++i) {
    order.push_back(OBJ_obj2nid(X509_EXTENSION_get_object(X509_get_ext(c, i))));
  }
  EXPECT_EQ(order,
            (std::vector<int>{NID_authority_key_identifier, NID_subject_key_identifier,
                              NID_key_usage, NID_subject_alt_name, NID_crl_distribution_points,
                              NID_subject_directory_attributes, NID_certificate_policies}));
  bool critical = false;
  EXPECT_EQ(extension_value(c, NID_key_usage, &critical), hex("03 02 06 40"));  // §2.1
  EXPECT_TRUE(critical);
  const Bytes policies = extension_value(c, NID_certificate_policies, &critical);
  EXPECT_TRUE(critical);
  // 1.2.392.100495.1.5.1.1.0.1 as DER.
  const std::string policy_hex = to_hex(policies, true);
  EXPECT_NE(policy_hex.find("06 0C 2A 83 08 86 91 0F 01 05 01 01 00 01"), std::string::npos);

  // SAN: DirName with the Kanji institution and name (full-width space).
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(c, NID_subject_alt_name, nullptr, nullptr));
  ASSERT_NE(names, nullptr);
  ASSERT_EQ(sk_GENERAL_NAME_num(names), 1);
  const GENERAL_NAME* san = sk_GENERAL_NAME_value(names, 0);
  ASSERT_EQ(san->type, GEN_DIRNAME);
  EXPECT_EQ(entry(san->d.directoryName, NID_commonName), "試験\u3000太郎");
  EXPECT_EQ(entry(san->d.directoryName, NID_organizationName), "オンシ試験医療センター");
  EXPECT_EQ(entry(san->d.directoryName, NID_serialNumber), "Test200001");
  GENERAL_NAMES_free(names);

  // AKI carries the issuer's issuer and serial, like MEDIS's.
  auto* aki = static_cast<AUTHORITY_KEYID*>(
      X509_get_ext_d2i(c, NID_authority_key_identifier, nullptr, nullptr));
  ASSERT_NE(aki, nullptr);
  EXPECT_NE(aki->keyid, nullptr);
  EXPECT_NE(aki->issuer, nullptr);
  EXPECT_NE(aki->serial, nullptr);
  AUTHORITY_KEYID_free(aki);
  EXPECT_LT(X509_get_ext_by_NID(c, NID_basic_constraints, -1), 0);
  EXPECT_LT(X509_get_ext_by_NID(c, NID_ext_key_usage, -1), 0);
  EXPECT_LT(X509_get_ext_by_NID(c, NID_info_access, -1), 0);
}

TEST(HpkiTestPki, KeyUsages) {
  const auto auth =
      testing::read_pem_cert(persona(testpki::kHpkiJmaDoctorPersona).authentication_cert_pem);
  ASSERT_TRUE(auth);
  EXPECT_EQ(X509_get_key_usage(auth.get()), static_cast<std::uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_EQ(entry(X509_get_issuer_name(auth.get()), NID_commonName),
            "HPKI-01-OnshiTestAuthCA-forAuthentication");
  const auto bad =
      testing::read_pem_cert(persona(testpki::kHpkiBadKeyUsagePersona).signature_cert_pem);
  ASSERT_TRUE(bad);
  EXPECT_EQ(X509_get_key_usage(bad.get()), static_cast<std::uint32_t>(KU_DIGITAL_SIGNATURE));
  const auto good =
      testing::read_pem_cert(persona(testpki::kHpkiJahisSignOnlyPersona).signature_cert_pem);
  ASSERT_TRUE(good);
  EXPECT_EQ(X509_get_key_usage(good.get()), static_cast<std::uint32_t>(KU_NON_REPUDIATION));
}

TEST(HpkiTestPki, EveryCertificateChainsToTheTestRoot) {
  const auto root = testing::read_pem_cert(generated().root_cert);
  const auto sign_ca = testing::read_pem_cert(generated().signature_ca_cert);
  const auto auth_ca = testing::read_pem_cert(generated().authentication_ca_cert);
  ASSERT_TRUE(root && sign_ca && auth_ca);
  EXPECT_EQ(entry(X509_get_subject_name(root.get()), NID_organizationalUnitName), "HPKI TEST ROOT");
  for (const auto& p : generated().personas) {
    for (const auto& [file, ca] : {std::pair{p.signature_cert_pem, sign_ca.get()},
                                   std::pair{p.authentication_cert_pem, auth_ca.get()}}) {
      if (file.empty()) continue;
      const auto cert = testing::read_pem_cert(file);
      ASSERT_TRUE(cert) << file;
      std::unique_ptr<X509_STORE, ossl::Deleter<X509_STORE_free>> store(X509_STORE_new());
      std::unique_ptr<X509_STORE_CTX, ossl::Deleter<X509_STORE_CTX_free>> ctx(X509_STORE_CTX_new());
      std::unique_ptr<STACK_OF(X509), StackDeleter> chain(sk_X509_new_null());
      ASSERT_TRUE(store && ctx && chain);
      X509_STORE_add_cert(store.get(), root.get());
      sk_X509_push(chain.get(), ca);
      ASSERT_EQ(X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), chain.get()), 1);
      EXPECT_EQ(X509_verify_cert(ctx.get()), 1)
          << file << ": " << X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
    }
  }
}

TEST(HpkiTestPki, ManifestMatchesTheFiles) {
  const auto& manifest = generated().manifest_content;
  ASSERT_EQ(manifest.cards.size(), 4U);
  const auto reread = load_hpki_manifest(generated().manifest);
  ASSERT_TRUE(reread) << reread.error().to_string();
  EXPECT_EQ(*reread, manifest);
  for (const auto& p : generated().personas) {
    const auto* card = manifest.find_persona(p.name);
    ASSERT_NE(card, nullptr);
    EXPECT_EQ(card->role, p.role);
    if (!p.signature_cert_pem.empty()) {
      EXPECT_EQ(card->signature_cert_sha256, sha256_of(testing::pem_der(p.signature_cert_pem)));
    } else {
      EXPECT_FALSE(card->signature_cert_sha256);
    }
    if (!p.authentication_cert_pem.empty()) {
      EXPECT_EQ(card->authentication_cert_sha256,
                sha256_of(testing::pem_der(p.authentication_cert_pem)));
    } else {
      EXPECT_FALSE(card->authentication_cert_sha256);
    }
  }
  const auto* sign_only = manifest.find_persona(testpki::kHpkiJahisSignOnlyPersona);
  ASSERT_NE(sign_only, nullptr);
  EXPECT_EQ(sign_only->profile, hpki::ProfileId::jahis);
  EXPECT_EQ(sign_only->holder, "Jiro Kensa");
  EXPECT_FALSE(sign_only->authentication_cert_sha256);
  EXPECT_EQ(manifest.find_persona(testpki::kHpkiJahisClinicPersona)->role, "Director of Clinic");
}

TEST(HpkiTestPki, PinsAreDistinctTestValues) {
  std::set<std::string> pins;
  std::size_t count = 0;
  for (const auto& p : generated().personas) {
    for (const auto& pin : {p.signature_pin, p.authentication_pin}) {
      if (pin.empty()) continue;
      ++count;
      pins.insert(pin);
      EXPECT_GE(pin.size(), hpki::kPinMinLength);
      EXPECT_LE(pin.size(), hpki::kPinMaxLength);
    }
  }
  EXPECT_EQ(count, 6U);
  EXPECT_EQ(pins.size(), count);
}

}  // namespace
}  // namespace onshi::sim
