#include "pin_input.hpp"

#include <fmt/format.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

namespace onshi::ctl {
namespace {

constexpr std::size_t kMaxPin = 64;

// Restores the terminal's echo on every way out.
class NoEcho {
 public:
  explicit NoEcho(int fd) : fd_(fd) {
    if (::tcgetattr(fd_, &saved_) == 0) {
      termios quiet = saved_;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      active_ = ::tcsetattr(fd_, TCSAFLUSH, &quiet) == 0;
    }
  }
  NoEcho(const NoEcho&) = delete;
  NoEcho& operator=(const NoEcho&) = delete;
  ~NoEcho() {
    if (active_) ::tcsetattr(fd_, TCSAFLUSH, &saved_);
  }

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

}  // namespace

Result<SecretBytes> read_pin(std::string_view prompt) {
  const bool tty = ::isatty(STDIN_FILENO) == 1;
  std::array<std::uint8_t, kMaxPin + 2> buf{};
  std::size_t n = 0;
  {
    std::optional<NoEcho> quiet;
    if (tty) {
      fmt::print(stderr, "{}", prompt);
      std::fflush(stderr);
      quiet.emplace(STDIN_FILENO);
    }
    // Byte by byte, so nothing past the line stays in a stdio buffer.
    for (;;) {
      std::uint8_t c = 0;
      const ssize_t r = ::read(STDIN_FILENO, &c, 1);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0 || c == '\n') break;
      if (n == buf.size()) {
        secure_wipe(buf.data(), buf.size());
        return fail(Errc::pin_format, fmt::format("the PIN is longer than {} characters", kMaxPin));
      }
      buf[n++] = c;
    }
  }
  if (tty) fmt::print(stderr, "\n");
  if (n > 0 && buf[n - 1] == '\r') --n;
  if (n == 0) return fail(Errc::pin_format, "no PIN given (empty line or end of input)");
  SecretBytes pin(ByteView(buf.data(), n));
  secure_wipe(buf.data(), buf.size());
  return pin;
}

}  // namespace onshi::ctl
