#include "onshi/ledger/ledger_directory.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <random>
#include <system_error>
#include <thread>

#include "lock_file.hpp"
#include "onshi/japan_time.hpp"
#include "onshi/ledger/record_file.hpp"
#include "onshi/unique_fd.hpp"

namespace onshi::ledger {
namespace {

namespace fs = std::filesystem;
using detail::lock_text;
using detail::LockInfo;
using detail::parse_lock;
using std::chrono::seconds;
using std::chrono::sys_seconds;

std::string errno_text(int e) { return std::error_code(e, std::generic_category()).message(); }

std::string random_nonce() {
  std::random_device rd;
  return fmt::format("{:08x}{:08x}", rd(), rd());
}

sys_seconds now_seconds() {
  return std::chrono::time_point_cast<seconds>(std::chrono::system_clock::now());
}

Result<void> write_all(int fd, std::string_view data, const fs::path& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Errc::io, fmt::format("{}: cannot write: {}", path.string(), errno_text(errno)));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fsync(fd) != 0 && errno != EINVAL) {
    return fail(Errc::io,
                fmt::format("{}: cannot flush to disk: {}", path.string(), errno_text(errno)));
  }
  return {};
}

// A small file, read whole; nullopt when it does not exist. Never follows a symlink, and never
// blocks on a FIFO or device someone left on the share (O_NONBLOCK, then only a regular file).
Result<std::optional<std::string>> read_small(const fs::path& path, std::size_t limit) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!fd.valid()) {
    if (errno == ENOENT) return std::optional<std::string>{};
    return fail(Errc::io, fmt::format("{}: cannot open: {}", path.string(), errno_text(errno)));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return fail(Errc::ledger_invalid, fmt::format("{}: not a regular file", path.string()));
  }
  std::string out;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Errc::io, fmt::format("{}: cannot read: {}", path.string(), errno_text(errno)));
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > limit) {
      return fail(Errc::ledger_invalid, fmt::format("{}: larger than {} bytes, not a ledger record",
                                                    path.string(), limit));
    }
  }
  return std::optional<std::string>(std::move(out));
}

void sync_directory(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.valid()) (void)::fsync(fd.get());  // best effort: SMB and some file systems refuse it
}

std::optional<sys_seconds> mtime_of(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return sys_seconds(seconds(st.st_mtime));
}

// A record's lock, held for one write.
class RecordLock {
 public:
  RecordLock(fs::path path, std::string nonce) : path_(std::move(path)), nonce_(std::move(nonce)) {}
  RecordLock(const RecordLock&) = delete;
  RecordLock& operator=(const RecordLock&) = delete;
  RecordLock(RecordLock&& other) noexcept
      : path_(std::move(other.path_)), nonce_(std::move(other.nonce_)) {
    other.path_.clear();
  }
  ~RecordLock() { release(); }

  // Still ours? (a writer slower than lock_stale_after may have had it broken)
  bool held() const {
    auto text = read_small(path_, 4096);
    return text && *text && parse_lock(**text).nonce == nonce_;
  }

  void release() {
    if (path_.empty()) return;
    if (held()) ::unlink(path_.c_str());
    path_.clear();
  }

 private:
  fs::path path_;
  std::string nonce_;
};

// Breaks a stale lock: renames it to a name of our own, so that of several terminals breaking it
// at once only one succeeds; if what was renamed is not the lock judged stale (its holder released
// it and another writer took it in between), puts it back. True when the lock is gone (broken
// here or by someone else), so that taking it may be tried at once; false when it was put back
// or could not be moved, so that the caller waits like for a live lock (a lock that cannot be
// broken, e.g. a directory, must not make it spin).
bool break_stale_lock(const fs::path& lock, const std::string& stale_nonce) {
  const fs::path aside = lock.string() + ".stale-" + random_nonce();
  if (::rename(lock.c_str(), aside.c_str()) != 0) return errno == ENOENT;  // ENOENT: broken
  auto moved = read_small(aside, 4096);
  const bool same = moved && *moved && parse_lock(**moved).nonce == stale_nonce;
  if (!same) {
    // link() does not replace an existing file; where the share has no hard links, rename.
    if (::link(aside.c_str(), lock.c_str()) != 0 && errno != EEXIST) {
      (void)::rename(aside.c_str(), lock.c_str());
    }
  }
  ::unlink(aside.c_str());
  return same;
}

}  // namespace

