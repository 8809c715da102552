// onshi-facesim's control channel: one command per line, one answer per line ("ok", "ok <json>"
// or "error <message>"), so tests, the demo and a technician with socat can script the readers:
//
//   insert <reader> <persona.json>    a card is placed in the slot
//   remove <reader>                   the card is taken out
//   pad <reader> type <digits>        what the patient types at the next PIN prompt
//   pad <reader> cancel               the patient presses cancel at the next prompt
//   pad <reader> walk-away            nobody types: the prompt runs into its timeout
//   unplug <reader> | replug <reader> the whole USB device goes away / comes back
//   vendor-event <reader> <hex>       bytes for the vendor interface's interrupt IN
//   status [<reader>]                 JSON: plug state, address, card, counters, VERIFY lengths
//   quit                              stop onshi-facesim
#pragma once

#include <string>
#include <string_view>

#include "onshi/facesim/emulator.hpp"

namespace onshi::facesim {

struct ControlAnswer {
  std::string line;   // without the newline
  bool quit = false;  // "quit" was asked for
};

ControlAnswer run_control_command(Emulator& emulator, std::string_view line);

}  // namespace onshi::facesim
