// The JPKI AP's commands beyond ISO SELECT / READ BINARY (cards-and-readers.md §1.4, §1.5):
// VERIFY against the auth (0018) and sign (001B) PINs, COMPUTE DIGITAL SIGNATURE `80 2A`, and
// the access rule that EF 0001 (sign certificate) and the key/PIN EFs are not freely readable.
// Also the persona variants: no sign certificate, PIN-less (invented marker) and EC P-384
// (invented commands). Registered on the JPKI DF by Card when the persona has a "jpki" section.
#pragma once

#include <optional>

#include "onshi/sim/command_handler.hpp"
#include "onshi/sim/jpki.hpp"
#include "onshi/sim/pin_object.hpp"

namespace onshi::sim {

class JpkiHandler final : public CommandHandler {
 public:
  // `df` is the JPKI DF the handler is registered on (it scopes the PINs' verified state).
  JpkiHandler(jpki::JpkiPersona persona, NodeId df);

  std::optional<Response> handle(const CommandApdu& command, CardState& state) override;

  // Retry counters, for tests and for tools that show the card's state; null when the persona
  // has no such PIN (PIN-less card, no sign certificate).
  const PinObject* auth_pin() const noexcept { return auth_pin_ ? &*auth_pin_ : nullptr; }
  const PinObject* sign_pin() const noexcept { return sign_pin_ ? &*sign_pin_ : nullptr; }

 private:
  Response sign(const CommandApdu& command, CardState& state);
  Response sign_with(EVP_PKEY* key, const CommandApdu& command) const;
  std::optional<Response> guard_read(const CommandApdu& command, const CardState& state) const;
  PinObject* pin_for(std::uint16_t fid);

  jpki::JpkiPersona persona_;
  NodeId df_;
  std::optional<PinObject> auth_pin_;
  std::optional<PinObject> sign_pin_;
};

}  // namespace onshi::sim
