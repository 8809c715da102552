#include "uds_http.hpp"

#include <boost/beast/http.hpp>

#include <thread>

namespace onshi::agent::testing {

namespace http = boost::beast::http;
using local = boost::asio::local::stream_protocol;

std::optional<std::string> Reply::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return v;
    }
  }
  return std::nullopt;
}

namespace {

Reply exchange(local::socket& socket, boost::beast::flat_buffer& buffer, const std::string& method,
               const std::string& target, const std::string& body, const Headers& headers,
               bool keep_alive) {
  Reply reply;
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "onshid");
  for (const auto& [n, v] : headers) req.set(n, v);
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.keep_alive(keep_alive);
  req.prepare_payload();
  boost::system::error_code ec;
  http::write(socket, req, ec);
  if (ec) {
    reply.body = "write: " + ec.message();
    return reply;
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  http::read(socket, buffer, parser, ec);
  if (ec) {
    reply.body = "read: " + ec.message();
    return reply;
  }
  auto res = parser.release();
  reply.status = static_cast<int>(res.result_int());
  reply.body = res.body();
  for (const auto& f : res)
    reply.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  return reply;
}

}  // namespace

Reply call(const std::filesystem::path& path, const std::string& method, const std::string& target,
           const std::string& body, const Headers& headers) {
  boost::asio::io_context io;
  local::socket socket(io);
  boost::system::error_code ec;
  socket.connect(local::endpoint(path.string()), ec);
  if (ec) {
    Reply r;
    r.body = "connect: " + ec.message();
    return r;
  }
  boost::beast::flat_buffer buffer;
  return exchange(socket, buffer, method, target, body, headers, false);
}

Connection::Connection(const std::filesystem::path& path) {
  boost::system::error_code ec;
  socket_.connect(local::endpoint(path.string()), ec);
  connected_ = !ec;
}

Reply Connection::request(const std::string& method, const std::string& target,
                          const std::string& body, const Headers& headers) {
  return exchange(socket_, buffer_, method, target, body, headers, true);
}

bool wait_until_ready(const std::filesystem::path& socket, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (call(socket, "GET", "/v1/health").status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace onshi::agent::testing
