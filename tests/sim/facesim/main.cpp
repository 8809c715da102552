// onshi-facesim: emulated face-authentication card readers under umockdev, each a composite USB
// device (CCID pin-pad slot + vendor interface), with a real pcscd + libccid on the slots. A test
// tool: the card core answers with persona data and the pad "types" PINs the control channel
// gives it, so a real PIN must never be given to it.
//
//   onshi-facesim --readers 2 --pcscd-socket S --control C [--card 0=persona.json] [-- cmd...]
//   onshi-facesim ctl C <command...>        one control command, its answer on stdout

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "onshi/facesim/control.hpp"
#include "onshi/facesim/emulator.hpp"
#include "onshi/facesim/pcscd_child.hpp"
#include "onshi/sim/persona.hpp"

namespace fs = std::filesystem;
using namespace onshi::facesim;

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitSetup = 3;
constexpr const char* kPreload = "libumockdev-preload.so.0";

// umockdev's device emulation needs its preload library in this very process (the ioctl
// server lives here): start again under it when it is missing, as umockdev-wrapper would.
void ensure_preloaded(char** argv) {
  const char* current = std::getenv("LD_PRELOAD");
  if (current != nullptr && std::strstr(current, "libumockdev-preload") != nullptr) return;
  const std::string value =
      current && *current ? fmt::format("{}:{}", kPreload, current) : kPreload;
  ::setenv("LD_PRELOAD", value.c_str(), 1);
  ::execv("/proc/self/exe", argv);
  std::fprintf(stderr, "onshi-facesim: cannot re-execute under %s: %s\n", kPreload,
               std::strerror(errno));
  std::exit(kExitSetup);
}

int connect_unix(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (fd < 0 || path.size() >= sizeof addr.sun_path) return -1;
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int run_ctl(const std::string& socket_path, const std::vector<std::string>& command) {
  const int fd = connect_unix(socket_path);
  if (fd < 0) {
    std::fprintf(stderr, "onshi-facesim ctl: cannot connect to %s: %s\n", socket_path.c_str(),
                 std::strerror(errno));
    return 1;
  }
  std::string line;
  for (const auto& w : command) line += (line.empty() ? "" : " ") + w;
  line += '\n';
  (void)!::write(fd, line.data(), line.size());
  std::string answer;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) {
    answer.append(buf, static_cast<std::size_t>(n));
    if (answer.find('\n') != std::string::npos) break;
  }
  ::close(fd);
  std::fputs(answer.c_str(), stdout);
  return answer.rfind("ok", 0) == 0 ? 0 : 1;
}

class Log {
 public:
  explicit Log(const std::string& path) {
    if (!path.empty()) file_ = std::fopen(path.c_str(), "a");
  }
  ~Log() {
    if (file_) std::fclose(file_);
  }
  void line(const std::string& text) {
    const std::lock_guard lock(mutex_);
    std::FILE* out = file_ ? file_ : stderr;
    std::fprintf(out, "%s %s\n", timestamp().c_str(), text.c_str());
    std::fflush(out);
  }

 private:
  static std::string timestamp() {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    std::tm tm{};
    ::gmtime_r(&ts.tv_sec, &tm);
    return fmt::format("{:02}:{:02}:{:02}.{:03}", tm.tm_hour, tm.tm_min, tm.tm_sec,
                       ts.tv_nsec / 1000000);
  }
  std::mutex mutex_;
  std::FILE* file_ = nullptr;
};

struct Options {
  int readers = 1;
  std::vector<std::string> levels;  // per reader: short | extended
  std::uint32_t max_message_length = 0;
  std::string serial_prefix = "FACE";
  std::vector<std::string> cards;  // <reader>=<persona.json>
  std::string pcscd_socket;
  std::string control;
  std::string ready_file;
  std::string env_file;
  std::string log_file;
  bool pcscd_debug = false;
  int typing_ms = 300;
  std::vector<std::string> command;
};

int listen_unix(const std::string& path) {
  ::unlink(path.c_str());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (fd < 0 || path.size() >= sizeof addr.sun_path) return -1;
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 8) != 0) {
    ::close(fd);
    return -1;
  }
  ::chmod(path.c_str(), 0600);  // the pad's PINs come through here: its owner only
  return fd;
}

// A control line as the log may show it: the digits the pad is to type never appear.
std::string loggable(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> w;
  for (std::string word; in >> word;) w.push_back(word);
  if (!w.empty() && w[0] == "pad" && w.size() >= 3 && w[2] == "type") {
    return fmt::format("pad {} type <{} digits>", w[1], w.size() > 3 ? w[3].size() : 0);
  }
  return line;
}

