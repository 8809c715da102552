// The seam for application-specific behaviour (JPKI, 券面事項入力補助AP, HPKI): a CommandHandler
// registered on a DF sees each command before the core's generic ISO commands.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <utility>

#include "onshi/sim/apdu.hpp"
#include "onshi/sim/file_tree.hpp"

namespace onshi::sim {

// What the card has been told since it was powered: kept over a warm reset, lost at power-down
// (cards-and-readers.md §1.4 "security status lifetime").
struct SecurityState {
  // PIN / key references presented successfully, each scoped to the DF that owns it: the
  // 券面事項入力補助AP's 0011 and the 券面事項確認AP's 0011 are different keys (§1.7, §1.8).
  std::set<std::pair<NodeId, std::uint8_t>> verified_references;

  void clear() { verified_references.clear(); }
};

// What MSE SET (ISO 7816-4 §7.5.11) put into the current security environment: the key a
// following PSO COMPUTE DIGITAL SIGNATURE uses. Selecting a DF, a reset or a power-down drops it
// (the environment belongs to the DF context it was set in).
struct SecurityEnvironment {
  NodeId df = 0;                    // the DF current when it was set
  std::uint16_t signature_key = 0;  // the key reference of the digital signature template
};

// Everything a command may read or change. The core owns it; handlers get it by reference.
struct CardState {
  FileTree files;
  NodeId current_df = FileTree::kMf;
  std::optional<NodeId> current_ef;
  SecurityState security;
  std::optional<SecurityEnvironment> environment;

  // Back to the MF with no EF selected: what a warm reset does. Verified PINs stay.
  void return_to_mf() {
    current_df = FileTree::kMf;
    current_ef.reset();
    environment.reset();
  }
  // Back to the MF with nothing verified: what a power cycle does.
  void reset_session() {
    return_to_mf();
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

  // Command chaining (ISO 7816-4 §5.3.3, CLA b5 = 1). Return true to have the core collect a
  // chain whose parts look like `head` (a part's header, CLA with b5 cleared): it answers 9000
  // to each part and hands the whole command, data concatenated, to handle(). The default
  // refuses, and the core answers 6884 as for any chaining it does not support.
  virtual bool accepts_chaining(const CommandApdu& head) const {
    (void)head;
    return false;
  }

  // Warm reset, power on or power off: drop what belongs to the selection (e.g. a pending
  // signature). Verified PINs live in CardState::security, which the card manages.
  virtual void on_reset() {}
};

}  // namespace onshi::sim
