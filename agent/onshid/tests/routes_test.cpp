// The routes onshid serves and agent/api/openapi.yaml agree, both ways; plus the parts of the
// daemon that need no process.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <set>

#include "daemon.hpp"
#include "devices.hpp"
#include "routes.hpp"
#include "verifications.hpp"

namespace onshi::agent {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("onshid-unit-" + std::to_string(rd()));
    fs::create_directories(path / "state");
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::unique_ptr<Daemon> make_daemon(const TempDir& dir) {
  const fs::path config = dir.path / "onshi.toml";
  std::ofstream(config)
      << "terminal_name = \"受付1号機\"\nstate_dir = \"" << (dir.path / "state").string()
      << "\"\n[[institutions]]\ncode = \"2714206386\"\nname = \"x\"\n[api]\nsocket = \""
      << (dir.path / "api.sock").string() << "\"\n";
  auto daemon = Daemon::create({config});
  EXPECT_TRUE(daemon) << daemon.error().to_string();
  return daemon ? std::move(daemon).value() : nullptr;
}

TEST(OpenApi, DocumentsExactlyTheRoutesTheServerHas) {
  TempDir dir;
  auto daemon = make_daemon(dir);
  ASSERT_TRUE(daemon);
  std::set<std::string> served;
  for (const auto& r : make_router(*daemon)->routes()) {
    std::string method = r.method;
    std::transform(method.begin(), method.end(), method.begin(), ::tolower);
    served.insert(method + " " + r.pattern);
  }
  const YAML::Node doc = YAML::LoadFile(ONSHI_OPENAPI);
  std::set<std::string> documented;
  for (const auto& path : doc["paths"]) {
    for (const auto& op : path.second) {
      const std::string method = op.first.as<std::string>();
      if (method == "parameters" || method == "summary") continue;
      documented.insert(method + " " + path.first.as<std::string>());
    }
  }
  for (const auto& s : served) EXPECT_TRUE(documented.contains(s)) << "undocumented route: " << s;
  for (const auto& d : documented)
    EXPECT_TRUE(served.contains(d)) << "documented, not served: " << d;
  EXPECT_GE(served.size(), 8u);
}

TEST(OpenApi, EveryOperationDocumentsItsErrors) {
  const YAML::Node doc = YAML::LoadFile(ONSHI_OPENAPI);
  for (const auto& path : doc["paths"]) {
    for (const auto& op : path.second) {
      if (op.first.as<std::string>() != "post") continue;
      bool has_key = false;
      for (const auto& p : op.second["parameters"]) {
        has_key =
            has_key || p["$ref"].as<std::string>("") == "#/components/parameters/IdempotencyKey";
      }
      EXPECT_TRUE(has_key) << path.first.as<std::string>() << " POST without Idempotency-Key";
      EXPECT_TRUE(op.second["responses"]["400"]) << path.first.as<std::string>();
    }
  }
}

TEST(Readers, OnlyUsbReadersOutsideTestMode) {
  pcsc::ReaderIdentity vpcd;
  vpcd.display_name = "Virtual PCD 00 00";
  pcsc::ReaderIdentity usb = vpcd;
  usb.display_name = "Cherry ST-1275 [CCID pinpad] (EMU0001) 00 00";
  usb.channel_id = (std::uint32_t{pcsc::kChannelTypeUsb} << 16) | 0x0102;
  pcsc::ReaderIdentity named_like_usb = vpcd;  // the name does not count, the channel does
  named_like_usb.display_name = usb.display_name;
  named_like_usb.channel_id = 0x00100000;  // not USB
  EXPECT_TRUE(reader_is_ignored(vpcd, false));
  EXPECT_TRUE(reader_is_ignored(named_like_usb, false));
  EXPECT_FALSE(reader_is_ignored(usb, false));
  EXPECT_FALSE(reader_is_ignored(vpcd, true));
}

TEST(Verifications, IdempotencyKeyShape) {
  EXPECT_FALSE(idempotency_key_problem("3f1c2a9e-6d4b-4c47-9a3e-6a1d2f0b7c55"));
  EXPECT_TRUE(idempotency_key_problem(""));
  EXPECT_TRUE(idempotency_key_problem("has space"));
  EXPECT_TRUE(idempotency_key_problem(std::string(201, 'k')));
  EXPECT_TRUE(idempotency_key_problem("k\x01"));
}

TEST(Verifications, PreferWait) {
  api::HttpRequest r;
  EXPECT_EQ(preferred_wait(r).count(), 0);
  r.headers = {{"prefer", "respond-async, wait=15"}};
  EXPECT_EQ(preferred_wait(r).count(), 15);
  r.headers = {{"prefer", "wait=600"}};
  EXPECT_EQ(preferred_wait(r).count(), 60);
  r.headers = {{"prefer", "wait=-1"}};
  EXPECT_EQ(preferred_wait(r).count(), 0);
  r.headers = {{"prefer", "wait=abc"}};
  EXPECT_EQ(preferred_wait(r).count(), 0);
}

}  // namespace
}  // namespace onshi::agent
