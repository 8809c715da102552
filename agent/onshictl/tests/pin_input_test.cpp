// The password and PIN readers' line rules: the first line, its line ending dropped, limits, and
// an empty line that is a valid password but never a valid PIN.
#include "pin_input.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace onshi::ctl {
namespace {

ByteView bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string text(const SecretBytes& s) {
  return {reinterpret_cast<const char*>(s.view().data()), s.size()};
}

constexpr SecretKind kPassword{"password", 16, Errc::invalid_argument, true};

TEST(SecretInput, FirstLineWithoutItsLineEnding) {
  auto s = first_line_secret(bytes("onshi-test-pass"), kPassword);
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(text(*s), "onshi-test-pass");
  s = first_line_secret(bytes("secret\r\nsecond line\n"), kPassword);
  ASSERT_TRUE(s);
  EXPECT_EQ(text(*s), "secret");
  s = first_line_secret(bytes("with space \n"), kPassword);
  ASSERT_TRUE(s);
  EXPECT_EQ(text(*s), "with space ");
}

TEST(SecretInput, EmptyLineIsAPasswordButNotAPin) {
  auto password = first_line_secret(bytes("\n"), kPassword);
  ASSERT_TRUE(password);
  EXPECT_TRUE(password->empty());
  auto pin = first_line_secret(bytes("\n"), SecretKind{});
  ASSERT_FALSE(pin);
  EXPECT_EQ(pin.error().code, Errc::pin_format);
  EXPECT_NE(pin.error().message.find("no PIN given"), std::string::npos);
  // Nothing at all is never a secret.
  auto none = first_line_secret(bytes(""), kPassword);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("no password given"), std::string::npos);
}

TEST(SecretInput, TooLongIsRefusedNotCut) {
  auto s = first_line_secret(bytes("0123456789abcdefX\n"), kPassword);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::invalid_argument);
  EXPECT_EQ(s.error().message, "the password is longer than 16 characters");
  EXPECT_TRUE(first_line_secret(bytes("0123456789abcdef\r\n"), kPassword));
}

TEST(SecretInput, FileGivesItsFirstLine) {
  const auto path =
      std::filesystem::temp_directory_path() / ("onshictl-password-" + std::to_string(::getpid()));
  {
    std::ofstream out(path, std::ios::binary);
    out << "pw-from-file\nignored\n";
  }
  auto s = read_secret_file(path, kPassword);
  std::filesystem::remove(path);
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(text(*s), "pw-from-file");

  auto missing = read_secret_file("/nonexistent/password", kPassword);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::io);
  EXPECT_NE(missing.error().message.find("/nonexistent/password"), std::string::npos);
}

TEST(SecretInput, FileWithATooLongFirstLineNamesTheFile) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("onshictl-password-long-" + std::to_string(::getpid()));
  {
    std::ofstream out(path, std::ios::binary);
    out << std::string(100, 'x') << "\n";
  }
  auto s = read_secret_file(path, kPassword);
  std::filesystem::remove(path);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, path.string() + ": the password is longer than 16 characters");
}

}  // namespace
}  // namespace onshi::ctl
