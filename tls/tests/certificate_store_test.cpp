// The on-disk store: generations, atomic rotation, rollback, permissions, the binding of a
// certificate to its institution, and that a failure leaves the current certificate untouched.
#include "onshi/tls/certificate_store.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>

#include "test_pki.hpp"

namespace onshi::tls {
namespace {

namespace fs = std::filesystem;
using namespace testing;
using std::chrono::sys_seconds;

class CertificateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ONSHI_REQUIRE_TEST_PKI();
    char pattern[] = "/tmp/onshi-store-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    code_ = institution("a");
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  ClientIdentity open(const std::string& name) {
    auto id = open_pkcs12(read_bytes(client_p12(name)), password());
    EXPECT_TRUE(id) << name;
    return std::move(*id);
  }
  static sys_seconds at(int seconds) {
    return sys_seconds{std::chrono::seconds{1'800'000'000 + seconds}};
  }

  fs::path dir_;
  std::string code_;
};

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  ::lstat(p.c_str(), &st);
  return st.st_mode & 07777;
}

TEST_F(CertificateStoreTest, EmptyStoreSaysNoCertificate) {
  CertificateStore store(dir_ / "certs");
  auto c = store.current(code_);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, Errc::cert_not_found);
  EXPECT_TRUE(store.institutions().empty());
}

TEST_F(CertificateStoreTest, InstallWritesPrivateFilesAndReadsBack) {
  CertificateStore store(dir_ / "certs");
  const auto good = open("good-rsa");
  auto out = store.install(good, code_, "good-rsa.p12", at(0));
  ASSERT_TRUE(out) << out.error().to_string();
  EXPECT_FALSE(out->unchanged);
  EXPECT_FALSE(out->replaced);
  EXPECT_EQ(out->installed.leaf.fingerprint(), good.leaf.fingerprint());
  EXPECT_EQ(out->installed.source, "good-rsa.p12");
  EXPECT_EQ(out->installed.imported_at, at(0));
  EXPECT_EQ(mode_of(out->installed.directory / "key.pem"), 0600u);
  EXPECT_EQ(mode_of(out->installed.directory / "chain.pem"), 0600u);
  EXPECT_EQ(mode_of(out->installed.directory), 0700u);
  EXPECT_EQ(mode_of(dir_ / "certs"), 0700u);
  auto identity = store.load_current_identity(code_);
  ASSERT_TRUE(identity) << identity.error().to_string();
  EXPECT_TRUE(check_key_matches(*identity));
  EXPECT_EQ(identity->chain.size(), 1u);
  EXPECT_EQ(store.institutions(), std::vector<std::string>{code_});
}

TEST_F(CertificateStoreTest, SameCertificateTwiceIsUnchanged) {
  CertificateStore store(dir_ / "certs");
  ASSERT_TRUE(store.install(open("good-rsa"), code_, "a.p12", at(0)));
  auto again = store.install(open("good-rsa"), code_, "b.p12", at(10));
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->unchanged);
  EXPECT_EQ(again->installed.source, "a.p12");
}

TEST_F(CertificateStoreTest, RotationKeepsThePreviousForRollback) {
  CertificateStore store(dir_ / "certs");
  const auto first = open("good-rsa");
  const auto second = open("renewed");
  const auto third = open("good-ec");
  ASSERT_TRUE(store.install(first, code_, "1.p12", at(0)));
  auto out = store.install(second, code_, "2.p12", at(10));
  ASSERT_TRUE(out);
  ASSERT_TRUE(out->replaced);
  EXPECT_EQ(out->replaced->leaf.fingerprint(), first.leaf.fingerprint());
  EXPECT_EQ(store.previous(code_)->leaf.fingerprint(), first.leaf.fingerprint());
  ASSERT_TRUE(store.install(third, code_, "3.p12", at(20)));
  // Only current and previous are kept.
  int generations = 0;
  for (const auto& e : fs::directory_iterator(dir_ / "certs" / code_)) {
    generations += e.path().filename().string().rfind("gen-", 0) == 0;
  }
  EXPECT_EQ(generations, 2);
  auto back = store.rollback(code_);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->leaf.fingerprint(), second.leaf.fingerprint());
  EXPECT_EQ(store.previous(code_)->leaf.fingerprint(), third.leaf.fingerprint());
}

TEST_F(CertificateStoreTest, FailedInstallLeavesTheCurrentOneUntouched) {
  CertificateStore store(dir_ / "certs");
  const auto first = open("good-rsa");
  ASSERT_TRUE(store.install(first, code_, "1.p12", at(0)));
  // A non-empty directory where the new generation must go makes the final rename fail.
  const auto second = open("renewed");
  const std::string hex_prefix = hex(second.leaf.fingerprint()).substr(0, 16);
  const fs::path blocker = dir_ / "certs" / code_ / ("gen-20270115T080010Z-" + hex_prefix);
  ASSERT_EQ(at(10), sys_seconds{std::chrono::sys_days{std::chrono::year{2027} / 1 / 15}} +
                        std::chrono::hours{8} + std::chrono::seconds{10});
  fs::create_directories(blocker / "occupied");
  auto out = store.install(second, code_, "2.p12", at(10));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, Errc::cert_store);
  auto current = store.current(code_);
  ASSERT_TRUE(current);
  EXPECT_EQ(current->leaf.fingerprint(), first.leaf.fingerprint());
  EXPECT_TRUE(store.load_current_identity(code_));
  // No staging directory is left behind.
  for (const auto& e : fs::directory_iterator(dir_ / "certs" / code_)) {
    EXPECT_NE(e.path().filename().string().front(), '.') << e.path();
  }
}

TEST_F(CertificateStoreTest, SwappedFilesBreakTheBinding) {
  CertificateStore store(dir_ / "certs");
  auto out = store.install(open("good-rsa"), code_, "1.p12", at(0));
  ASSERT_TRUE(out);
  // Someone copies another certificate over the stored one.
  fs::copy_file(pki_dir() / "clients/renewed.pem", out->installed.directory / "chain.pem",
                fs::copy_options::overwrite_existing);
  auto c = store.current(code_);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, Errc::cert_store);
  EXPECT_NE(c.error().message.find("binding"), std::string::npos);
}

TEST_F(CertificateStoreTest, CodesThatAreNotTenDigitsCannotNameAPath) {
  CertificateStore store(dir_ / "certs");
  for (const char* bad : {"../../etc", "27142063", "271420638a", ""}) {
    auto out = store.install(open("good-rsa"), bad, "x.p12", at(0));
    ASSERT_FALSE(out) << bad;
    EXPECT_EQ(out.error().code, Errc::invalid_argument);
  }
}

TEST_F(CertificateStoreTest, RootHandsTheFilesToTheAgentUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to change owners";
  CertificateStore store(dir_ / "certs", StoreOwner{65534, 65534});
  auto out = store.install(open("good-rsa"), code_, "1.p12", at(0));
  ASSERT_TRUE(out);
  for (const fs::path& p :
       {dir_ / "certs", out->installed.directory, out->installed.directory / "key.pem",
        dir_ / "certs" / code_ / "current"}) {
    struct stat st {};
    ASSERT_EQ(::lstat(p.c_str(), &st), 0) << p;
    EXPECT_EQ(st.st_uid, 65534u) << p;
    EXPECT_EQ(st.st_gid, 65534u) << p;
  }
}

}  // namespace
}  // namespace onshi::tls
