// onshictl's side of the agent's local API: HTTP/1.1 over the Unix socket, one request per
// connection. Every onshictl command asks onshid first and acts on the hardware itself only when
// onshid does not answer (or does not offer the route), and says which it did.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "onshi/result.hpp"

namespace onshi::ctl {

struct AgentReply {
  int status = 0;
  std::string body;
};

class AgentClient {
 public:
  explicit AgentClient(std::filesystem::path socket,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds{2000})
      : socket_(std::move(socket)), timeout_(timeout) {}

  const std::filesystem::path& socket() const noexcept { return socket_; }

  // Errc::io when nothing listens (the message says why: no socket, refused, permission).
  Result<AgentReply> request(std::string_view method, std::string_view target,
                             std::string_view json_body = {}) const;

 private:
  std::filesystem::path socket_;
  std::chrono::milliseconds timeout_;
};

// Where onshictl looks for onshid: --socket, else $ONSHI_API_SOCKET, else [api] socket of the
// configuration file when it can be read, else the default /run/onshi/api.sock.
std::filesystem::path agent_socket(const std::optional<std::string>& option,
                                   const std::string& config_path);

// The outcome of asking the agent for one route.
struct AgentAttempt {
  std::optional<AgentReply> reply;  // set when onshid answered the route (any status but 404)
  std::string why_direct;           // otherwise: why onshictl acts on the hardware itself
};
AgentAttempt try_agent(const AgentClient& client, bool forced_direct, std::string_view method,
                       std::string_view target, std::string_view json_body = {});

}  // namespace onshi::ctl
