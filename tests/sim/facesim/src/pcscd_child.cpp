#include "onshi/facesim/pcscd_child.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace onshi::facesim {
namespace fs = std::filesystem;

Result<std::string> add_reader_to_info_plist(std::string plist, std::uint16_t vendor_id,
                                             std::uint16_t product_id, std::string_view name) {
  const struct {
    const char* key;
    std::string value;
  } entries[] = {{"ifdVendorID", fmt::format("0x{:04X}", vendor_id)},
                 {"ifdProductID", fmt::format("0x{:04X}", product_id)},
                 {"ifdFriendlyName", std::string(name)}};
  for (const auto& e : entries) {
    const std::string key = fmt::format("<key>{}</key>", e.key);
    const auto at = plist.find(key);
    if (at == std::string::npos)
      return fail(Errc::config_invalid, fmt::format("Info.plist has no {}", key));
    const auto open = plist.find("<array>", at);
    const auto close = plist.find("</array>", at);
    if (open == std::string::npos || close == std::string::npos || close < open) {
      return fail(Errc::config_invalid,
                  fmt::format("Info.plist's {} is not followed by an array", e.key));
    }
    plist.insert(close, fmt::format("\t<string>{}</string>\n\t", e.value));
  }
  return plist;
}

namespace {

// After fork() in a threaded process: no allocation, only write(2).
[[noreturn]] void child_fail(const char* what) {
  const char* reason = std::strerror(errno);
  const char prefix[] = "onshi-facesim: pcscd child: ";
  (void)!::write(2, prefix, sizeof prefix - 1);
  (void)!::write(2, what, std::strlen(what));
  (void)!::write(2, ": ", 2);
  (void)!::write(2, reason, std::strlen(reason));
  (void)!::write(2, "\n", 1);
  ::_exit(127);
}

}  // namespace

Result<pid_t> start_pcscd(const PcscdChildOptions& options) {
  if (::geteuid() != 0) {
    return fail(Errc::not_supported,
                "pcscd for the emulated reader needs root: its own mount namespace carries the "
                "Info.plist that lists onshi's VID/PID (tests/sim/facesim/README.md)");
  }
  std::error_code ec;
  const fs::path conf_dir = options.work_dir / "reader.conf.d";
  fs::create_directories(conf_dir, ec);
  if (ec)
    return fail(Errc::io, fmt::format("cannot create {}: {}", conf_dir.string(), ec.message()));
  std::ifstream in(kLibccidInfoPlist);
  if (!in)
    return fail(Errc::config_not_found,
                fmt::format("cannot read {} (is libccid installed?)", kLibccidInfoPlist));
  std::stringstream text;
  text << in.rdbuf();
  ONSHI_TRY_ASSIGN(auto plist, add_reader_to_info_plist(text.str(), kVendorId, kProductId,
                                                        options.friendly_name));
  const fs::path plist_copy = options.work_dir / "libccid_Info.plist";
  {
    std::ofstream out(plist_copy);
    out << plist;
    if (!out) return fail(Errc::io, fmt::format("cannot write {}", plist_copy.string()));
  }
  fs::remove(options.socket, ec);  // a killed pcscd leaves its socket behind
  fs::create_directories("/run/pcscd", ec);

  std::vector<std::string> args{
      "systemd-socket-activate", "-E",    "LD_PRELOAD", "-E", "UMOCKDEV_DIR",   "-l",
      options.socket.string(),   "pcscd", "-f",         "-c", conf_dir.string()};
  if (options.debug) {
    args.push_back("-d");
    args.push_back("-a");
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int log_fd = -1;
  if (!options.log.empty()) {
    log_fd = ::open(options.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (log_fd < 0)
      return fail(Errc::io,
                  fmt::format("cannot open {}: {}", options.log.string(), std::strerror(errno)));
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return fail(Errc::io, fmt::format("fork: {}", std::strerror(errno)));
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(0);
    if (log_fd >= 0 && (::dup2(log_fd, 1) < 0 || ::dup2(log_fd, 2) < 0))
      child_fail("redirect to the log");
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (::unshare(CLONE_NEWNS) != 0) child_fail("unshare(CLONE_NEWNS)");
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
      child_fail("make / private");
    if (::mount("tmpfs", "/run/pcscd", "tmpfs", 0, nullptr) != 0) child_fail("tmpfs on /run/pcscd");
    if (::mount(plist_copy.c_str(), kLibccidInfoPlist, nullptr, MS_BIND, nullptr) != 0) {
      child_fail("bind-mount the Info.plist copy");
    }
    ::execvp(argv[0], argv.data());
    child_fail("exec systemd-socket-activate");
  }
  if (log_fd >= 0) ::close(log_fd);
  return pid;
}

}  // namespace onshi::facesim
