#include "onshi/tls/certificate_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "onshi/japan_time.hpp"
#include "onshi/unique_fd.hpp"

namespace onshi::tls {
namespace {

namespace fs = std::filesystem;

Error store_error(const fs::path& path, const char* what, int err) {
  return Error(Errc::cert_store,
               fmt::format("{}: cannot {}: {}", path.string(), what, std::strerror(err)), err);
}

// The code names a directory: only the 10-digit form is accepted, so no path can escape.
Status check_code(const std::string& code) {
  const bool digits = code.size() == 10 && std::all_of(code.begin(), code.end(),
                                                       [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) {
    return fail(Errc::invalid_argument,
                fmt::format("\"{}\" is not a 10-digit 医療機関コード", code));
  }
  return {};
}

Status chown_if_root(int fd, const fs::path& path, const std::optional<StoreOwner>& owner) {
  if (!owner || ::geteuid() != 0) return {};
  if (::fchown(fd, owner->uid, owner->gid) != 0) return store_error(path, "change owner", errno);
  return {};
}

Status ensure_directory(const fs::path& path, const std::optional<StoreOwner>& owner) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return store_error(path, "create directory", errno);
  }
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) return store_error(path, "open directory", errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) == 0 && (st.st_mode & 0077) != 0 && ::fchmod(fd.get(), 0700) != 0) {
    return store_error(path, "restrict permissions", errno);
  }
  return chown_if_root(fd.get(), path, owner);
}

Status sync_directory(const fs::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) return store_error(path, "sync", errno);
  return {};
}

// A new file, 0600, written and flushed to disk before it is used.
Status write_new_file(const fs::path& path, ByteView data, const std::optional<StoreOwner>& owner) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd.get() < 0) return store_error(path, "create", errno);
  if (auto s = chown_if_root(fd.get(), path, owner); !s) return s;
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return store_error(path, "write", errno);
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return store_error(path, "sync", errno);
  return {};
}

ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Points `link` at `target` atomically (a temporary symlink renamed over it).
Status point_link(const fs::path& link, const std::string& target,
                  const std::optional<StoreOwner>& owner) {
  const fs::path tmp = link.parent_path() / ("." + link.filename().string() + ".new");
  ::unlink(tmp.c_str());
  if (::symlink(target.c_str(), tmp.c_str()) != 0) return store_error(tmp, "create link", errno);
  if (owner && ::geteuid() == 0) {
    if (::lchown(tmp.c_str(), owner->uid, owner->gid) != 0) {
      return store_error(tmp, "change owner", errno);
    }
  }
  if (::rename(tmp.c_str(), link.c_str()) != 0) return store_error(link, "replace link", errno);
  return {};
}

std::optional<std::string> link_target(const fs::path& link) {
  std::error_code ec;
  const fs::path target = fs::read_symlink(link, ec);
  if (ec) return std::nullopt;
  return target.filename().string();
}

std::string generation_name(std::chrono::sys_seconds now, const Sha256& fingerprint) {
  const auto day = std::chrono::floor<std::chrono::days>(now);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{now - day};
  return fmt::format("gen-{:04}{:02}{:02}T{:02}{:02}{:02}Z-{}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count(),
                     hex(fingerprint).substr(0, 16));
}

