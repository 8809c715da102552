// The seam for application-specific behaviour (JPKI, 券面事項入力補助AP, HPKI in later issues):
// a CommandHandler registered on a DF sees each command before the core's generic ISO commands.
#pragma once

#include <cstdint>
#include <optional>
#include <set>

#include "onshi/sim/apdu.hpp"
#include "onshi/sim/file_tree.hpp"

namespace onshi::sim {

// What the card has been told in this session; lost on every reset and power cycle (§4.4).
struct SecurityState {
  std::set<std::uint8_t> verified_references;  // PIN / key references presented successfully

  void clear() { verified_references.clear(); }
};

// Everything a command may read or change. The core owns it; handlers get it by reference.
struct CardState {
  FileTree files;
  NodeId current_df = FileTree::kMf;
  std::optional<NodeId> current_ef;
  SecurityState security;

  // Back to the MF with nothing verified: what a warm reset and a power cycle do.
  void reset_session() {
    current_df = FileTree::kMf;
    current_ef.reset();
    security.clear();
  }
};

class CommandHandler {
 public:
  virtual ~CommandHandler() = default;

  // Called while the handler's DF (or a DF below it) is the current DF. Return a response to
  // answer the command, or nullopt to let the core try its generic ISO commands. The core still
  // applies its transport behaviour (61xx chunking) to whatever is returned.
  virtual std::optional<Response> handle(const CommandApdu& command, CardState& state) = 0;

  // Warm reset, power on or power off: drop per-session state (e.g. a pending signature).
  virtual void on_reset() {}
};

}  // namespace onshi::sim
