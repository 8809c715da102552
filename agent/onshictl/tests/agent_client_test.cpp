// onshictl's "agent first, hardware otherwise" decision against a stand-in onshid on a Unix
// socket: no socket, a route onshid does not offer (404), an answer, and garbage.
#include "agent_client.hpp"
#include "one_shot_agent.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <thread>

namespace onshi::ctl {
namespace {

using OneShotServer = testing::OneShotAgent;

TEST(AgentClient, NoSocketMeansHardwareAndSaysWhy) {
  AgentClient client("/nonexistent/onshi-api.sock");
  auto a = try_agent(client, false, "GET", "/v1/cards");
  EXPECT_FALSE(a.reply);
  EXPECT_NE(a.why_direct.find("onshid not answering on /nonexistent/onshi-api.sock: No such file"),
            std::string::npos)
      << a.why_direct;
}

TEST(AgentClient, DirectFlagSkipsTheAgent) {
  OneShotServer server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
  AgentClient client(server.path());
  auto a = try_agent(client, true, "GET", "/v1/cards");
  EXPECT_FALSE(a.reply);
  EXPECT_EQ(a.why_direct, "--direct given");
  // Unblock the server thread.
  (void)client.request("GET", "/");
}

TEST(AgentClient, RouteNotOfferedFallsBackToHardware) {
  OneShotServer server("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  AgentClient client(server.path());
  auto a = try_agent(client, false, "GET", "/v1/cards?reader=R");
  EXPECT_FALSE(a.reply);
  EXPECT_NE(a.why_direct.find("does not offer GET /v1/cards?reader=R"), std::string::npos)
      << a.why_direct;
}

TEST(AgentClient, AnAnswerIsUsed) {
  OneShotServer server(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
      "18\r\n\r\n{\"kind\":\"x\",\"a\":1}");
  AgentClient client(server.path());
  auto a = try_agent(client, false, "POST", "/v1/cards/verify-pin", "{\"pin_ref\":\"auth\"}");
  ASSERT_TRUE(a.reply);
  EXPECT_EQ(a.reply->status, 200);
  EXPECT_EQ(a.reply->body, "{\"kind\":\"x\",\"a\":1}");
  EXPECT_NE(server.request().find("POST /v1/cards/verify-pin HTTP/1.1"), std::string::npos);
  EXPECT_NE(server.request().find("Content-Length: 18"), std::string::npos);
}

TEST(AgentClient, GarbageIsAClearError) {
  OneShotServer server("SSH-2.0-OpenSSH_9.2\r\n");
  AgentClient client(server.path());
  auto r = client.request("GET", "/v1/readers");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::io);
  EXPECT_NE(r.error().message.find("not an HTTP answer"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace onshi::ctl
