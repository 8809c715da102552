// The 券面事項入力補助AP's commands beyond ISO SELECT / READ BINARY (cards-and-readers.md §1.4,
// §1.5, §1.7): VERIFY against the 券面事項入力補助用暗証番号 (0011), the rule that EF 0001 (My
// Number) and EF 0002 (基本4情報) need it, the PIN-less card-present signature `80 2A 00 00` and
// the refused INTERNAL AUTHENTICATE. Registered on the AP's DF by Card when the persona has a
// "kenmen" section.
#pragma once

#include <optional>

#include "onshi/sim/command_handler.hpp"
#include "onshi/sim/kenmen.hpp"
#include "onshi/sim/pin_object.hpp"

namespace onshi::sim {

class KenmenHandler final : public CommandHandler {
 public:
  // `df` is the AP's DF (it scopes the PIN's verified state).
  KenmenHandler(kenmen::KenmenPersona persona, NodeId df);

  std::optional<Response> handle(const CommandApdu& command, CardState& state) override;

  // The retry counter; null on a PIN-less card.
  const PinObject* pin() const noexcept { return pin_ ? &*pin_ : nullptr; }

 private:
  Response sign(const CommandApdu& command) const;
  std::optional<Response> guard_read(const CommandApdu& command, const CardState& state) const;

  kenmen::KenmenPersona persona_;
  NodeId df_;
  std::optional<PinObject> pin_;
};

}  // namespace onshi::sim
