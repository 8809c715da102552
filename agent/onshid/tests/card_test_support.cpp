#include "card_test_support.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <thread>

#include "onshi/sim/tool_run.hpp"

namespace onshi::agent::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

json parse(const std::string& text) { return json::parse(text, nullptr, false); }

template <typename F>
bool poll_until(std::chrono::milliseconds timeout, F&& done) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(100ms);
  }
}

}  // namespace

bool facesim_available() { return std::getenv("ONSHI_FACESIM_CONTROL") != nullptr; }

std::string facesim_ctl(const std::string& command, bool may_fail) {
  const auto run = sim::run_tool(
      fmt::format("{} ctl {} {}", ONSHI_FACESIM, std::getenv("ONSHI_FACESIM_CONTROL"), command));
  if (!may_fail) {
    EXPECT_EQ(run.output.rfind("ok", 0), 0u) << command << ": " << run.output;
  }
  return run.output;
}

fs::path persona_file(const std::string& name, std::optional<int> tries_left) {
  const fs::path original = sim::eligsim::testing::personas() / (name + ".json");
  if (!tries_left) return original;
  json persona = parse(read_file(original));
  persona["jpki"]["auth_pin"]["tries_left"] = *tries_left;
  // Beside the original: its file references are relative to its directory.
  const fs::path copy =
      original.parent_path() / fmt::format("{}-tries{}-{}.json", name, *tries_left, ::getpid());
  std::ofstream(copy) << persona.dump(2);
  return copy;
}

std::string persona_pin(const std::string& name) {
  const json persona = parse(read_file(persona_file(name)));
  return persona["jpki"]["auth_pin"]["value"].get<std::string>();
}

void insert_card(int reader, const std::string& persona, std::optional<int> tries_left) {
  facesim_ctl(fmt::format("insert {} {}", reader, persona_file(persona, tries_left).string()));
}

fs::path hpki_persona_file(const std::string& name, std::optional<int> tries_left) {
  const fs::path original =
      sim::eligsim::testing::personas().parent_path() / "hpki" / (name + ".json");
  if (!tries_left) return original;
  json persona = parse(read_file(original));
  persona["hpki"]["signature"]["pin"]["tries_left"] = *tries_left;
  const fs::path copy =
      original.parent_path() / fmt::format("{}-tries{}-{}.json", name, *tries_left, ::getpid());
  std::ofstream(copy) << persona.dump(2);
  return copy;
}

std::string hpki_signature_pin(const std::string& name) {
  const json persona = parse(read_file(hpki_persona_file(name)));
  return persona["hpki"]["signature"]["pin"]["value"].get<std::string>();
}

void insert_hpki_card(int reader, const std::string& persona, std::optional<int> tries_left) {
  facesim_ctl(fmt::format("insert {} {}", reader, hpki_persona_file(persona, tries_left).string()));
}

int secure_verifies(int reader) {
  const std::string out = facesim_ctl(fmt::format("status {}", reader));
  const json j = out.size() > 3 ? parse(out.substr(3)) : json();
  return j.is_object() ? j.value("secure_verifies", -1) : -1;
}

bool wait_for_vendor_state(int reader, const std::string& state,
                           std::chrono::milliseconds timeout) {
  return poll_until(timeout, [&] {
    const std::string out = facesim_ctl(fmt::format("status {}", reader), true);
    if (out.rfind("ok ", 0) != 0) return false;
    const json j = parse(out.substr(3));
    return j.is_object() && j.contains("vendor") && j["vendor"].value("state", "") == state;
  });
}

std::string new_key() {
  static std::mt19937_64 random{std::random_device{}()};
  return fmt::format("card-test-{:016x}", random());
}

std::string start(const OnshidRig& rig, const json& body) {
  const Reply r = rig.post("/v1/verifications", body, new_key());
  EXPECT_TRUE(r.status == 202 || r.status == 200) << r.status << " " << r.body;
  const json j = parse(r.body);
  return j.is_object() && j.contains("id") ? j["id"].get<std::string>() : std::string();
}

