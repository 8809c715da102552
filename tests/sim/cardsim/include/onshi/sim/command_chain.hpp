// Command chaining (ISO 7816-4 §5.3.3): the parts of one long command, collected by the card
// core for handlers that opt in (CommandHandler::accepts_chaining).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "onshi/sim/apdu.hpp"

namespace onshi::sim {

class CommandChain {
 public:
  // All parts' data together. HPKI's PSO needs 256 bytes (cards-and-readers.md §2.1); the limit
  // keeps a runaway host from growing the buffer without end.
  static constexpr std::size_t kMaxData = 4096;
  static constexpr std::uint8_t kChainingBit = 0x10;  // CLA b5

  CommandChain() = default;
  CommandChain(const CommandChain&) = delete;
  CommandChain& operator=(const CommandChain&) = delete;
  CommandChain(CommandChain&&) noexcept = default;
  CommandChain& operator=(CommandChain&&) noexcept = default;
  ~CommandChain() { drop(); }

  // A part's header as the whole command will have it: CLA b5 cleared, no data.
  static CommandApdu header_of(const CommandApdu& part);

  // A part that is not the last (CLA b5 = 1). Continues the pending chain if the header
  // matches, else starts a new one. 9000, or 6700 (and the chain is dropped) for a part
  // without data or a chain longer than kMaxData.
  std::uint16_t add(const CommandApdu& part);

  // Whether `command` (CLA b5 = 0) is the last part of the pending chain: same CLA, INS, P1, P2.
  bool continued_by(const CommandApdu& command) const;

  // The whole command: the pending data, then the last part's, with the last part's Le. The
  // chain is empty afterwards. nullopt when it grows beyond kMaxData.
  std::optional<CommandApdu> finish(const CommandApdu& last);

  bool pending() const noexcept { return pending_.has_value(); }
  // Forgets the pending parts, wiping their data.
  void drop();

 private:
  std::optional<CommandApdu> pending_;
};

}  // namespace onshi::sim
