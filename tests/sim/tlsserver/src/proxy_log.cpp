#include "proxy_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "log_line.hpp"

namespace onshi::sim::tlsserver {

Result<ProxyLog> ProxyLog::open(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return fail(Errc::io, fmt::format("--log {}: {}", path.string(), std::strerror(errno)));
  }
  return ProxyLog(fd);
}

ProxyLog::ProxyLog(ProxyLog&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

ProxyLog& ProxyLog::operator=(ProxyLog&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

ProxyLog::~ProxyLog() {
  if (fd_ >= 0) ::close(fd_);
}

void ProxyLog::append(std::string_view line) const {
  log_line(line);
  if (fd_ < 0) return;
  const std::string text = std::string(line) + '\n';
  if (::write(fd_, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    logf("cannot append to --log: {}", std::strerror(errno));
  }
}

}  // namespace onshi::sim::tlsserver