TerminalId this_terminal() {
  TerminalId t;
  for (const char* path : {"/etc/machine-id", "/var/lib/dbus/machine-id"}) {
    std::ifstream in(path);
    std::string line;
    if (in && std::getline(in, line) && !line.empty()) {
      t.machine_id = line.substr(0, 64);
      break;
    }
  }
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0) t.host = host;
  // Without a machine id the host name tells terminals apart (less stable: it may be renamed).
  if (t.machine_id.empty())
    t.machine_id = "host:" + (t.host.empty() ? std::string("unknown") : t.host);
  return t;
}

LedgerDirectory::LedgerDirectory(LedgerOptions options) : options_(std::move(options)) {}

fs::path LedgerDirectory::file_of(const std::string& id) const {
  return options_.directory / (id + ".json");
}

std::string LedgerDirectory::missing_directory() const {
  return fmt::format(
      "the ledger directory {} does not exist: is the share mounted? ([ledger] "
      "directory names it; onshi creates only its own default directory)",
      options_.directory.string());
}

Result<void> LedgerDirectory::ensure_exists() const {
  if (!options_.directory_may_be_missing) {
    struct stat st {};
    if (::stat(options_.directory.c_str(), &st) != 0) return fail(Errc::io, missing_directory());
    if (!S_ISDIR(st.st_mode)) {
      return fail(Errc::io, fmt::format("{}: not a directory", options_.directory.string()));
    }
    return {};
  }
  if (::mkdir(options_.directory.c_str(), 0775) == 0 || errno == EEXIST) {
    struct stat st {};
    if (::stat(options_.directory.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return {};
    return fail(Errc::io, fmt::format("{}: not a directory", options_.directory.string()));
  }
  return fail(Errc::io, fmt::format("{}: cannot create the ledger directory: {}",
                                    options_.directory.string(), errno_text(errno)));
}

Result<Listing> LedgerDirectory::list() const {
  Listing out;
  std::error_code ec;
  fs::directory_iterator it(options_.directory, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) {
      if (options_.directory_may_be_missing) return out;
      return fail(Errc::io, missing_directory());
    }
    return fail(Errc::io, fmt::format("{}: cannot read the ledger directory: {}",
                                      options_.directory.string(), ec.message()));
  }
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const fs::path path = it->path();
    const std::string name = path.filename().string();
    if (name.empty() || name.front() == '.' || path.extension() != ".json") continue;
    const std::string id = path.stem().string();
    auto text = read_small(path, kMaxRecordFileBytes);
    if (!text) {
      out.problems.push_back(text.error());
      continue;
    }
    if (!*text) continue;  // removed meanwhile
    auto record = parse_record(**text);
    if (!record) {
      out.problems.emplace_back(Errc::ledger_invalid,
                                fmt::format("{}: {}", path.string(), record.error().message));
      continue;
    }
    if (record->id != id) {
      out.problems.emplace_back(
          Errc::ledger_invalid,
          fmt::format("{}: holds the record \"{}\"; a record's file is named after its id "
                      "(renamed by hand?)",
                      path.string(), record->id));
      continue;
    }
    out.records.push_back(std::move(*record));
  }
  if (ec) {
    return fail(Errc::io, fmt::format("{}: cannot read the ledger directory: {}",
                                      options_.directory.string(), ec.message()));
  }
  std::sort(out.records.begin(), out.records.end(), [](const Record& a, const Record& b) {
    return std::tie(a.institution, a.terminal_name, a.id) <
           std::tie(b.institution, b.terminal_name, b.id);
  });
  return out;
}

Result<Record> LedgerDirectory::read(const std::string& id) const {
  if (auto p = record_id_problem(id)) {
    return fail(Errc::invalid_argument, fmt::format("record \"{}\": {}", id, *p));
  }
  const fs::path path = file_of(id);
  auto text = read_small(path, kMaxRecordFileBytes);
  if (!text) return text.error();
  if (!*text) {
    if (!options_.directory_may_be_missing) {
      struct stat st {};
      if (::stat(options_.directory.c_str(), &st) != 0) return fail(Errc::io, missing_directory());
    }
    return fail(Errc::invalid_argument,
                fmt::format("the ledger {} has no record \"{}\" (`onshictl cert ledger` lists "
                            "them)",
                            options_.directory.string(), id));
  }
  auto record = parse_record(**text);
  if (!record) {
    return fail(Errc::ledger_invalid, fmt::format("{}: {}", path.string(), record.error().message));
  }
  if (record->id != id) {
    return fail(Errc::ledger_invalid,
                fmt::format("{}: holds the record \"{}\"", path.string(), record->id));
  }
  return record;
}

