#include "pin_input.hpp"

#include <fmt/format.h>
#include <termios.h>
#include <unistd.h>
#include <csignal>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

namespace onshi::ctl {
namespace {

constexpr std::size_t kMaxPin = 64;

// The terminal's settings while echo is off, for the signal handler (tcsetattr is
// async-signal-safe).
termios g_saved_terminal{};
volatile sig_atomic_t g_echo_off = 0;

extern "C" void restore_echo_and_die(int sig) {
  if (g_echo_off != 0) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_terminal);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// Restores the terminal's echo on every way out, Ctrl-C and SIGTERM included.
class NoEcho {
 public:
  NoEcho() {
    if (::tcgetattr(STDIN_FILENO, &g_saved_terminal) != 0) return;
    ::signal(SIGINT, restore_echo_and_die);
    ::signal(SIGTERM, restore_echo_and_die);
    ::signal(SIGHUP, restore_echo_and_die);
    termios quiet = g_saved_terminal;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    g_echo_off = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0 ? 1 : 0;
  }
  NoEcho(const NoEcho&) = delete;
  NoEcho& operator=(const NoEcho&) = delete;
  ~NoEcho() {
    if (g_echo_off != 0) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_terminal);
    g_echo_off = 0;
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::signal(SIGHUP, SIG_DFL);
  }
};

}  // namespace

Result<SecretBytes> read_pin(std::string_view prompt) {
  const bool tty = ::isatty(STDIN_FILENO) == 1;
  std::array<std::uint8_t, kMaxPin + 1> buf{};  // + a CR before the LF
  std::size_t n = 0;
  {
    std::optional<NoEcho> quiet;
    if (tty) {
      fmt::print(stderr, "{}", prompt);
      std::fflush(stderr);
      quiet.emplace();
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
  if (n > kMaxPin) {
    secure_wipe(buf.data(), buf.size());
    return fail(Errc::pin_format, fmt::format("the PIN is longer than {} characters", kMaxPin));
  }
  if (n == 0) return fail(Errc::pin_format, "no PIN given (empty line or end of input)");
  SecretBytes pin(ByteView(buf.data(), n));
  secure_wipe(buf.data(), buf.size());
  return pin;
}

}  // namespace onshi::ctl
