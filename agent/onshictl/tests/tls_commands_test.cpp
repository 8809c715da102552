// `onshictl tls …` without a network: the server argument, the client options taken from
// [upstream], and which step a probe failed at.
#include "tls_commands.hpp"

#include <gtest/gtest.h>

#include <string>

namespace onshi::ctl {
namespace {

TEST(TlsCommands, ServerArgumentBecomesABaseUrl) {
  EXPECT_EQ(server_base_url("127.0.0.1:4433").value_or(""), "https://127.0.0.1:4433/");
  EXPECT_EQ(server_base_url("localhost:443").value_or(""), "https://localhost:443/");
  EXPECT_EQ(server_base_url("oqs.example.jp").value_or(""), "https://oqs.example.jp/");
  EXPECT_EQ(server_base_url("[::1]:8443").value_or(""), "https://[::1]:8443/");
  EXPECT_EQ(server_base_url("[2001:db8::1]").value_or(""), "https://[2001:db8::1]/");
  EXPECT_EQ(server_base_url("https://h.example:8443/api").value_or(""),
            "https://h.example:8443/api");
}

TEST(TlsCommands, BadServerArgumentsAreRefused) {
  for (const char* bad : {"", "::1", "::1:443", "host:", "host:0", "host:65536", "host:12a", "[::1",
                          "[::1]443", "[]:443", ":443", "user@host:443", "host/x:1", "ho st:443"}) {
    auto url = server_base_url(bad);
    ASSERT_FALSE(url) << bad << " gave " << url.value();
    EXPECT_EQ(url.error().code, Errc::invalid_argument) << bad;
  }
  auto v6 = server_base_url("2001:db8::1");
  ASSERT_FALSE(v6);
  EXPECT_NE(v6.error().message.find("brackets"), std::string::npos);
}

TEST(TlsCommands, ClientOptionsComeFromUpstream) {
  const std::string text = R"(terminal_name = "受付1号機"
state_dir = "/tmp/onshi-test"
[[institutions]]
code = "2714206386"
name = "オンシ内科クリニック"
[upstream]
url = "https://oqs-gateway.example.jp:8443/base"
pins = ["sha256//TSlboofgCZmiD2oXoHVH5qI5UlO6uIJCwiwUxOg07JY=",
        "sha256//w67n7hCaWlKKmBBAMkWBy9V6q+4HPIOPQh/4UHs0dts="]
proxy = "http://proxy.example.jp:8080"
no_proxy = ["*.onshikaku.org"]
server_ca_file = "/etc/onshi/server-ca.pem"
connect_timeout_ms = 1500
handshake_timeout_ms = 2500
request_timeout_ms = 3500
max_clock_skew_s = 60
)";
  auto config = config::parse_config(text, "test.toml");
  ASSERT_TRUE(config) << config.error().to_string();
  const auto o = upstream_client_options(*config);
  EXPECT_EQ(o.base_url, "https://oqs-gateway.example.jp:8443/base");
  ASSERT_EQ(o.pins.size(), 2u);
  EXPECT_EQ(o.pins[0], config->upstream.pins[0].spki_sha256);
  EXPECT_EQ(o.pins[1], config->upstream.pins[1].spki_sha256);
  EXPECT_FALSE(o.test_mode);
  ASSERT_TRUE(o.server_ca_file);
  EXPECT_EQ(*o.server_ca_file, "/etc/onshi/server-ca.pem");
  EXPECT_EQ(o.proxy.url.value_or(""), "http://proxy.example.jp:8080");
  EXPECT_EQ(o.proxy.no_proxy, std::vector<std::string>{"*.onshikaku.org"});
  EXPECT_EQ(o.connect_timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(o.handshake_timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(o.request_timeout, std::chrono::milliseconds(3500));
  EXPECT_EQ(o.max_clock_skew, std::chrono::seconds(60));
}

tls::Probe probe_with(std::initializer_list<const char*> steps, std::optional<Errc> error,
                      bool via_proxy = false) {
  tls::Probe p;
  for (const char* s : steps) p.steps.push_back(tls::Step{s, {}, {}});
  if (error) p.error = Error{*error, "x"};
  p.via_proxy = via_proxy;
  return p;
}

TEST(TlsCommands, FailingStepIsTheFirstOneMissing) {
  EXPECT_EQ(failing_step(probe_with({"resolve", "connect", "handshake", "pins", "request"}, {}),
                         true, true),
            "");
  EXPECT_EQ(failing_step(probe_with({}, Errc::net_resolve), true, true), "resolve");
  EXPECT_EQ(failing_step(probe_with({"resolve"}, Errc::net_refused), true, true), "connect");
  EXPECT_EQ(failing_step(probe_with({"resolve", "connect"}, Errc::proxy_refused, true), true, true),
            "proxy");
  EXPECT_EQ(failing_step(probe_with({"resolve", "connect", "proxy"}, Errc::tls_handshake, true),
                         true, true),
            "handshake");
  EXPECT_EQ(failing_step(probe_with({"resolve", "connect", "handshake"}, Errc::tls_pin_mismatch),
                         true, true),
            "pins");
  EXPECT_EQ(failing_step(probe_with({"resolve", "connect", "handshake", "pins"},
                                    Errc::tls_client_cert_rejected),
                         true, true),
            "request");
  EXPECT_EQ(failing_step(probe_with({"resolve", "connect", "handshake", "pins", "request"},
                                    Errc::clock_skew),
                         true, true),
            "clock");
  // `tls pin`: no pins step, no request.
  EXPECT_EQ(
      failing_step(probe_with({"resolve", "connect"}, Errc::tls_server_cert_invalid), false, false),
      "handshake");
}

}  // namespace
}  // namespace onshi::ctl