namespace {

struct WriteContext {
  const LedgerOptions& options;
  fs::path file;
  fs::path lock;
};

Result<RecordLock> acquire(const WriteContext& w, const std::string& id) {
  const auto deadline = std::chrono::steady_clock::now() + w.options.lock_wait;
  std::minstd_rand jitter(std::random_device{}());
  for (int attempt = 0;; ++attempt) {
    const std::string nonce = random_nonce();
    {
      UniqueFd fd(
          ::open(w.lock.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644));
      if (fd.valid()) {
        auto written = write_all(
            fd.get(),
            lock_text(w.options.self, nonce, static_cast<long>(::getpid()), now_seconds()), w.lock);
        if (!written) {
          // Ours (O_EXCL), but not saying so: remove it rather than leave it to go stale.
          ::unlink(w.lock.c_str());
          return written.error();
        }
        return RecordLock(w.lock, nonce);
      }
      if (errno != EEXIST) {
        return fail(Errc::io, fmt::format("{}: cannot create the lock file: {}", w.lock.string(),
                                          errno_text(errno)));
      }
    }
    auto text = read_small(w.lock, 4096);
    const bool released = text && !*text;  // released meanwhile: try again after the checks
    LockInfo info;
    if (text && *text) info = parse_lock(**text);
    const sys_seconds now = now_seconds();
    // A lock without a readable time (half written by a crash), or with one further in the future
    // than any clock skew explains, ages by its file time. Otherwise it is stale only when both
    // its writer's clock and the file time (the share's clock) say so: a terminal whose clock is
    // behind must not have its live locks broken.
    std::optional<sys_seconds> since = info.created;
    const std::optional<sys_seconds> file_time = mtime_of(w.lock);
    if (!since || *since > now + w.options.lock_stale_after) {
      since = file_time;
    } else if (file_time && *file_time > *since) {
      since = file_time;
    }
    if (!released && since && now - *since >= w.options.lock_stale_after &&
        break_stale_lock(w.lock, info.nonce)) {
      continue;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return fail(Errc::ledger_locked,
                  fmt::format("the ledger record \"{}\" is being written by {} (pid {}) since {}; "
                              "try again in a moment. A lock left by a crash is broken after {} s "
                              "({})",
                              id, info.host.empty() ? "another terminal" : info.host,
                              info.pid.empty() ? "?" : info.pid,
                              since ? format_japan_time(*since) : std::string("?"),
                              w.options.lock_stale_after.count(), w.lock.string()));
    }
    if (released && attempt < 3) continue;  // the lock came free: retry at once, a few times
    std::this_thread::sleep_for(
        std::chrono::milliseconds(5 + jitter() % 20 + std::min(attempt, 20)));
  }
}

// The generation of the file now; 0 when there is none.
Result<std::uint64_t> generation_on_disk(const fs::path& file) {
  auto text = read_small(file, kMaxRecordFileBytes);
  if (!text) return text.error();
  if (!*text) return std::uint64_t{0};
  auto record = parse_record(**text);
  if (!record) {
    return fail(Errc::ledger_invalid, fmt::format("{}: {}", file.string(), record.error().message));
  }
  return record->generation;
}

// Removes what crashed writers of this record left: temp files and locks moved aside, older than
// lock_stale_after. Called with the record's lock held, so no live writer of it owns them (a
// writer whose lock was broken finds that out before its rename and drops its own temp file).
void sweep_leftovers(const WriteContext& w) {
  const std::string name = w.file.filename().string();
  const std::string temp_prefix = "." + name + ".tmp-";
  const std::string aside_prefix = name + ".lock.stale-";
  const sys_seconds now = now_seconds();
  std::error_code ec;
  for (fs::directory_iterator it(w.file.parent_path(), ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string entry = it->path().filename().string();
    if (!entry.starts_with(temp_prefix) && !entry.starts_with(aside_prefix)) continue;
    const auto since = mtime_of(it->path());
    if (since && now - *since >= w.options.lock_stale_after) ::unlink(it->path().c_str());
  }
}

Result<Record> write_locked(const WriteContext& w, RecordLock& lock, Record record,
                            std::uint64_t base_generation) {
  sweep_leftovers(w);
  record.generation = base_generation + 1;
  const std::string text = serialize_record(record);
  if (text.size() > kMaxRecordFileBytes) {
    // parse_record() refuses such a file: written, the record could no longer be read anywhere.
    return fail(Errc::ledger_transition,
                fmt::format("the ledger record \"{}\" would take {} bytes, more than a record's "
                            "file may ({}); nothing was written",
                            record.id, text.size(), kMaxRecordFileBytes));
  }
  const fs::path temp =
      w.file.parent_path() / fmt::format(".{}.tmp-{}-{}-{}", w.file.filename().string(),
                                         w.options.self.host, ::getpid(), random_nonce());
  {
    UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd.valid()) {
      return fail(Errc::io, fmt::format("{}: cannot create: {}", temp.string(), errno_text(errno)));
    }
    if (auto written = write_all(fd.get(), text, temp); !written) {
      ::unlink(temp.c_str());
      return written.error();
    }
  }
  if (w.options.before_rename) w.options.before_rename();
  auto abandon = [&](Error e) -> Result<Record> {
    ::unlink(temp.c_str());
    return e;
  };
  if (!lock.held()) {
    return abandon(Error(Errc::ledger_conflict,
                         fmt::format("the lock of \"{}\" was broken as stale while this write took "
                                     "longer than {} s; nothing was written, run the command "
                                     "again",
                                     record.id, w.options.lock_stale_after.count())));
  }
  auto now_generation = generation_on_disk(w.file);
  if (!now_generation) return abandon(now_generation.error());
  if (*now_generation != base_generation) {
    return abandon(Error(
        Errc::ledger_conflict,
        fmt::format("the ledger record \"{}\" changed meanwhile (generation {} → {}), written by "
                    "another terminal; nothing was written: run the command again",
                    record.id, base_generation, *now_generation)));
  }
  if (::rename(temp.c_str(), w.file.c_str()) != 0) {
    const int e = errno;
    return abandon(
        Error(Errc::io, fmt::format("{}: cannot replace: {}", w.file.string(), errno_text(e))));
  }
  sync_directory(w.file.parent_path());
  return record;
}

}  // namespace

