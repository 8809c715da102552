#include "onshi/tls/no_proxy.hpp"

#include <gtest/gtest.h>

namespace onshi::tls {
namespace {

TEST(NoProxy, DefaultListSendsEligibilityHostsDirect) {
  const auto list = default_no_proxy();
  // eligibility-system.md §3.2: the hosts of the eligibility system and of the CA.
  EXPECT_TRUE(bypasses_proxy("hweb-api.oqs.onshikaku.org", list));
  EXPECT_TRUE(bypasses_proxy("HWEB.OQS-ST.ONSHIKAKU.ORG", list));
  EXPECT_TRUE(bypasses_proxy("crldownload.obn.managedpki.ne.jp", list));
  EXPECT_TRUE(bypasses_proxy("pweb.base.oqs-pdl.org", list));
  EXPECT_TRUE(bypasses_proxy("192.168.220.1", list));
  EXPECT_FALSE(bypasses_proxy("proxy.base.oqs-pdl.org", list));
  EXPECT_FALSE(bypasses_proxy("example.com", list));
  // A look-alike domain must not ride on the suffix.
  EXPECT_FALSE(bypasses_proxy("evil-onshikaku.org", list));
  EXPECT_FALSE(bypasses_proxy("onshikaku.org.evil.example", list));
}

TEST(NoProxy, PatternForms) {
  EXPECT_TRUE(bypasses_proxy("anything", {"*"}));
  EXPECT_TRUE(bypasses_proxy("example.org", {"*.example.org"}));
  EXPECT_TRUE(bypasses_proxy("a.b.example.org", {".example.org"}));
  EXPECT_TRUE(bypasses_proxy("host.example.org.", {"host.example.org"}));
  EXPECT_FALSE(bypasses_proxy("other.example.org", {"host.example.org"}));
  EXPECT_TRUE(bypasses_proxy("intranet", {"<local>"}));
  EXPECT_FALSE(bypasses_proxy("intranet.example", {"<local>"}));
  EXPECT_TRUE(bypasses_proxy("[::1]", {"::1"}));
  EXPECT_TRUE(bypasses_proxy("::1", {"[::1]"}));
  EXPECT_FALSE(bypasses_proxy("", {"*"}));
  EXPECT_FALSE(bypasses_proxy("example.org", {""}));
}

}  // namespace
}  // namespace onshi::tls
