// A minimal HTTP/1.1 client over a Unix socket for onshid's tests and benchmark: one connection
// per call, or a kept-alive connection for the benchmark.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace onshi::agent::testing {

struct Reply {
  int status = 0;  // 0: no answer (connection failed: see body)
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::string> header(std::string_view name) const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

Reply call(const std::filesystem::path& socket, const std::string& method,
           const std::string& target, const std::string& body = {}, const Headers& headers = {});

// A kept-alive connection (the benchmark's client).
class Connection {
 public:
  explicit Connection(const std::filesystem::path& socket);
  bool connected() const { return connected_; }
  Reply request(const std::string& method, const std::string& target, const std::string& body,
                const Headers& headers);

 private:
  boost::asio::io_context io_;
  boost::asio::local::stream_protocol::socket socket_{io_};
  boost::beast::flat_buffer buffer_;
  bool connected_ = false;
};

// Polls GET /v1/health until onshid answers 200 (or the timeout).
bool wait_until_ready(const std::filesystem::path& socket, std::chrono::milliseconds timeout);

}  // namespace onshi::agent::testing
