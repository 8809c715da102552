#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>

#include "onshi/config/config.hpp"

namespace onshi::config {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// A scratch directory per test, removed afterwards.
class LoadConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("onshi-config-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(LoadConfigFile, ExampleLoadsWithItsValues) {
  auto result = load_config_file(ONSHI_CONFIG_EXAMPLE);
  ASSERT_TRUE(result) << result.error().to_string();
  const Config& c = *result;
  EXPECT_EQ(c.terminal_name, "受付1号機");
  EXPECT_EQ(c.state_dir, "/var/lib/onshi");
  EXPECT_FALSE(c.test_mode);
  ASSERT_EQ(c.institutions.size(), 2u);
  EXPECT_EQ(c.institutions[0].code, "2714206386");
  EXPECT_EQ(c.institutions[0].name, "オンシ内科クリニック");
  EXPECT_EQ(c.certificates.ca_file, std::filesystem::path("/etc/onshi/common-ca.pem"));
  EXPECT_EQ(c.institutions[1].code, "2734206382");
  EXPECT_EQ(c.api.socket, "/run/onshi/api.sock");
  EXPECT_EQ(c.api.socket_group, "onshi");
  EXPECT_THAT(c.api.allowed_users, ElementsAre("recept"));
  EXPECT_THAT(c.api.allowed_groups, ElementsAre("onshi"));
  EXPECT_EQ(c.upstream.url, "https://oqs-gateway.example.jp/");
  ASSERT_EQ(c.upstream.pins.size(), 2u);
  EXPECT_EQ(c.upstream.pins[0].text, "sha256//TSlboofgCZmiD2oXoHVH5qI5UlO6uIJCwiwUxOg07JY=");
  EXPECT_EQ(c.upstream.proxy, "http://proxy.base.oqs-pdl.org:8080");
  EXPECT_EQ(c.upstream.connect_timeout, 10000ms);
  EXPECT_EQ(c.upstream.request_timeout, 30000ms);
  EXPECT_THAT(c.readers.include, ElementsAre("SONY FeliCa Port/PaSoRi"));
  EXPECT_THAT(c.readers.exclude, ElementsAre("Virtual PCD"));
  EXPECT_FALSE(c.readers.allow_virtual);
  ASSERT_EQ(c.face_readers.size(), 1u);
  EXPECT_EQ(c.face_readers[0].serial, "FR0012345");
  EXPECT_EQ(c.face_readers[0].vid, 0x1234);
  EXPECT_EQ(c.face_readers[0].pid, 0x5678);
  EXPECT_EQ(c.face_readers[0].institution, "2714206386");
  EXPECT_EQ(c.log.level, log::Level::info);
}

// The example's commented [[face_reader]] block, swapped in for its [face_reader] table, is valid.
TEST_F(LoadConfigFile, ExampleSeveralFaceReadersParse) {
  std::ifstream in(ONSHI_CONFIG_EXAMPLE, std::ios::binary);
  std::string text;
  std::string line;
  bool in_table = false;  // the [face_reader] table, up to the blank line after it
  bool in_block = false;  // the commented block, after its introduction
  while (std::getline(in, line)) {
    if (line == "[face_reader]") in_table = true;
    if (in_table) {
      in_table = !line.empty();
      continue;
    }
    if (line.starts_with("#   [[face_reader]]")) in_block = true;
    if (in_block && line.starts_with("#")) {
      line = line.size() > 4 ? line.substr(4) : "";
    } else {
      in_block = false;
    }
    text += line + "\n";
  }
  ASSERT_FALSE(in_table);
  const std::string path = write("several.toml", text).string();
  auto result = load_config_file(path);
  ASSERT_TRUE(result) << result.error().to_string();
  ASSERT_EQ(result->face_readers.size(), 2u);
  EXPECT_EQ(result->face_readers[0].serial, "FR0012345");
  EXPECT_EQ(result->face_readers[0].institution, "2714206386");
  EXPECT_EQ(result->face_readers[1].serial, "FR0067890");
  EXPECT_EQ(result->face_readers[1].vid, 0x1234);
  EXPECT_EQ(result->face_readers[1].institution, "2734206382");
}

// The example promises every key of the schema. Keys it has but the schema lacks would already
// fail the test above; this catches the other direction. Extend the list with each new key.
TEST_F(LoadConfigFile, ExampleMentionsEveryKey) {
  // Sized read: GCC 12 warns (-Wnull-dereference) inside istreambuf_iterator.
  std::string text(std::filesystem::file_size(ONSHI_CONFIG_EXAMPLE), '\0');
  std::ifstream(ONSHI_CONFIG_EXAMPLE, std::ios::binary)
      .read(text.data(), static_cast<std::streamsize>(text.size()));
  for (const char* key : {"terminal_name =",
                          "state_dir =",
                          "test_mode =",
                          "[[institutions]]",
                          "code =",
                          "name =",
                          "[certificates]",
                          "ca_file =",
                          "crl_file =",
                          "subject_match =",
                          "owner =",
                          "no_proxy =",
                          "server_ca_file =",
                          "handshake_timeout_ms =",
                          "max_clock_skew_s =",
                          "[api]",
                          "socket =",
                          "socket_group =",
                          "allowed_users =",
                          "allowed_groups =",
                          "[upstream]",
                          "url =",
                          "pins =",
                          "proxy =",
                          "connect_timeout_ms =",
                          "request_timeout_ms =",
                          "[readers]",
                          "include =",
                          "exclude =",
                          "allow_virtual =",
                          "[face_reader]",
                          "serial =",
                          "vid =",
                          "pid =",
                          "institution =",
                          "[log]",
                          "level ="}) {
    EXPECT_THAT(text, HasSubstr(std::string("\n") + key)) << key;
  }
}

TEST_F(LoadConfigFile, MissingFile) {
  const auto path = dir_ / "nope.toml";
  auto result = load_config_file(path);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::config_not_found);
  EXPECT_EQ(result.error().message, path.string() + ": cannot open: No such file or directory");
  EXPECT_EQ(result.error().native, ENOENT);
}

