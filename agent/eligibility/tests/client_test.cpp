#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "onshi/eligibility/client.hpp"

namespace onshi::eligibility {
namespace {

// A listening socket nobody accepts on: the kernel completes connections into its backlog, so
// a pending connection proves the client connected.
struct Listener {
  int fd = -1;
  int port = 0;
  Listener() {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd, 16);
    socklen_t n = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
    port = ntohs(a.sin_port);
  }
  ~Listener() { ::close(fd); }
  bool connected() const {
    const int c = ::accept(fd, nullptr, nullptr);
    if (c >= 0) ::close(c);
    return c >= 0;
  }
};

TEST(EligibilityClient, WithoutACertificateNothingIsSent) {
  Listener listener;
  ClientSettings s;
  s.institution = "2714206386";
  s.tls.base_url = "https://127.0.0.1:" + std::to_string(listener.port) + "/oqs-sim/v1";
  s.tls.test_mode = true;
  s.tls.pins = {tls::Sha256{}};
  s.tls.connect_timeout = std::chrono::milliseconds(500);
  auto client = EligibilityClient::create(s, std::nullopt);
  ASSERT_TRUE(client) << client.error().to_string();
  xmlmsg::SearchInfo search{"06139992", "1", "2", "", "19800101", "0", ""};
  auto r = (*client)->search(search, "20261202", "t1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::cert_not_found);
  EXPECT_NE(r.error().message.find("nothing was sent"), std::string::npos);
  EXPECT_FALSE((*client)->challenge());
  EXPECT_FALSE(listener.connected());
  const auto state = (*client)->state();
  EXPECT_EQ(state.health, UpstreamHealth::failing);
  ASSERT_TRUE(state.last_error);
  EXPECT_EQ(state.last_error->code, Errc::cert_not_found);
}

TEST(EligibilityClient, HttpErrorsAreMappedWithTheirStatus) {
  const Error e503 = http_error(503, "<html>busy</html>");
  EXPECT_EQ(e503.code, Errc::http_status);
  EXPECT_EQ(e503.native, 503);
  EXPECT_NE(e503.message.find("503"), std::string::npos);
  EXPECT_EQ(http_error(401, "").code, Errc::elig_unauthorized);
  const Error e404 = http_error(404, std::string("\x1b[31mno\n", 8));
  EXPECT_EQ(e404.message.find('\x1b'), std::string::npos);  // the body's control bytes are not kept
}

}  // namespace
}  // namespace onshi::eligibility
