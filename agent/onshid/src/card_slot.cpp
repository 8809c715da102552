#include "card_slot.hpp"

#include <fmt/format.h>

namespace onshi::agent {
namespace {

// How often pcscd is asked while no news comes.
constexpr std::chrono::milliseconds kCardPoll{500};

}  // namespace

std::optional<SlotState> slot_state(pcsc::Context& context, const std::string& reader) {
  SCARD_READERSTATE state{};
  state.szReader = reader.c_str();
  state.dwCurrentState = SCARD_STATE_UNAWARE;
  if (context.api().get_status_change(context.handle(), 0, &state, 1) != SCARD_S_SUCCESS) {
    return std::nullopt;
  }
  return SlotState{(state.dwEventState & SCARD_STATE_PRESENT) != 0,
                   static_cast<std::uint32_t>((state.dwEventState >> 16) & 0xFFFFu)};
}

Status wait_for_card(pcsc::Context& context, const std::string& reader, Mailbox& mailbox,
                     const CardWait& wait,
                     const std::function<std::optional<Error>(SessionNews&)>& on_news) {
  using Clock = std::chrono::steady_clock;
  // pcscd's own answer first: the monitor's view comes later, and may still show the card
  // that the last patient took away.
  auto has_card = [&] {
    if (const auto s = slot_state(context, reader)) return s->present;
    return wait.card_present();
  };
  while (!has_card()) {
    if (wait.stopping) return Error(Errc::request_interrupted, "onshid is stopping");
    auto news = mailbox.pop(std::min(wait.deadline, Clock::now() + kCardPoll));
    if (!news) {
      if (Clock::now() >= wait.deadline) {
        return Error(Errc::timeout, fmt::format("no card was put on {} within {} s",
                                                wait.reader_key, wait.timeout.count()));
      }
      continue;
    }
    const bool inserted = std::holds_alternative<CardInserted>(*news);
    if (auto e = on_news(*news)) return std::move(*e);
    if (inserted) break;
  }
  return {};
}

Result<PinSource> pin_source(pcsc::Card& card, const std::string& reader,
                             const std::shared_ptr<SecretBytes>& caller_pin, SecretBytes& pin) {
  if (caller_pin != nullptr && !caller_pin->empty()) {
    pin = std::move(*caller_pin);
    return PinSource{true, std::nullopt};
  }
  ONSHI_TRY_ASSIGN(auto pad, pcsc::detect_pin_pad(card));
  if (!pad) {
    return Error(Errc::not_supported,
                 fmt::format("{} has no PIN pad, and no PIN was sent", reader));
  }
  return PinSource{false, *pad};
}

}  // namespace onshi::agent
