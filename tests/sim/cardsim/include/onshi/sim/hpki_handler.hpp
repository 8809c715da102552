// One HPKI application (signature or authentication) of an emulated HPKI card, driven by its
// profile (hpki.hpp; cards-and-readers.md §2.1, §2.2): VERIFY with a 15-try counter, MSE SET
// DST, PSO COMPUTE DIGITAL SIGNATURE on a host-padded block (extended Lc or command chaining),
// and READ BINARY rules for its EFs. Registered by Card on each application DF of a persona's
// "hpki" section.
#pragma once

#include <optional>

#include "onshi/sim/command_handler.hpp"
#include "onshi/sim/hpki.hpp"
#include "onshi/sim/pin_object.hpp"

namespace onshi::sim {

class HpkiHandler final : public CommandHandler {
 public:
  // `df` is the application's DF (it scopes the PIN's verified state and the MSE state).
  HpkiHandler(const hpki::Profile& profile, hpki::Application app, hpki::ApplicationPersona persona,
              NodeId df);

  std::optional<Response> handle(const CommandApdu& command, CardState& state) override;
  // PSO COMPUTE DIGITAL SIGNATURE `00 2A 9E 9A` may come in parts (§2.1 C.6).
  bool accepts_chaining(const CommandApdu& head) const override;

  const PinObject& pin() const noexcept { return pin_; }
  hpki::Application application() const noexcept { return app_; }

 private:
  Response verify(const CommandApdu& command, CardState& state);
  Response set_environment(const CommandApdu& command, CardState& state) const;
  Response sign(const CommandApdu& command, CardState& state) const;
  std::optional<Response> read(const CommandApdu& command, CardState& state) const;
  bool names_pin(const CommandApdu& command, const CardState& state) const;

  const hpki::Profile& profile_;
  hpki::Application app_;
  hpki::ApplicationPersona persona_;
  NodeId df_;
  PinObject pin_;
};

}  // namespace onshi::sim