std::string start_signature(const OnshidRig& rig, const json& body) {
  const Reply r = rig.post("/v1/signatures", body, new_key());
  EXPECT_TRUE(r.status == 202 || r.status == 200) << r.status << " " << r.body;
  const json j = parse(r.body);
  return j.is_object() && j.contains("id") ? j["id"].get<std::string>() : std::string();
}

json wait_for(const OnshidRig& rig, const std::string& id, std::chrono::seconds timeout,
              const std::string& collection) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  json last;
  while (std::chrono::steady_clock::now() < until) {
    const Reply r = rig.get(collection + id + "?wait=10");
    last = parse(r.body);
    if (r.status == 200) return last;
    if (r.status != 202) break;
  }
  ADD_FAILURE() << "verification " << id << " did not finish: " << last.dump();
  return last;
}

json start_and_wait(const OnshidRig& rig, const json& body) {
  const std::string id = start(rig, body);
  if (id.empty()) return json::object();
  return wait_for(rig, id);
}

std::vector<std::string> event_types(const OnshidRig& rig, const std::string& id) {
  std::vector<std::string> out;
  const json j = parse(rig.get("/v1/verifications/" + id + "/events").body);
  if (!j.is_object() || !j.contains("events")) return out;
  for (const auto& e : j["events"]) out.push_back(e["type"].get<std::string>());
  return out;
}

bool wait_for_event(const OnshidRig& rig, const std::string& id, const std::string& type,
                    std::chrono::milliseconds timeout) {
  std::uint64_t after = 0;
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    const json j =
        parse(rig.get(fmt::format("/v1/verifications/{}/events?after={}&wait=5", id, after)).body);
    if (!j.is_object() || !j.contains("events")) return false;
    for (const auto& e : j["events"]) {
      if (e["type"] == type) return true;
      after = e["seq"].get<std::uint64_t>();
    }
    if (j.value("finished", false)) return false;
  }
  return false;
}

std::uint64_t last_event_seq(const OnshidRig& rig) {
  const json j = parse(rig.get("/v1/events").body);
  return j.is_object() ? j.value("last_seq", std::uint64_t{0}) : 0;
}

std::optional<std::string> wait_for_reader_started(const OnshidRig& rig, std::uint64_t after,
                                                   std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    const json j = parse(rig.get(fmt::format("/v1/events?after={}&wait=5", after)).body);
    if (!j.is_object() || !j.contains("events")) return std::nullopt;
    for (const auto& e : j["events"]) {
      after = e["seq"].get<std::uint64_t>();
      if (e["type"] == "started" && e["data"].value("origin", "") == "face_reader") {
        return e["verification"].get<std::string>();
      }
    }
  }
  return std::nullopt;
}

bool wait_for_paired_readers(const OnshidRig& rig, std::size_t count,
                             std::chrono::milliseconds timeout) {
  return poll_until(timeout, [&] {
    const json h = parse(rig.get("/v1/health").body);
    if (!h.is_object() || !h.contains("face_readers")) return false;
    std::size_t paired = 0;
    for (const auto& r : h["face_readers"]["readers"]) {
      if (r.value("connected", false) && r.contains("card_slot")) ++paired;
    }
    return paired >= count;
  });
}

bool wait_until_idle(const OnshidRig& rig, std::chrono::milliseconds timeout) {
  return poll_until(timeout, [&] {
    const json h = parse(rig.get("/v1/health").body);
    return h.is_object() && h.contains("card_sessions") && h["card_sessions"].empty();
  });
}

std::string read_sse(const fs::path& socket, const std::string& target,
                     std::chrono::milliseconds timeout) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "<socket failed>";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket.c_str(), sizeof addr.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "<connect failed>";
  }
  const std::string request =
      fmt::format("GET {} HTTP/1.1\r\nHost: onshid\r\nAccept: text/event-stream\r\n\r\n", target);
  (void)::write(fd, request.data(), request.size());
  std::string out;
  const auto until = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;  // the server closed the stream
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace onshi::agent::testing
