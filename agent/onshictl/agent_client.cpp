#include "agent_client.hpp"

#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <openssl/rand.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "onshi/bytes.hpp"
#include "onshi/config/config.hpp"
#include "onshi/unique_fd.hpp"

namespace onshi::ctl {
namespace {

constexpr std::size_t kMaxReply = 1 << 20;

}  // namespace

Result<AgentReply> AgentClient::request(std::string_view method, std::string_view target,
                                        std::string_view json_body) const {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string path = socket_.string();
  if (path.size() >= sizeof addr.sun_path)
    return fail(Errc::invalid_argument, "socket path too long");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);

  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return fail(Errc::io, fmt::format("socket: {}", std::strerror(errno)));
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout_.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout_.count() % 1000) * 1000);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    return fail(Errc::io, fmt::format("{}: {}", path, std::strerror(errno)));
  }

  // The request may carry a PIN: its buffer is wiped on every way out.
  struct Wiped {
    std::string text;
    ~Wiped() { secure_wipe(text.data(), text.capacity()); }
  } request;
  std::string& req = request.text;
  req.reserve(512 + json_body.size());
  req += fmt::format(
      "{} {} HTTP/1.1\r\nHost: onshid\r\nConnection: close\r\nAccept: application/json\r\n", method,
      target);
  // onshid requires an Idempotency-Key on every POST; each onshictl command is one request, so
  // a fresh random key (onshictl never retries a POST itself).
  if (method == "POST") {
    std::uint8_t random[16];
    if (RAND_bytes(random, sizeof random) != 1) {
      return fail(Errc::internal, "no randomness for the Idempotency-Key");
    }
    req += fmt::format("Idempotency-Key: onshictl-{}\r\n", to_hex(ByteView(random, sizeof random)));
  }
  if (!json_body.empty())
    req +=
        fmt::format("Content-Type: application/json\r\nContent-Length: {}\r\n", json_body.size());
  req += "\r\n";
  req += json_body;
  for (std::size_t sent = 0; sent < req.size();) {
    const ssize_t n = ::send(fd.get(), req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return fail(Errc::io, fmt::format("{}: send: {}", path, std::strerror(errno)));
    sent += static_cast<std::size_t>(n);
  }

  boost::beast::http::response_parser<boost::beast::http::string_body> parser;
  parser.body_limit(kMaxReply);
  parser.eager(true);
  std::string raw;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0) {
      return fail(errno == EAGAIN ? Errc::timeout : Errc::io,
                  fmt::format("{}: no answer: {}", path, std::strerror(errno)));
    }
    if (n == 0) break;
    raw.append(buf, static_cast<std::size_t>(n));
    if (raw.size() > kMaxReply)
      return fail(Errc::io, fmt::format("{}: answer larger than {} bytes", path, kMaxReply));
  }
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(raw), ec);
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  if (ec || !parser.is_header_done()) {
    return fail(Errc::io,
                fmt::format("{}: not an HTTP answer ({})", path, ec ? ec.message() : "incomplete"));
  }
  return AgentReply{static_cast<int>(parser.get().result_int()), parser.get().body()};
}

std::filesystem::path agent_socket(const std::optional<std::string>& option,
                                   const std::string& config_path) {
  if (option) return *option;
  if (const char* env = std::getenv("ONSHI_API_SOCKET"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  if (std::filesystem::exists(config_path, ec)) {
    if (auto cfg = config::load_config_file(config_path)) return cfg->api.socket;
  }
  return config::Api{}.socket;
}

AgentAttempt try_agent(const AgentClient& client, bool forced_direct, std::string_view method,
                       std::string_view target, std::string_view json_body) {
  AgentAttempt a;
  if (forced_direct) {
    a.why_direct = "--direct given";
    return a;
  }
  auto reply = client.request(method, target, json_body);
  if (!reply) {
    a.why_direct = fmt::format("onshid not answering on {}", reply.error().message);
    return a;
  }
  if (reply->status == 404) {
    a.why_direct =
        fmt::format("onshid on {} does not offer {} {}", client.socket().string(), method, target);
    return a;
  }
  a.reply = std::move(reply).value();
  return a;
}

}  // namespace onshi::ctl
