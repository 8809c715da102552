#include "url.hpp"

#include <gtest/gtest.h>

namespace onshi::tls::detail {
namespace {

TEST(Url, HttpsUrlParts) {
  auto u = parse_https_url("https://hweb-api.oqs.onshikaku.org/api/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->server.host, "hweb-api.oqs.onshikaku.org");
  EXPECT_EQ(u->server.port, 443);
  EXPECT_FALSE(u->server.is_ip);
  EXPECT_EQ(u->path_prefix, "/api");
  u = parse_https_url("HTTPS://[::1]:8443");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->server.host, "::1");
  EXPECT_TRUE(u->server.is_ip);
  EXPECT_EQ(u->server.authority(), "[::1]:8443");
  u = parse_https_url("https://127.0.0.1:1");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->server.is_ip);
}

TEST(Url, BadUrlsAreConfigErrors) {
  for (const char* bad : {"http://example.org", "https://", "https://host:0", "https://host:99999",
                          "https://[::1", "https://ho st/", "https://:443", "https://a:b:c/"}) {
    auto u = parse_https_url(bad);
    EXPECT_FALSE(u) << bad;
    if (!u) {
      EXPECT_EQ(u.error().code, Errc::config_invalid) << bad;
    }
  }
}

TEST(Url, HostPortForTechnicians) {
  auto hp = parse_host_port("localhost:8443", 443);
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->port, 8443);
  hp = parse_host_port("example.org", 443);
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->port, 443);
  hp = parse_host_port("::1", 443);
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->host, "::1");
  EXPECT_FALSE(parse_host_port("host:", 443));
}

TEST(Url, ProxyUrl) {
  auto p = parse_proxy_url("http://proxy.base.oqs-pdl.org:8080/");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->host, "proxy.base.oqs-pdl.org");
  EXPECT_EQ(p->port, 8080);
  EXPECT_FALSE(parse_proxy_url("http://proxy"));
  EXPECT_FALSE(parse_proxy_url("https://proxy:8080"));
}

}  // namespace
}  // namespace onshi::tls::detail
