// What a card session asks pcscd about its slot, and how it waits for a card there: shared by
// the My Number sessions (card_session.cpp) and the HPKI signatures (hpki_signing.cpp).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "card_sessions.hpp"
#include "onshi/pcsc/context.hpp"
#include "onshi/pcsc/pin_pad.hpp"

namespace onshi::agent {

// pcscd's own view of the slot: the monitor's events are the quick way to learn of a card, this
// is the sure one. `events` is pcscd's count of insertions and removals in the slot (the high 16
// bits of dwEventState).
struct SlotState {
  bool present = false;
  std::uint32_t events = 0;
};
std::optional<SlotState> slot_state(pcsc::Context& context, const std::string& reader);

struct CardWait {
  std::string reader_key;  // for messages
  std::chrono::seconds timeout;
  std::chrono::steady_clock::time_point deadline;
  std::function<bool()> card_present;  // the reader monitor's view, when pcscd cannot be asked
  const std::atomic<bool>& stopping;
};
// Until the slot has a card (the monitor's or pcscd's view, or a CardInserted): Errc::timeout at
// the deadline, request_interrupted when onshid stops, or the error `on_news` makes of what
// arrives meanwhile (it sees every other news too).
Status wait_for_card(pcsc::Context& context, const std::string& reader, Mailbox& mailbox,
                     const CardWait& wait,
                     const std::function<std::optional<Error>(SessionNews&)>& on_news);

// Where a PIN comes from: the caller's (moved into `pin`, which the signing wipes) when one was
// sent, else the reader's pad; Errc::not_supported when neither.
struct PinSource {
  bool host = false;
  std::optional<pcsc::PinPad> pad;
};
Result<PinSource> pin_source(pcsc::Card& card, const std::string& reader,
                             const std::shared_ptr<SecretBytes>& caller_pin, SecretBytes& pin);

// Right after an insertion pcscd may still be powering the card (SCARD_W_UNPOWERED_CARD,
// SCARD_E_NO_SMARTCARD for a moment): `connect` is asked again for a short while.
inline constexpr std::chrono::seconds kPowerUpGrace{3};
template <class Connect>
auto connect_while_powering_up(Connect connect) -> decltype(connect()) {
  const auto until = std::chrono::steady_clock::now() + kPowerUpGrace;
  for (;;) {
    auto card = connect();
    if (card || std::chrono::steady_clock::now() >= until ||
        (card.error().code != Errc::card_unresponsive && card.error().code != Errc::card_absent)) {
      return card;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace onshi::agent
