// The JPKI AP's commands beyond ISO SELECT / READ BINARY (cards-and-readers.md §1.4, §1.5):
// VERIFY against the auth (0018) and sign (001B) PINs, COMPUTE DIGITAL SIGNATURE `80 2A`, and
// the access rule that EF 0001 (sign certificate) and the key/PIN EFs are not freely readable.
// Registered on the JPKI DF by Card when the persona has a "jpki" section.
#pragma once

#include <optional>

#include "onshi/sim/command_handler.hpp"
#include "onshi/sim/jpki.hpp"
#include "onshi/sim/pin_object.hpp"

namespace onshi::sim {

class JpkiHandler final : public CommandHandler {
 public:
  explicit JpkiHandler(jpki::JpkiPersona persona);

  std::optional<Response> handle(const CommandApdu& command, CardState& state) override;

  // Retry counters, for tests and for tools that show the card's state.
  const PinObject& auth_pin() const noexcept { return auth_pin_; }
  const PinObject& sign_pin() const noexcept { return sign_pin_; }

 private:
  Response verify(const CommandApdu& command, CardState& state);
  Response sign(const CommandApdu& command, CardState& state);
  std::optional<Response> guard_read(const CommandApdu& command, const CardState& state) const;
  PinObject* pin_for(const CommandApdu& command, const CardState& state);

  jpki::JpkiPersona persona_;
  PinObject auth_pin_;
  PinObject sign_pin_;
};

}  // namespace onshi::sim
