// onshi-facesim's control channel: one command per line, one answer per line ("ok", "ok <json>"
// or "error <message>"), so tests, the demo and a technician with socat can script the readers:
//
//   insert <reader> <persona.json>    a card is placed in the slot
//   remove <reader>                   the card is taken out
//   pad <reader> type <digits>        what the patient types at the next PIN prompt
//   pad <reader> cancel               the patient presses cancel at the next prompt
//   pad <reader> walk-away            nobody types: the prompt runs into its timeout
//   unplug <reader> | replug <reader> the whole USB device goes away / comes back
//   status [<reader>]                 JSON: plug state, address, card, counters, VERIFY lengths,
//                                     and "vendor": the vendor interface's session and counters
//   quit                              stop onshi-facesim
//
// The vendor interface (driver/PROTOCOL.md; vendor_device.hpp). The people at the reader are
// scripted ahead: each entry is used by the next session step that wants one, and where none is
// queued nobody acts (no FACE_RESULT until the session times out), except that the consent
// screen answers 3 (not answered) to every question asked when no `consent` is queued.
//
//   face <reader> match [score]       the next face attempt matches (score 0..1000, default 870)
//   face <reader> mismatch [score]    the next face attempt fails (default score 210)
//   face <reader> choose-pin          the patient presses "PIN instead" at the next attempt:
//                                     PIN_REQUESTED reason 3 in mode 3 (mode 1: a failed attempt)
//   staff <reader> confirm|reject     what the staff press at the next 目視確認 (mode 4)
//   consent <reader> <a,a,a,a,a,a>    the next consent screen's six answers, §5.3's order, each
//                                     yes|no|skip (or 1|2|3), e.g. yes,no,yes,skip,yes,no; a
//                                     question the host did not ask is sent as 0 regardless
//   operator-cancel <reader> patient|staff   cancel pressed on the reader, now (a session must run)
//   device-error <reader> camera|display|internal   DEVICE_ERROR now; a running session ends
//   vendor-delay <reader> <ms>        the delay between session steps, 0..60000 (default 50)
//   vendor-features <reader> <mask>   GET_INFO's feature bits, e.g. 0x7B (no mode 3); default 0x7F
//   vendor-fault <reader> drop-reply [n]      the next n replies (default 1) are lost; a
//                                             retransmission gets the remembered reply
//   vendor-fault <reader> corrupt-reply [n]   the next n replies go with a wrong CRC
//   vendor-fault <reader> drop-event [n]      the next n events are numbered but never sent
//   vendor-fault <reader> stall [bulk-in|bulk-out|interrupt-in]   the endpoint (default bulk IN)
//                                             halts: every URB on it ends with EPIPE until the
//                                             host clears the halt (queued data stays)
//   vendor-fault <reader> garbage <hex>       raw bytes (1..1100) as one bulk-IN transfer of
//                                             their own, behind the replies queued
//   vendor-fault <reader> clear               disarm every fault, clear the halts
//   vendor-event <reader> <hex>       raw bytes (1..1100) as one interrupt-IN transfer
//
// These answer "error" for an unplugged reader. status's "vendor" object: state (idle,
// waiting_card, face_matching, waiting_staff, waiting_pin, waiting_identity, asking_consents),
// session (id or null), features, step_delay_ms, host_listening, screen (SHOW_MESSAGE's text or
// null), transfers_in, frames_in, commands, retransmissions, replies_out, events_out, sessions,
// decode {garbage_bytes, truncated, oversized, bad_version, bad_crc, unknown_type, malformed},
// naks {unknown_type, malformed, bad_sequence, busy, no_session, unsupported_mode, wrong_state,
// too_long}, dropped {replies, corrupted_replies, events, reply_overflow, event_overflow},
// pending {faces, staff, consents}, faults {drop_replies, corrupt_replies, drop_events, halted:
// ["0x85", ...]}, stalls.
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
