#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <system_error>

#include "onshi/config/config.hpp"

namespace onshi::config {
namespace {

// A configuration file is a few kilobytes; the cap keeps a wrong path (/dev/zero, a large log)
// from eating memory or never finishing.
constexpr std::size_t kMaxFileSize = std::size_t{1} << 20;

Error unreadable(const std::string& name, std::string_view what, int err) {
  return Error{Errc::config_not_found,
               fmt::format("{}: cannot {}: {}", name, what, std::generic_category().message(err)),
               err};
}

struct FileCloser {
  void operator()(std::FILE* file) const noexcept { std::fclose(file); }
};

}  // namespace

Result<Config> load_config_file(const std::filesystem::path& path) {
  const std::string name = path.string();
  errno = 0;
  const std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) return fail(unreadable(name, "open", errno));

  std::string text;
  char buffer[8192];
  for (;;) {
    const std::size_t got = std::fread(buffer, 1, sizeof buffer, file.get());
    text.append(buffer, got);
    if (text.size() > kMaxFileSize) {
      return fail(Errc::config_invalid,
                  fmt::format("{}: larger than {} bytes, too large for a configuration file", name,
                              kMaxFileSize));
    }
    if (got == sizeof buffer) continue;
    // Reading a directory fails here (EISDIR), not at fopen.
    if (std::ferror(file.get())) return fail(unreadable(name, "read", errno));
    break;
  }
  return parse_config(text, name);
}

}  // namespace onshi::config
