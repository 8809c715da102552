// A stand-in onshid for onshictl's tests: accepts one connection on a Unix socket, keeps the whole
// request (head and Content-Length body), answers `reply` verbatim, and closes.
#pragma once

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

namespace onshi::ctl::testing {

class OneShotAgent {
 public:
  explicit OneShotAgent(std::string reply) : reply_(std::move(reply)) {
    path_ = std::filesystem::temp_directory_path() /
            ("onshictl-test-" + std::to_string(::getpid()) + ".sock");
    std::filesystem::remove(path_);
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 1), 0);
    thread_ = std::thread([this] {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buf[4096];
      for (;;) {
        const ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        request_.append(buf, static_cast<std::size_t>(n));
        const auto end = request_.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        const auto cl = request_.find("Content-Length: ");
        const std::size_t body = cl == std::string::npos ? 0 : std::stoul(request_.substr(cl + 16));
        if (request_.size() >= end + 4 + body) break;
      }
      (void)::send(c, reply_.data(), reply_.size(), MSG_NOSIGNAL);
      ::close(c);
    });
  }
  ~OneShotAgent() {
    ::shutdown(fd_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
    std::filesystem::remove(path_);
  }
  OneShotAgent(const OneShotAgent&) = delete;
  OneShotAgent& operator=(const OneShotAgent&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // The request, once the connection is over (waits for it).
  const std::string& request() {
    if (thread_.joinable()) thread_.join();
    return request_;
  }

 private:
  std::string reply_;
  std::filesystem::path path_;
  int fd_ = -1;
  std::thread thread_;
  std::string request_;
};

}  // namespace onshi::ctl::testing