Result<Record> LedgerDirectory::create(Record record) {
  if (auto p = record_id_problem(record.id)) {
    return fail(Errc::invalid_argument, fmt::format("record \"{}\": {}", record.id, *p));
  }
  ONSHI_TRY(ensure_exists());
  const WriteContext w{options_, file_of(record.id), file_of(record.id).string() + ".lock"};
  auto lock = acquire(w, record.id);
  if (!lock) return lock.error();
  auto existing = generation_on_disk(w.file);
  if (!existing) return existing.error();
  if (*existing != 0) {
    return fail(Errc::ledger_conflict,
                fmt::format("the ledger already has a record \"{}\" (generation {}); request IDs "
                            "are unique",
                            record.id, *existing));
  }
  auto written = write_locked(w, *lock, std::move(record), 0);
  lock->release();
  return written;
}

Result<Record> LedgerDirectory::update(const std::string& id, const Change& change,
                                       std::optional<std::uint64_t> expected_generation) {
  if (auto p = record_id_problem(id)) {
    return fail(Errc::invalid_argument, fmt::format("record \"{}\": {}", id, *p));
  }
  // A record that is not there, or cannot be read, needs no lock (and its directory, or the
  // share, may not be there either). Read again under the lock below.
  if (auto before = read(id); !before) return before.error();
  const WriteContext w{options_, file_of(id), file_of(id).string() + ".lock"};
  auto lock = acquire(w, id);
  if (!lock) return lock.error();
  auto current = read(id);
  if (!current) return current.error();
  if (expected_generation && current->generation != *expected_generation) {
    return fail(Errc::ledger_conflict,
                fmt::format("the ledger record \"{}\" is at generation {}, not {}: it changed "
                            "since it was read; nothing was written",
                            id, current->generation, *expected_generation));
  }
  Record changed = *current;
  auto did = change(changed);
  if (!did) return did.error();
  if (!*did) return current;
  if (changed.id != id) {
    return fail(Errc::internal, fmt::format("a change may not rename the record \"{}\"", id));
  }
  auto written = write_locked(w, *lock, std::move(changed), current->generation);
  lock->release();
  return written;
}

}  // namespace onshi::ledger
