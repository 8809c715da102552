// The emulated card: power state, the T=0-style answer framing of its persona, application
// handlers and the generic ISO 7816-4 commands (SELECT, READ BINARY, GET CHALLENGE,
// GET RESPONSE). Transport-free: bytes in, bytes out. Not thread-safe; one caller at a time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <random>

#include "onshi/bytes.hpp"
#include "onshi/result.hpp"
#include "onshi/sim/apdu.hpp"
#include "onshi/sim/command_chain.hpp"
#include "onshi/sim/command_handler.hpp"
#include "onshi/sim/persona.hpp"

namespace onshi::sim {

class Card {
 public:
  explicit Card(Persona persona);

  // Cold reset: power on, session state (selection, verified PINs) cleared; returns the ATR.
  const Bytes& power_on();
  // Warm reset: current DF back to the MF, pending GET RESPONSE data dropped, verified PINs
  // kept (cards-and-readers.md §1.4: only a power-down clears them); returns the ATR. An
  // unpowered card is powered on instead (a cold reset).
  const Bytes& reset();
  // Power-down: the verified PINs are lost; retry counters stay (they live in the handlers).
  void power_off();

  bool powered() const noexcept { return powered_; }
  const Bytes& atr() const noexcept { return atr_; }
  const std::string& name() const noexcept { return name_; }
  const Behaviour& behaviour() const noexcept { return behaviour_; }
  void set_behaviour(const Behaviour& behaviour) { behaviour_ = behaviour; }
  const CardState& state() const noexcept { return state_; }

  // One command APDU in, one R-APDU (data || SW1 SW2) out. A malformed APDU answers 6700; an
  // unpowered card answers 6F00 (pcscd never sends to one: this only shows a host bug).
  // Command chaining (CLA b5 = 1) is collected for handlers that accept it (see
  // CommandHandler::accepts_chaining); any other command in between drops the chain.
  Bytes process(ByteView command_apdu);

  // Registers the handler consulted, before the generic commands, whenever the DF named `aid`
  // or one of its descendants is current. A DF's own handler goes first, then its ancestors'.
  Status register_handler(ByteView aid, std::unique_ptr<CommandHandler> handler);
  Status register_handler(NodeId df, std::unique_ptr<CommandHandler> handler);

 private:
  void register_hpki(hpki::HpkiPersona persona);
  Response run(const CommandApdu& command);
  Response dispatch(const CommandApdu& command);
  bool accepts_chaining(const CommandApdu& head) const;
  Response run_generic(const CommandApdu& command);
  Response get_response(const CommandApdu& command);
  Response frame_for_transport(Response response);
  enum class Power : std::uint8_t { cold, warm };
  void end_session(Power how);

  std::string name_;
  Bytes atr_;
  Behaviour behaviour_;
  CardState state_;
  std::map<NodeId, std::unique_ptr<CommandHandler>> handlers_;
  bool powered_ = false;
  // Data held back by the get_response_chunk behaviour, and the status word that ends it.
  Bytes pending_;
  std::uint16_t pending_sw_ = 0x9000;
  // The parts of a chained command received so far (ISO 7816-4 §5.3.3).
  CommandChain chain_;
  std::mt19937_64 random_;
};

}  // namespace onshi::sim