TEST_F(LoadConfigFile, DirectoryIsUnreadable) {
  auto result = load_config_file(dir_);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::config_not_found);
  EXPECT_THAT(result.error().message, StartsWith(dir_.string() + ": cannot "));
  EXPECT_THAT(result.error().message, HasSubstr("Is a directory"));
}

TEST_F(LoadConfigFile, ReadsAFile) {
  const auto path = write("ok.toml",
                          "terminal_name = \"受付2号機\"\n[[institutions]]\ncode = \"0110113719\"\n"
                          "name = \"x\"\n");
  auto result = load_config_file(path);
  ASSERT_TRUE(result) << result.error().to_string();
  EXPECT_EQ(result->terminal_name, "受付2号機");
}

TEST_F(LoadConfigFile, ErrorsNameTheFile) {
  const auto syntax = write("syntax.toml", "terminal_name = \"a\"\n[api\n");
  auto result = load_config_file(syntax);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::config_syntax);
  EXPECT_THAT(result.error().message, StartsWith(syntax.string() + ":2:"));

  const auto invalid = write("invalid.toml", "terminal_name = \"a\"\n");
  result = load_config_file(invalid);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::config_invalid);
  EXPECT_EQ(result.error().message, invalid.string() + ": institutions: required key is missing");
}

TEST_F(LoadConfigFile, RefusesHugeFiles) {
  const auto path = write("huge.toml", "# " + std::string(std::size_t{1} << 20, 'x') + "\n");
  auto result = load_config_file(path);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::config_invalid);
  EXPECT_THAT(result.error().message, HasSubstr("too large"));
}

}  // namespace
}  // namespace onshi::config
