#include "pin_input.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <termios.h>
#include <unistd.h>
#include <csignal>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

namespace onshi::ctl {
namespace {

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

Result<SecretBytes> read_pin(std::string_view prompt) { return read_secret(prompt, SecretKind{}); }

Result<SecretBytes> read_secret(std::string_view prompt, const SecretKind& kind) {
  const bool tty = ::isatty(STDIN_FILENO) == 1;
  std::vector<std::uint8_t> buf(kind.max_length + 1);  // + a CR before the LF
  const auto too_long = [&] {
    secure_wipe(buf.data(), buf.size());
    return fail(kind.error,
                fmt::format("the {} is longer than {} characters", kind.what, kind.max_length));
  };
  std::size_t n = 0;
  bool line_ended = false;
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
      if (r <= 0) break;
      if (c == '\n') {
        line_ended = true;
        break;
      }
      if (n == buf.size()) return too_long();
      buf[n++] = c;
    }
  }
  if (tty) fmt::print(stderr, "\n");
  if (n > 0 && buf[n - 1] == '\r') --n;
  if (n > kind.max_length) return too_long();
  if (n == 0 && !(kind.allow_empty && line_ended)) {
    return fail(kind.error,
                fmt::format("no {} given ({})", kind.what,
                            kind.allow_empty ? "end of input" : "empty line or end of input"));
  }
  SecretBytes secret(ByteView(buf.data(), n));
  secure_wipe(buf.data(), buf.size());
  return secret;
}

Result<SecretBytes> first_line_secret(ByteView text, const SecretKind& kind) {
  if (text.empty()) return fail(kind.error, fmt::format("no {} given (empty)", kind.what));
  std::size_t n = 0;
  while (n < text.size() && text[n] != '\n') ++n;
  if (n > 0 && text[n - 1] == '\r') --n;
  if (n > kind.max_length) {
    return fail(kind.error,
                fmt::format("the {} is longer than {} characters", kind.what, kind.max_length));
  }
  if (n == 0 && !kind.allow_empty) {
    return fail(kind.error, fmt::format("no {} given (empty line)", kind.what));
  }
  return SecretBytes(text.first(n));
}

Result<SecretBytes> read_secret_file(const std::filesystem::path& path, const SecretKind& kind) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return fail(Errc::io, fmt::format("{}: cannot read the {} file: {}", path.string(), kind.what,
                                      std::strerror(errno)));
  }
  // The first line and a little more: enough to see whether it is too long.
  std::vector<std::uint8_t> buf(kind.max_length + 3);
  std::size_t n = 0;
  int err = 0;
  while (n < buf.size()) {
    const ssize_t r = ::read(fd, buf.data() + n, buf.size() - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) err = errno;
    if (r <= 0) break;
    const auto* nl = std::find(buf.data() + n, buf.data() + n + r, std::uint8_t{'\n'});
    n += static_cast<std::size_t>(r);
    if (nl != buf.data() + n) break;
  }
  ::close(fd);
  Result<SecretBytes> secret =
      err != 0 ? Result<SecretBytes>(
                     fail(Errc::io, fmt::format("{}: {}", path.string(), std::strerror(err))))
               : first_line_secret(ByteView(buf.data(), n), kind);
  secure_wipe(buf.data(), buf.size());
  if (!secret) {
    Error e = std::move(secret).error();
    if (e.code != Errc::io) e.message = fmt::format("{}: {}", path.string(), e.message);
    return e;
  }
  return secret;
}

}  // namespace onshi::ctl