// One connection: lines in, one answer per line, until the peer closes.
bool serve_connection(int fd, Emulator& emulator, Log& log) {
  std::string pending;
  char buf[4096];
  bool quit = false;
  while (!quit) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) break;  // a silent client cannot hold the channel
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    pending.append(buf, static_cast<std::size_t>(n));
    if (pending.size() > 64 * 1024) break;
    for (std::size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      const ControlAnswer answer = run_control_command(emulator, line);
      log.line(fmt::format("control: {} -> {}", loggable(line), answer.line.substr(0, 200)));
      onshi::secure_wipe(line.data(), line.size());
      const std::string out = answer.line + "\n";
      (void)!::write(fd, out.data(), out.size());
      quit = quit || answer.quit;
    }
  }
  onshi::secure_wipe(pending.data(), pending.size());
  onshi::secure_wipe(buf, sizeof buf);
  ::close(fd);
  return quit;
}

pid_t spawn(const std::vector<std::string>& command) {
  std::vector<char*> argv;
  std::vector<std::string> copy = command;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execvp(argv[0], argv.data());
    std::perror("onshi-facesim: exec");
    ::_exit(127);
  }
  return pid;
}

void stop_child(pid_t pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 50; ++i) {
    const pid_t done = ::waitpid(pid, nullptr, WNOHANG);
    if (done == pid || (done < 0 && errno == ECHILD)) return;  // gone (or reaped already)
    ::usleep(100'000);
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string_view(argv[1]) == "ctl") {
    if (argc < 4) {
      std::fprintf(stderr, "usage: onshi-facesim ctl <control socket> <command...>\n");
      return kExitUsage;
    }
    return run_ctl(argv[2], std::vector<std::string>(argv + 3, argv + argc));
  }

  CLI::App app{"onshi-facesim: emulated face-authentication card readers (umockdev + real pcscd)"};
  Options o;
  app.add_option("--readers", o.readers, "how many face readers")->check(CLI::Range(1, 8));
  app.add_option("--level", o.levels, "per reader: short or extended (APDU level)")->delimiter(',');
  app.add_option("--max-message-length", o.max_message_length,
                 "dwMaxCCIDMessageLength (default 271 short, 522 extended)")
      ->check(CLI::Range(64, 65546));
  app.add_option("--serial-prefix", o.serial_prefix, "serials are <prefix>0001, <prefix>0002...");
  app.add_option("--card", o.cards, "<reader>=<persona.json>: a card in the slot from the start");
  app.add_option("--pcscd-socket", o.pcscd_socket, "start pcscd on this socket");
  app.add_option("--control", o.control, "control channel socket")->required();
  app.add_option("--ready-file", o.ready_file, "written (the reader count) once everything runs");
  app.add_option("--env-file", o.env_file, "LD_PRELOAD and UMOCKDEV_DIR for libusb clients");
  app.add_option("--log", o.log_file, "event log (default stderr)");
  app.add_flag("--pcscd-debug", o.pcscd_debug, "pcscd -d -a (its log then shows APDUs)");
  app.add_option("--typing-ms", o.typing_ms, "how long the patient types on the pad")
      ->check(CLI::Range(0, 60000));
  app.add_option("command", o.command, "a child to run with the devices (then exit with it)");
  app.allow_extras(false);
  CLI11_PARSE(app, argc, argv);

  ensure_preloaded(argv);
  Log log(o.log_file);

  std::vector<ReaderSetup> setups;
  for (int i = 0; i < o.readers; ++i) {
    ReaderSetup s;
    const std::string level = i < static_cast<int>(o.levels.size())
                                  ? o.levels[i]
                                  : (o.levels.empty() ? "short" : o.levels.back());
    if (level != "short" && level != "extended") {
      std::fprintf(stderr, "onshi-facesim: --level %s: short or extended\n", level.c_str());
      return kExitUsage;
    }
    s.slot.level = level == "short" ? ApduLevel::short_apdu : ApduLevel::extended_apdu;
    s.slot.max_message_length =
        o.max_message_length != 0 ? o.max_message_length : (level == "short" ? 271U : 522U);
    s.slot.typing_time = std::chrono::milliseconds(o.typing_ms);
    s.identity.level = s.slot.level;
    s.identity.max_message_length = static_cast<std::uint32_t>(s.slot.max_message_length);
    s.identity.serial = fmt::format("{}{:04}", o.serial_prefix, i + 1);
    setups.push_back(std::move(s));
  }

  // Signals arrive through a signalfd; block them before umockdev starts its thread.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGTERM, SIGINT, SIGCHLD, SIGHUP}) sigaddset(&signals, s);
  ::sigprocmask(SIG_BLOCK, &signals, nullptr);
  const int signal_fd = ::signalfd(-1, &signals, SFD_CLOEXEC);

  EmulatorOptions eo;
  eo.log = [&log](const std::string& l) { log.line(l); };
  auto emulator = Emulator::create(std::move(setups), eo);
  if (!emulator) {
    std::fprintf(stderr, "onshi-facesim: %s\n", emulator.error().message.c_str());
    return kExitSetup;
  }
  Emulator& em = **emulator;
  for (const auto& card : o.cards) {
    const auto eq = card.find('=');
    const auto answer =
        eq == std::string::npos
            ? ControlAnswer{"error --card wants <reader>=<persona.json>"}
            : run_control_command(em, "insert " + card.substr(0, eq) + " " + card.substr(eq + 1));
    if (answer.line != "ok") {
      std::fprintf(stderr, "onshi-facesim: --card %s: %s\n", card.c_str(), answer.line.c_str());
      return kExitUsage;
    }
  }
  const std::string umockdev_dir = em.umockdev_dir();
  ::setenv("UMOCKDEV_DIR", umockdev_dir.c_str(), 1);

  const int control_fd = listen_unix(o.control);
  if (control_fd < 0) {
    std::fprintf(stderr, "onshi-facesim: cannot listen on %s: %s\n", o.control.c_str(),
                 std::strerror(errno));
    return kExitSetup;
  }

  const fs::path work_dir = fs::path(umockdev_dir) / "onshi-facesim";
  std::error_code ec;
  fs::create_directories(work_dir, ec);
  pid_t pcscd = -1;
  if (!o.pcscd_socket.empty()) {
    PcscdChildOptions po;
    po.socket = o.pcscd_socket;
    po.work_dir = work_dir;
    po.debug = o.pcscd_debug;
    if (!o.log_file.empty()) po.log = o.log_file;  // pcscd's lines join the event log
    auto started = start_pcscd(po);
    if (!started) {
      std::fprintf(stderr, "onshi-facesim: %s\n", started.error().message.c_str());
      return kExitSetup;
    }
    pcscd = *started;
    // Ready means clients can connect: wait for systemd-socket-activate's socket.
    for (int i = 0; i < 200 && !fs::exists(o.pcscd_socket, ec); ++i) ::usleep(25'000);
    if (!fs::exists(o.pcscd_socket, ec)) {
      std::fprintf(stderr, "onshi-facesim: pcscd's socket %s never appeared\n",
                   o.pcscd_socket.c_str());
      stop_child(pcscd);
      return kExitSetup;
    }
    ::setenv("PCSCLITE_CSOCK_NAME", o.pcscd_socket.c_str(), 1);
    log.line(fmt::format("pcscd {} on {}", pcscd, o.pcscd_socket));
  }
  if (!o.env_file.empty()) {
    std::ofstream env(o.env_file);
    env << "LD_PRELOAD=" << std::getenv("LD_PRELOAD") << "\nUMOCKDEV_DIR=" << umockdev_dir << "\n";
  }
  if (!o.ready_file.empty()) {
    const std::string tmp = o.ready_file + ".tmp";
    std::ofstream(tmp) << o.readers << "\n";
    fs::rename(tmp, o.ready_file, ec);
  }
  pid_t child = o.command.empty() ? -1 : spawn(o.command);

  int exit_code = 0;
  for (bool running = true; running;) {
    pollfd fds[2] = {{control_fd, POLLIN, 0}, {signal_fd, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
    if (fds[1].revents & POLLIN) {
      signalfd_siginfo info{};
      (void)!::read(signal_fd, &info, sizeof info);
      if (info.ssi_signo == SIGCHLD) {
        int status = 0;
        for (pid_t pid; (pid = ::waitpid(-1, &status, WNOHANG)) > 0;) {
          const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
          if (pid == child) {
            log.line(fmt::format("child exited with {}", code));
            exit_code = code;
            child = -1;
            running = false;
          } else if (pid == pcscd) {
            log.line(fmt::format("pcscd exited with {}", code));
            pcscd = -1;
            exit_code = kExitSetup;
            running = false;
          }
        }
      } else {
        running = false;
      }
    }
    if (fds[0].revents & POLLIN) {
      const int fd = ::accept4(control_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0 && serve_connection(fd, em, log)) running = false;
    }
  }
  stop_child(child);
  stop_child(pcscd);
  ::close(control_fd);
  ::unlink(o.control.c_str());
  return exit_code;
}
