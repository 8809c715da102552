// Who may use the local socket: the [api] allow-list of users and groups, resolved to ids at
// start (and on reload), checked against each client's SO_PEERCRED/SO_PEERGROUPS
// (anchors-and-conventions.md §3.2, p11-kit's check_credentials). The socket's mode 0660 and group
// keep others from connecting at all; this check is the second, per-user fence.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "onshi/api/http_types.hpp"
#include "onshi/result.hpp"

namespace onshi::api {

struct PeerPolicy {
  std::set<std::uint32_t> uids;
  std::set<std::uint32_t> gids;
  // The agent's own uid is always allowed (onshictl run as the agent user, the tests).
  std::uint32_t self_uid = 0;

  // Names → ids. Errc::config_invalid naming the first user or group that does not exist.
  static Result<PeerPolicy> resolve(const std::vector<std::string>& users,
                                    const std::vector<std::string>& groups);
  // Unix-socket peers only; TCP peers were checked by the TLS handshake.
  bool allows(const Peer& peer) const;
};

// SO_PEERCRED and SO_PEERGROUPS of a connected Unix socket.
Result<Peer> unix_peer(int fd);

Result<std::uint32_t> group_id(const std::string& name);

}  // namespace onshi::api
