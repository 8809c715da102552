// onshi-connect-proxy as a process: curl through it to onshi-tls-testserver, raw sockets for what
// curl will not send.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "tlsserver_test_support.hpp"

namespace onshi::sim::tlsserver_test {
namespace {

// A connected or listening TCP socket on 127.0.0.1, closed at the end of its scope.
class Socket {
 public:
  Socket() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {}
  explicit Socket(int fd) : fd_(fd) {}
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

  bool connect(std::uint16_t port) const {
    const auto address = loopback(port);
    return ::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  }
  // Listens on an ephemeral port and returns it (0 on failure).
  std::uint16_t listen() const {
    auto address = loopback(0);
    socklen_t length = sizeof address;
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(fd_, 4) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      return 0;
    }
    return ntohs(address.sin_port);
  }
  void send_all(std::string_view data) const {
    while (!data.empty()) {
      const auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // Everything until the peer closes (or 5 s pass).
  std::string read_all() const {
    timeval timeout{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::string data;
    char buffer[4096];
    for (;;) {
      const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return data;
      data.append(buffer, static_cast<std::size_t>(n));
    }
  }

 private:
  static sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
  }
  int fd_ = -1;
};

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string proxy_arg(const TestProcess& proxy) {
  return fmt::format("--proxy http://127.0.0.1:{} --proxytunnel", proxy.port());
}

TEST(ConnectProxy, RelaysCurlToTheServerAndLogsOk) {
  START_OR_FAIL(server, start_tls_server());
  const auto log = scratch_path("proxy.log");
  START_OR_FAIL(proxy, start_proxy({"--log", log.string()}));
  const auto run = curl(proxy_arg(proxy) + " " + url(server.port(), "/echo"));
  ASSERT_EQ(run.status, 0) << run.output << proxy.output();
  const auto docs = json_lines(run.output);
  ASSERT_EQ(docs.size(), 1u) << run.output;
  EXPECT_EQ(docs.front()["method"], "GET");
  EXPECT_EQ(read_text(log), fmt::format("CONNECT 127.0.0.1:{} -> ok\n", server.port()));
  EXPECT_EQ(proxy.stop(), 0) << proxy.output();
}

TEST(ConnectProxy, SigtermRightAfterThePortFileExitsCleanly) {
  for (int i = 0; i < 3; ++i) {
    START_OR_FAIL(proxy, start_proxy());
    EXPECT_EQ(proxy.stop(), 0) << proxy.output();
  }
}

TEST(ConnectProxy, RefuseGives403AndLogsRefused) {
  START_OR_FAIL(server, start_tls_server());
  const auto log = scratch_path("proxy.log");
  START_OR_FAIL(proxy, start_proxy({"--log", log.string(), "--refuse"}));
  const auto run = curl(proxy_arg(proxy) + " " + url(server.port(), "/echo"));
  EXPECT_NE(run.status, 0);
  EXPECT_NE(run.output.find("403"), std::string::npos) << run.output;
  EXPECT_EQ(read_text(log), fmt::format("CONNECT 127.0.0.1:{} -> refused\n", server.port()));
  EXPECT_EQ(server.output().find("handshake"), std::string::npos) << server.output();
}

TEST(ConnectProxy, RequireAuthGives407WithoutTheRightCredentials) {
  START_OR_FAIL(server, start_tls_server());
  const auto log = scratch_path("proxy.log");
  START_OR_FAIL(proxy, start_proxy({"--log", log.string(), "--require-auth", "clinic:s3cret"}));
  const auto target = url(server.port(), "/echo");
  const auto none = curl(proxy_arg(proxy) + " " + target);
  EXPECT_NE(none.status, 0);
  EXPECT_NE(none.output.find("407"), std::string::npos) << none.output;
  const auto wrong = curl(proxy_arg(proxy) + " --proxy-user clinic:wrong " + target);
  EXPECT_NE(wrong.status, 0);
  const auto right = curl(proxy_arg(proxy) + " --proxy-user clinic:s3cret " + target);
  EXPECT_EQ(right.status, 0) << right.output;
  const auto lines = read_text(log);
  EXPECT_EQ(lines, fmt::format("CONNECT 127.0.0.1:{0} -> unauthorized\n"
                               "CONNECT 127.0.0.1:{0} -> unauthorized\n"
                               "CONNECT 127.0.0.1:{0} -> ok\n",
                               server.port()));
}

TEST(ConnectProxy, UnreachableTargetGives502AndLogsFailed) {
  std::uint16_t closed = 0;
  {
    const Socket probe;
    closed = probe.listen();  // free now, and closed again at the end of this block
  }
  ASSERT_NE(closed, 0);
  const auto log = scratch_path("proxy.log");
  START_OR_FAIL(proxy, start_proxy({"--log", log.string()}));
  const auto run = curl(proxy_arg(proxy) + " " + url(closed, "/echo"));
  EXPECT_NE(run.status, 0);
  EXPECT_NE(run.output.find("502"), std::string::npos) << run.output;
  EXPECT_EQ(read_text(log), fmt::format("CONNECT 127.0.0.1:{} -> failed\n", closed));
}

TEST(ConnectProxy, OtherMethodsGet405AndBadHeadsGet400) {
  const auto log = scratch_path("proxy.log");
  START_OR_FAIL(proxy, start_proxy({"--log", log.string()}));
  const auto get = run_tool(fmt::format(
      "curl -sS --max-time 5 -o /dev/null -w '%{{http_code}}' --proxy http://127.0.0.1:{} "
      "http://127.0.0.1:1/x",
      proxy.port()));
  EXPECT_EQ(get.output, "405");
  for (const std::string& head :
       {std::string("garbage\r\n\r\n"), std::string("CONNECT nowhere HTTP/1.1\r\n\r\n"),
        "CONNECT a:1 HTTP/1.1\r\nX: " + std::string(9000, 'y') + "\r\n\r\n"}) {
    const Socket client;
    ASSERT_TRUE(client.connect(proxy.port()));
    client.send_all(head);
    EXPECT_TRUE(client.read_all().starts_with("HTTP/1.1 400 Bad Request\r\n"))
        << head.substr(0, 30);
  }
  EXPECT_EQ(read_text(log),
            "GET http://127.0.0.1:1/x -> not-allowed\n- - -> bad-request\n"
            "CONNECT nowhere -> bad-request\n- - -> bad-request\n");
  EXPECT_TRUE(proxy.running());
}

// The client half-closes right after its data; the target answers only after seeing that end of
// stream, so the answer arrives only if the half-close crossed the tunnel and the other direction
// stayed open.
TEST(ConnectProxy, HalfCloseCrossesTheTunnel) {
  const Socket listener;
  const std::uint16_t target_port = listener.listen();
  ASSERT_NE(target_port, 0);
  std::thread target([&listener] {
    const Socket peer(::accept(listener.fd(), nullptr, nullptr));
    const std::string received = peer.read_all();
    peer.send_all("got:" + received);
  });
  START_OR_FAIL(proxy, start_proxy());
  const Socket client;
  ASSERT_TRUE(client.connect(proxy.port()));
  // The first bytes travel in the same segment as the head, as a pipelining client sends them.
  client.send_all(
      fmt::format("CONNECT 127.0.0.1:{} HTTP/1.1\r\nHost: x\r\n\r\nhello", target_port));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  client.send_all(" world");
  ::shutdown(client.fd(), SHUT_WR);
  const std::string answer = client.read_all();
  target.join();
  EXPECT_EQ(answer, "HTTP/1.1 200 Connection established\r\n\r\ngot:hello world");
}

}  // namespace
}  // namespace onshi::sim::tlsserver_test
