#include "journal_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "onshi/unique_fd.hpp"

namespace onshi::journal::detail {
namespace {

namespace fs = std::filesystem;

constexpr mode_t kDirectoryMode = 0700;
constexpr mode_t kFileMode = 0600;

Error os_failure(const fs::path& path, std::string_view doing, int err) {
  return Error(Errc::journal_failed,
               fmt::format("journal {}: {}: {}", path.string(), doing, std::strerror(err)), err);
}

Status make_directories(const fs::path& dir) {
  if (dir.empty()) return {};
  // The missing levels, outermost first.
  std::vector<fs::path> missing;
  for (fs::path p = dir; !p.empty(); p = p.parent_path()) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        return Error(
            Errc::journal_failed,
            fmt::format("journal directory {}: {} is not a directory", dir.string(), p.string()));
      }
      break;
    }
    if (errno != ENOENT) return os_failure(p, "cannot look at the journal's directory", errno);
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), kDirectoryMode) != 0 && errno != EEXIST) {
      return os_failure(*it, "cannot create the journal's directory", errno);
    }
    // The umask may have taken bits away; 0700 is what the journal wants, no more, no less.
    if (::chmod(it->c_str(), kDirectoryMode) != 0) {
      return os_failure(*it, "cannot set the journal directory's mode to 0700", errno);
    }
  }
  return {};
}

// Makes the file's directory entry durable, as SQLite does for the files it creates.
Status sync_directory(const fs::path& dir) {
  UniqueFd fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return os_failure(dir, "cannot open the journal's directory to sync it", errno);
  if (::fsync(fd.get()) != 0) return os_failure(dir, "cannot sync the journal's directory", errno);
  return {};
}

std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// Opens `path` without following a symbolic link, checks it is a regular file and sets 0600.
Status tighten(const fs::path& path, int extra_flags, bool* created) {
  struct stat before {};
  const bool existed = ::lstat(path.c_str(), &before) == 0;
  if (existed && !S_ISREG(before.st_mode)) {
    return Error(Errc::journal_failed, fmt::format("journal {}: is {}, not the journal's file",
                                                   path.string(), kind_of(before.st_mode)));
  }
  UniqueFd fd(
      ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | extra_flags, kFileMode));
  if (!fd) {
    // A companion file may go away meanwhile: its last user closed it.
    if ((extra_flags & O_CREAT) == 0 && errno == ENOENT) return {};
    return os_failure(
        path,
        existed ? "cannot open the journal's file for writing" : "cannot create the journal's file",
        errno);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return os_failure(path, "cannot look at the file", errno);
  if (!S_ISREG(st.st_mode)) {
    return Error(Errc::journal_failed, fmt::format("journal {}: is {}, not the journal's file",
                                                   path.string(), kind_of(st.st_mode)));
  }
  if ((st.st_mode & 07777) != kFileMode && ::fchmod(fd.get(), kFileMode) != 0) {
    return os_failure(path, "cannot set the file's mode to 0600", errno);
  }
  if (created != nullptr) *created = !existed;
  return {};
}

}  // namespace

Status prepare_journal_file(const fs::path& file) {
  ONSHI_TRY(make_directories(file.parent_path()));
  bool created = false;
  ONSHI_TRY(tighten(file, O_CREAT, &created));
  if (created) ONSHI_TRY(sync_directory(file.parent_path()));
  return tighten_companion_files(file);
}

Status tighten_companion_files(const fs::path& file) {
  for (const char* suffix : {"-wal", "-shm"}) {
    ONSHI_TRY(tighten(fs::path(file.string() + suffix), 0, nullptr));
  }
  return {};
}

}  // namespace onshi::journal::detail