// One import at a time per store (onshictl and the agent's API may both import).
class StoreLock {
 public:
  StoreLock(const fs::path& root, const std::optional<StoreOwner>& owner)
      : fd_(::open((root / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) {
    if (fd_.get() < 0) return;
    locked_ = ::flock(fd_.get(), LOCK_EX) == 0 && chown_if_root(fd_.get(), root, owner);
  }
  bool locked() const { return locked_; }

 private:
  UniqueFd fd_;
  bool locked_ = false;
};

}  // namespace

CertificateStore::CertificateStore(fs::path root, std::optional<StoreOwner> owner)
    : root_(std::move(root)), owner_(owner) {}

Result<InstallOutcome> CertificateStore::install(const ClientIdentity& identity,
                                                 const std::string& institution,
                                                 const std::string& source,
                                                 std::chrono::sys_seconds now) {
  if (auto s = check_code(institution); !s) return std::move(s).error();
  // The state directory itself may not exist yet on a fresh terminal.
  std::error_code parent_ec;
  fs::create_directories(root_.parent_path(), parent_ec);
  if (auto s = ensure_directory(root_, owner_); !s) return std::move(s).error();
  const StoreLock lock(root_, owner_);
  if (!lock.locked()) return store_error(root_ / ".lock", "lock", errno);
  const fs::path slot = root_ / institution;
  if (auto s = ensure_directory(slot, owner_); !s) return std::move(s).error();

  auto old = current(institution);
  if (old && old->leaf.fingerprint() == identity.leaf.fingerprint()) {
    return InstallOutcome{std::move(*old), std::nullopt, true};
  }

  const std::string name = generation_name(now, identity.leaf.fingerprint());
  const fs::path staging = slot / ("." + name + ".tmp");
  std::error_code ec;
  fs::remove_all(staging, ec);
  if (auto s = ensure_directory(staging, owner_); !s) return std::move(s).error();
  auto cleanup_staging = [&] { fs::remove_all(staging, ec); };

  std::string chain_pem = identity.leaf.pem();
  for (const auto& c : identity.chain) chain_pem += c.pem();
  auto key_pem = private_key_pem(identity);
  if (!key_pem) {
    cleanup_staging();
    return std::move(key_pem).error();
  }
  const nlohmann::json binding{
      {"institution", institution},
      {"fingerprint_sha256", hex(identity.leaf.fingerprint())},
      {"subject", identity.leaf.subject()},
      {"imported_at", format_japan_time(now)},
      {"imported_at_unix", now.time_since_epoch().count()},
      {"source", source},
      {"legacy_encryption", identity.legacy_encryption},
  };
  const std::string binding_text =
      binding.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  Status written = write_new_file(staging / "chain.pem", as_bytes(chain_pem), owner_);
  if (written) written = write_new_file(staging / "key.pem", key_pem->view(), owner_);
  if (written) written = write_new_file(staging / "binding.json", as_bytes(binding_text), owner_);
  if (!written) {
    cleanup_staging();
    return std::move(written).error();
  }
  const fs::path generation = slot / name;
  if (::rename(staging.c_str(), generation.c_str()) != 0) {
    const int err = errno;
    cleanup_staging();
    return store_error(generation, "move into place", err);
  }
  if (auto s = sync_directory(slot); !s) return std::move(s).error();

  // previous first: a crash between the two renames leaves current and previous both valid.
  const auto old_target = link_target(slot / "current");
  if (old_target) {
    if (auto s = point_link(slot / "previous", *old_target, owner_); !s)
      return std::move(s).error();
  }
  if (auto s = point_link(slot / "current", name, owner_); !s) return std::move(s).error();
  if (auto s = sync_directory(slot); !s) return std::move(s).error();

  // Generations neither link names are no longer needed (best effort).
  const auto keep_previous = link_target(slot / "previous");
  for (const auto& entry : fs::directory_iterator(slot, ec)) {
    const std::string n = entry.path().filename().string();
    if (n.rfind("gen-", 0) == 0 && n != name && (!keep_previous || n != *keep_previous)) {
      fs::remove_all(entry.path(), ec);
    }
  }

  auto installed = current(institution);
  if (!installed) return std::move(installed).error();
  std::optional<StoredCertificate> replaced;
  if (old) replaced = std::move(*old);
  return InstallOutcome{std::move(*installed), std::move(replaced), false};
}

Result<StoredCertificate> CertificateStore::read_generation(const std::string& institution,
                                                            const fs::path& link) const {
  if (auto s = check_code(institution); !s) return std::move(s).error();
  const auto target = link_target(link);
  if (!target) {
    return fail(Errc::cert_not_found,
                fmt::format("no {} client certificate for 医療機関コード {} in {}",
                            link.filename().string(), institution, root_.string()));
  }
  const fs::path dir = link.parent_path() / *target;
  auto certs = Certificate::load_pem_file(dir / "chain.pem");
  if (!certs) {
    return fail(Errc::cert_store, fmt::format("{}: {}", dir.string(), certs.error().message));
  }
  std::ifstream in(dir / "binding.json");
  std::ostringstream text;
  text << in.rdbuf();
  const auto binding = nlohmann::json::parse(text.str(), nullptr, false);
  const auto field = [&](const char* key) -> std::string {
    if (!binding.is_object() || !binding.contains(key) || !binding[key].is_string()) return {};
    return binding[key].get<std::string>();
  };
  StoredCertificate out{institution, dir, (*certs)[0], {}, {}, field("source"), false};
  out.chain.assign(certs->begin() + 1, certs->end());
  if (field("institution") != institution ||
      field("fingerprint_sha256") != hex(out.leaf.fingerprint())) {
    return fail(Errc::cert_store,
                fmt::format("{}: the certificate does not match its binding to 医療機関コード {} "
                            "(binding.json): the store was changed by hand; import the "
                            "certificate again",
                            dir.string(), institution));
  }
  if (binding.contains("imported_at_unix") && binding["imported_at_unix"].is_number_integer()) {
    out.imported_at = std::chrono::sys_seconds{
        std::chrono::seconds{binding["imported_at_unix"].get<std::int64_t>()}};
  }
  if (binding.contains("legacy_encryption") && binding["legacy_encryption"].is_boolean()) {
    out.legacy_encryption = binding["legacy_encryption"].get<bool>();
  }
  return out;
}

Result<StoredCertificate> CertificateStore::current(const std::string& institution) const {
  return read_generation(institution, root_ / institution / "current");
}

Result<StoredCertificate> CertificateStore::previous(const std::string& institution) const {
  return read_generation(institution, root_ / institution / "previous");
}

Result<ClientIdentity> CertificateStore::load_current_identity(
    const std::string& institution) const {
  auto stored = current(institution);
  if (!stored) return std::move(stored).error();
  auto identity = load_identity_pem(stored->directory / "chain.pem", stored->directory / "key.pem");
  if (!identity) return std::move(identity).error();
  if (identity->leaf.fingerprint() != stored->leaf.fingerprint()) {
    return fail(Errc::cert_store,
                fmt::format("{}: changed while being read", stored->directory.string()));
  }
  if (auto s = check_key_matches(*identity); !s) {
    return fail(Errc::cert_store,
                fmt::format("{}: {}", stored->directory.string(), s.error().message));
  }
  return identity;
}

Result<StoredCertificate> CertificateStore::rollback(const std::string& institution) {
  if (auto s = check_code(institution); !s) return std::move(s).error();
  const StoreLock lock(root_, owner_);
  if (!lock.locked()) return store_error(root_ / ".lock", "lock", errno);
  const fs::path slot = root_ / institution;
  auto prev = previous(institution);
  if (!prev) return std::move(prev).error();
  const auto cur = link_target(slot / "current");
  if (auto s = point_link(slot / "current", prev->directory.filename().string(), owner_); !s) {
    return std::move(s).error();
  }
  if (cur) {
    if (auto s = point_link(slot / "previous", *cur, owner_); !s) return std::move(s).error();
  }
  if (auto s = sync_directory(slot); !s) return std::move(s).error();
  return current(institution);
}

std::vector<std::string> CertificateStore::institutions() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    const std::string n = entry.path().filename().string();
    if (check_code(n) && link_target(entry.path() / "current")) out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace onshi::tls
