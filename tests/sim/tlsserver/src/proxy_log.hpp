// The CONNECT proxy's --log: one line per request, appended as it is decided, so a test can read
// whether its request went through the proxy.
#pragma once

#include <filesystem>
#include <string_view>

#include "onshi/result.hpp"

namespace onshi::sim::tlsserver {

class ProxyLog {
 public:
  ProxyLog() = default;  // logs nowhere
  static Result<ProxyLog> open(const std::filesystem::path& path);

  ProxyLog(ProxyLog&& other) noexcept;
  ProxyLog& operator=(ProxyLog&& other) noexcept;
  ProxyLog(const ProxyLog&) = delete;
  ProxyLog& operator=(const ProxyLog&) = delete;
  ~ProxyLog();

  // One write(2) of the line and its newline to an O_APPEND file: never interleaved.
  void append(std::string_view line) const;

 private:
  explicit ProxyLog(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace onshi::sim::tlsserver
