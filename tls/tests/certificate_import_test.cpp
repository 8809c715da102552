// Every client bundle of the test PKI through open_pkcs12 and check_client_identity, each with the
// specific error its defect must produce.
#include <gtest/gtest.h>

#include <chrono>

#include "onshi/tls/client_identity.hpp"
#include "onshi/tls/trust.hpp"
#include "test_pki.hpp"

namespace onshi::tls {
namespace {

using namespace testing;

std::chrono::sys_seconds now() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

Status import_check(const std::string& name, const std::string& code) {
  auto identity = open_pkcs12(read_bytes(client_p12(name)), password());
  if (!identity) return std::move(identity).error();
  auto trust = TrustAnchors::load(pki_dir() / "ca-chain.pem", pki_dir() / "crl.pem");
  if (!trust) return std::move(trust).error();
  const auto matcher = SubjectMatcher::default_matcher();
  return check_client_identity(*identity,
                               ImportChecks{&*trust, &matcher, code, "受付1号機", now()});
}

TEST(CertificateImport, EveryTestBundleGivesItsExpectedResult) {
  ONSHI_REQUIRE_TEST_PKI();
  const auto m = manifest();
  const std::string a = institution("a");
  int checked = 0;
  for (const auto& client : m["clients"]) {
    const std::string name = client["name"];
    const std::string expect = client["expect"];
    // Each bundle is checked against the institution it claims, except the wrong-institution
    // one, which is offered to institution A.
    const std::string code =
        expect == "cert_wrong_institution" ? a : client["institution"].get<std::string>();
    const Status s = import_check(name, code);
    if (expect == "ok") {
      EXPECT_TRUE(s) << name << ": " << (s ? "" : s.error().to_string());
    } else {
      ASSERT_FALSE(s) << name << " was accepted";
      EXPECT_EQ(errc_name(s.error().code), expect) << name << ": " << s.error().to_string();
    }
    ++checked;
  }
  EXPECT_GE(checked, 12);
}

TEST(CertificateImport, LegacyBundleOpensWithTheLegacyProviderAndSaysSo) {
  ONSHI_REQUIRE_TEST_PKI();
  auto legacy = open_pkcs12(read_bytes(client_p12("legacy")), password());
  ASSERT_TRUE(legacy) << legacy.error().to_string();
  EXPECT_TRUE(legacy->legacy_encryption);
  auto modern = open_pkcs12(read_bytes(client_p12("good-rsa")), password());
  ASSERT_TRUE(modern);
  EXPECT_FALSE(modern->legacy_encryption);
  EXPECT_EQ(modern->chain.size(), 1u) << "the intermediate travels with the leaf";
}

TEST(CertificateImport, WrongPasswordIsNamedAsSuch) {
  ONSHI_REQUIRE_TEST_PKI();
  const std::string wrong = "not-the-password";
  for (const char* name : {"good-rsa", "legacy", "good-ec"}) {
    auto id =
        open_pkcs12(read_bytes(client_p12(name)),
                    ByteView(reinterpret_cast<const std::uint8_t*>(wrong.data()), wrong.size()));
    ASSERT_FALSE(id) << name;
    EXPECT_EQ(id.error().code, Errc::cert_wrong_password) << name << ": " << id.error().message;
  }
}

TEST(CertificateImport, NotPkcs12OrTruncatedIsMalformed) {
  ONSHI_REQUIRE_TEST_PKI();
  const Bytes pem = read_bytes(pki_dir() / "clients/good-rsa.pem");
  auto id = open_pkcs12(pem, password());
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code, Errc::cert_malformed);
  Bytes p12 = read_bytes(client_p12("good-rsa"));
  p12.resize(p12.size() / 2);
  id = open_pkcs12(p12, password());
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code, Errc::cert_malformed);
  id = open_pkcs12(Bytes{}, password());
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code, Errc::cert_malformed);
}

TEST(CertificateImport, CertificateFieldsMatchTheOpensslCommandLine) {
  ONSHI_REQUIRE_TEST_PKI();
  auto id = open_pkcs12(read_bytes(client_p12("good-rsa")), password());
  ASSERT_TRUE(id);
  EXPECT_EQ(id->leaf.subject(),
            "CN=" + institution("a") + ", OU=受付1号機, O=オンシ内科クリニック, C=JP");
  EXPECT_EQ(id->leaf.key_description(), "RSA-2048");
  // pins.txt was computed by the generator with `openssl pkey | openssl dgst`.
  EXPECT_EQ(id->chain.at(0).pin(), pin_from_pins_txt("intermediate-ca.pem"));
  auto ec = open_pkcs12(read_bytes(client_p12("good-ec")), password());
  ASSERT_TRUE(ec);
  EXPECT_EQ(ec->leaf.key_description(), "EC P-256");
}

TEST(CertificateImport, SubjectRuleDecidesTheInstitution) {
  ONSHI_REQUIRE_TEST_PKI();
  auto id = open_pkcs12(read_bytes(client_p12("good-b")), password());
  ASSERT_TRUE(id);
  auto strict = SubjectMatcher::parse({"CN=^{code}$", "OU=^{terminal}$"});
  ASSERT_TRUE(strict);
  EXPECT_FALSE(strict->mismatch(id->leaf, institution("b"), "受付1号機"));
  EXPECT_EQ(strict->mismatch(id->leaf, institution("a"), "受付1号機"), "CN=^{code}$");
  EXPECT_EQ(strict->mismatch(id->leaf, institution("b"), "受付2号機"), "OU=^{terminal}$");
  // The default finds the code as a whole number, not inside a longer one.
  const auto loose = SubjectMatcher::default_matcher();
  EXPECT_FALSE(loose.mismatch(id->leaf, institution("b")));
  EXPECT_TRUE(loose.mismatch(id->leaf, institution("b").substr(1)));
}

TEST(CertificateImport, StaleCrlIsRefusedWithItsReason) {
  ONSHI_REQUIRE_TEST_PKI();
  auto trust = TrustAnchors::load(pki_dir() / "ca-chain.pem", pki_dir() / "crl.pem");
  ASSERT_TRUE(trust);
  ASSERT_TRUE(trust->crl_next_update());
  auto id = open_pkcs12(read_bytes(client_p12("good-rsa")), password());
  ASSERT_TRUE(id);
  const auto after_next_update = *trust->crl_next_update() + std::chrono::hours{1};
  const auto s = trust->verify(id->leaf, id->chain, after_next_update);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::cert_untrusted);
  EXPECT_NE(s.error().message.find("CRL is out of date"), std::string::npos) << s.error().message;
}

TEST(CertificateImport, MissingCaOrCrlFileIsNamed) {
  ONSHI_REQUIRE_TEST_PKI();
  auto t = TrustAnchors::load(pki_dir() / "nope.pem", std::nullopt);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, Errc::cert_not_found);
  EXPECT_NE(t.error().message.find("nope.pem"), std::string::npos);
  t = TrustAnchors::load(pki_dir() / "ca-chain.pem", pki_dir() / "root-ca.pem");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, Errc::cert_malformed);
}

}  // namespace
}  // namespace onshi::tls
