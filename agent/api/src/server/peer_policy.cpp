#include "onshi/api/peer_policy.hpp"

#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace onshi::api {
namespace {

Result<std::uint32_t> user_id(const std::string& name) {
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  const int rc = getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (rc != 0 || found == nullptr) {
    return Error(Errc::config_invalid,
                 fmt::format("api.allowed_users: there is no user \"{}\" on this machine", name));
  }
  return static_cast<std::uint32_t>(found->pw_uid);
}

}  // namespace

Result<std::uint32_t> group_id(const std::string& name) {
  std::vector<char> buffer(65536);
  group entry{};
  group* found = nullptr;
  const int rc = getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (rc != 0 || found == nullptr) {
    return Error(Errc::config_invalid,
                 fmt::format("there is no group \"{}\" on this machine", name));
  }
  return static_cast<std::uint32_t>(found->gr_gid);
}

Result<PeerPolicy> PeerPolicy::resolve(const std::vector<std::string>& users,
                                       const std::vector<std::string>& groups) {
  PeerPolicy policy;
  policy.self_uid = static_cast<std::uint32_t>(geteuid());
  for (const auto& u : users) {
    auto id = user_id(u);
    if (!id) return id.error();
    policy.uids.insert(*id);
  }
  for (const auto& g : groups) {
    auto id = group_id(g);
    if (!id) return Error(Errc::config_invalid, "api.allowed_groups: " + id.error().message);
    policy.gids.insert(*id);
  }
  return policy;
}

bool PeerPolicy::allows(const Peer& peer) const {
  if (peer.transport != Peer::Transport::unix_socket) return true;
  if (!peer.uid) return false;
  if (*peer.uid == self_uid || uids.contains(*peer.uid)) return true;
  if (peer.gid && gids.contains(*peer.gid)) return true;
  for (auto g : peer.groups) {
    if (gids.contains(g)) return true;
  }
  return false;
}

Result<Peer> unix_peer(int fd) {
  ucred cred{};
  socklen_t length = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &length) != 0) {
    return Error(Errc::io, fmt::format("SO_PEERCRED: {}", std::strerror(errno)), errno);
  }
  Peer peer;
  peer.transport = Peer::Transport::unix_socket;
  peer.uid = cred.uid;
  peer.gid = cred.gid;
  peer.pid = cred.pid;
  // SO_PEERGROUPS (Linux 4.13): the peer's supplementary groups at connect time. Older kernels
  // leave only the primary group, which is checked all the same.
  std::vector<gid_t> groups(64);
  for (int attempt = 0; attempt < 2; ++attempt) {
    socklen_t bytes = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &bytes) == 0) {
      groups.resize(bytes / sizeof(gid_t));
      for (auto g : groups) peer.groups.push_back(static_cast<std::uint32_t>(g));
      break;
    }
    if (errno != ERANGE) break;
    groups.resize(bytes / sizeof(gid_t) + 1);
  }
  return peer;
}

}  // namespace onshi::api
