// Plays vpcd's side of the wire (test-rigs.md §1) for the transport's unit tests: listens on
// 127.0.0.1 (port 0 = any free port), accepts the card's connection, sends frames, reads replies.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstring>
#include <optional>

#include "onshi/bytes.hpp"
#include "onshi/sim/unique_fd.hpp"
#include "onshi/sim/vpcd_frame.hpp"

namespace onshi::sim::testing {

class FakeVpcd {
 public:
  explicit FakeVpcd(std::uint16_t port = 0) {
    listener_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const int one = 1;
    ::setsockopt(listener_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    const std::uint8_t port_bytes[2] = {static_cast<std::uint8_t>(port >> 8),
                                        static_cast<std::uint8_t>(port & 0xFF)};
    std::memcpy(&a.sin_port, port_bytes, 2);
    bound_ = ::bind(listener_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
             ::listen(listener_.get(), 4) == 0;
    socklen_t size = sizeof a;
    ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&a), &size);
    std::uint8_t got[2];
    std::memcpy(got, &a.sin_port, 2);
    port_ = static_cast<std::uint16_t>((got[0] << 8) | got[1]);
  }

  bool ok() const { return bound_; }
  std::uint16_t port() const { return port_; }

  bool accept(std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
    pollfd p{listener_.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return false;
    card_.reset(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    return card_.valid();
  }

  // Like vpcd 0.8: the length and the payload in two separate send() calls, Nagle left on.
  bool send_frame(ByteView payload, bool split_header = false) {
    const auto frame = encode_vpcd_frame(payload);
    if (!frame) return false;
    if (!split_header) return send_all(*frame);
    return send_all(ByteView(*frame).first(2)) && send_all(ByteView(*frame).subspan(2));
  }
  bool send_control(std::uint8_t code) { return send_frame(Bytes{code}); }
  bool send_all(ByteView bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(card_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes = bytes.subspan(static_cast<std::size_t>(n));
    }
    return true;
  }

  // The next frame from the card, or nullopt on timeout or when the card closed.
  std::optional<Bytes> read_frame(
      std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto frame = decoder_.next_frame()) return frame;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{card_.get(), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) != 1) return std::nullopt;
      std::uint8_t buffer[4096];
      const ssize_t n = ::recv(card_.get(), buffer, sizeof buffer, 0);
      if (n <= 0) {
        closed_ = true;
        return std::nullopt;
      }
      decoder_.feed(ByteView(buffer, static_cast<std::size_t>(n)));
    }
  }

  std::optional<Bytes> transmit(ByteView apdu, bool split_header = false) {
    if (!send_frame(apdu, split_header)) return std::nullopt;
    return read_frame();
  }

  // True once the card has closed its end (reads return EOF) within `timeout`.
  bool card_closed(std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
    while (!closed_) {
      if (!read_frame(timeout) && !closed_) return false;
    }
    return true;
  }

  void close_connection() { card_.reset(); }

 private:
  UniqueFd listener_;
  UniqueFd card_;
  VpcdFrameDecoder decoder_;
  std::uint16_t port_ = 0;
  bool bound_ = false;
  bool closed_ = false;
};

}  // namespace onshi::sim::testing
