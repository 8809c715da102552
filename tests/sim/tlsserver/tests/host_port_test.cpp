#include "host_port.hpp"

#include <gtest/gtest.h>

namespace onshi::sim::tlsserver {
namespace {

TEST(HostPort, ParsesNamesAndBracketedIpv6) {
  auto a = parse_host_port("example.jp:443");
  ASSERT_TRUE(a) << a.error().to_string();
  EXPECT_EQ(a->host, "example.jp");
  EXPECT_EQ(a->port, 443);
  auto b = parse_host_port("[::1]:8443");
  ASSERT_TRUE(b) << b.error().to_string();
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, 8443);
  auto c = parse_host_port("127.0.0.1:0");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->port, 0);
}

TEST(HostPort, RefusesMalformedText) {
  for (const char* text : {"", "host", "host:", ":443", "host:65536", "host:12a", "host:-1",
                           "::1:443", "[::1]443", "[::1", "[]:443", "host:123456"}) {
    EXPECT_FALSE(parse_host_port(text)) << text;
  }
}

TEST(HostPort, ListenAddressesMustBeNumeric) {
  auto v4 = parse_listen_address("127.0.0.1:0");
  ASSERT_TRUE(v4);
  EXPECT_TRUE(v4->address().is_v4());
  auto v6 = parse_listen_address("[::1]:9000");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->address().is_v6());
  EXPECT_EQ(v6->port(), 9000);
  EXPECT_EQ(format_endpoint(*v6), "[::1]:9000");
  EXPECT_FALSE(parse_listen_address("localhost:0"));
}

TEST(HostPort, NoListenAddressMeansLoopbackEphemeral) {
  auto endpoints = parse_listen_addresses({});
  ASSERT_TRUE(endpoints);
  ASSERT_EQ(endpoints->size(), 1u);
  EXPECT_EQ(format_endpoint(endpoints->front()), "127.0.0.1:0");
  EXPECT_FALSE(parse_listen_addresses({"127.0.0.1:0", "nonsense"}));
}

}  // namespace
}  // namespace onshi::sim::tlsserver
