#include "onshi/sim/card.hpp"

#include <fmt/format.h>
#include <algorithm>

#include "iso_commands.hpp"
#include "onshi/sim/hpki_handler.hpp"
#include "onshi/sim/jpki_handler.hpp"
#include "onshi/sim/kenmen_handler.hpp"
#include "onshi/sim/status_words.hpp"

namespace onshi::sim {
namespace {

constexpr std::size_t kMaxGetResponseAnnounce = 256;  // 61xx: xx=00 means 256 or more

std::uint64_t fresh_seed() {
  std::random_device device;
  return (std::uint64_t{device()} << 32) ^ device();
}

// CLA checks of the generic commands (ISO 7816-4 §5.4.1). Application handlers run before
// this, so a proprietary class (b8 = 1, e.g. JPKI's 80 2A) reaches them untouched.
std::optional<std::uint16_t> class_problem(std::uint8_t cla) {
  if (cla == 0xFF || (cla & 0x80) != 0) return sw::kClaNotSupported;  // invalid / proprietary
  if ((cla & 0xE0) == 0x20) return sw::kClaNotSupported;              // 001x xxxx is RFU
  if ((cla & 0x10) != 0) return sw::kCommandChainingNotSupported;
  if ((cla & 0x40) != 0) return sw::kLogicalChannelNotSupported;  // channels 4..19
  if ((cla & 0x0C) != 0) return sw::kSecureMessagingNotSupported;
  if ((cla & 0x03) != 0) return sw::kLogicalChannelNotSupported;  // channels 1..3
  return std::nullopt;
}

}  // namespace

Card::Card(Persona persona)
    : name_(std::move(persona.name)),
      atr_(std::move(persona.atr)),
      behaviour_(persona.behaviour),
      random_(fresh_seed()) {
  state_.files = std::move(persona.files);
  // The loader added these DFs, so finding them cannot fail.
  if (persona.jpki) {
    if (const auto df = state_.files.find_df_by_aid(jpki::kAid)) {
      handlers_[*df] = std::make_unique<JpkiHandler>(std::move(*persona.jpki), *df);
    }
  }
  if (persona.kenmen) {
    if (const auto df = state_.files.find_df_by_aid(kenmen::kAid)) {
      handlers_[*df] = std::make_unique<KenmenHandler>(std::move(*persona.kenmen), *df);
    }
  }
  if (persona.hpki) register_hpki(std::move(*persona.hpki));
}

void Card::register_hpki(hpki::HpkiPersona persona) {
  const hpki::Profile& profile = hpki::profile(persona.profile);
  for (auto [app, slot] : {std::pair{hpki::Application::signature, &persona.signature},
                           std::pair{hpki::Application::authentication, &persona.authentication}}) {
    if (!*slot) continue;
    if (const auto df = state_.files.find_df_by_aid(hpki::aid(profile, app))) {
      handlers_[*df] = std::make_unique<HpkiHandler>(profile, app, std::move(**slot), *df);
    }
  }
}

const Bytes& Card::power_on() {
  powered_ = true;
  end_session(Power::cold);
  return atr_;
}

const Bytes& Card::reset() {
  if (!powered_) return power_on();
  // cards-and-readers.md §1.4 "security status lifetime": a warm reset keeps verified PINs.
  end_session(Power::warm);
  return atr_;
}

void Card::power_off() {
  powered_ = false;
  end_session(Power::cold);
}

void Card::end_session(Power how) {
  if (how == Power::cold) {
    state_.reset_session();
  } else {
    state_.return_to_mf();
  }
  pending_.clear();
  chain_.drop();
  for (auto& [df, handler] : handlers_) handler->on_reset();
}

Status Card::register_handler(ByteView aid, std::unique_ptr<CommandHandler> handler) {
  const auto df = state_.files.find_df_by_aid(aid);
  if (!df) {
    return fail(Errc::invalid_argument, fmt::format("no DF named {} on this card", to_hex(aid)));
  }
  return register_handler(*df, std::move(handler));
}

Status Card::register_handler(NodeId df, std::unique_ptr<CommandHandler> handler) {
  if (df >= state_.files.size() || state_.files.node(df).kind != FileKind::df) {
    return fail(Errc::invalid_argument, "a handler can only be registered on a DF");
  }
  if (!handler) return fail(Errc::invalid_argument, "null handler");
  handlers_[df] = std::move(handler);
  return {};
}

Bytes Card::process(ByteView command_apdu) {
  if (!powered_) return Response::status(sw::kNoPreciseDiagnosis).to_bytes();
  auto command = decode_command_apdu(command_apdu);
  if (!command) {
    pending_.clear();
    chain_.drop();
    return Response::status(sw::kWrongLength).to_bytes();
  }
  if (command->cla == 0x00 && command->ins == kInsGetResponse) {
    chain_.drop();
    return get_response(*command).to_bytes();
  }
  pending_.clear();  // T=0: any other command abandons what GET RESPONSE has not fetched
  auto answer = frame_for_transport(run(*command)).to_bytes();
  // The decoded copy may hold a PIN (VERIFY); the caller owns and wipes the raw bytes.
  secure_wipe(command->data.data(), command->data.size());
  return answer;
}

// Command chaining (ISO 7816-4 §5.3.3) around dispatch: parts are collected only for a handler
// that accepts them; anything that does not continue the pending chain drops it.
Response Card::run(const CommandApdu& command) {
  if ((command.cla & CommandChain::kChainingBit) != 0) {
    if (!accepts_chaining(CommandChain::header_of(command))) {
      chain_.drop();
      return dispatch(command);  // the generic class check answers 6884
    }
    return Response::status(chain_.add(command));
  }
  if (!chain_.continued_by(command)) {
    chain_.drop();
    return dispatch(command);
  }
  auto whole = chain_.finish(command);
  if (!whole) return Response::status(sw::kWrongLength);  // longer than CommandChain::kMaxData
  auto answer = dispatch(*whole);
  secure_wipe(whole->data.data(), whole->data.size());
  return answer;
}

bool Card::accepts_chaining(const CommandApdu& head) const {
  for (std::optional<NodeId> df = state_.current_df; df; df = state_.files.node(*df).parent) {
    const auto it = handlers_.find(*df);
    if (it != handlers_.end() && it->second->accepts_chaining(head)) return true;
  }
  return false;
}

Response Card::dispatch(const CommandApdu& command) {
  for (std::optional<NodeId> df = state_.current_df; df; df = state_.files.node(*df).parent) {
    const auto it = handlers_.find(*df);
    if (it == handlers_.end()) continue;
    if (auto answer = it->second->handle(command, state_)) return std::move(*answer);
  }
  return run_generic(command);
}

Response Card::run_generic(const CommandApdu& command) {
  if (const auto problem = class_problem(command.cla)) return Response::status(*problem);
  switch (command.ins) {
    case kInsSelect:
      return select_file(command, state_);
    case kInsReadBinary:
      return read_binary(command, state_, behaviour_);
    case kInsGetChallenge:
      return get_challenge(command, random_);
    default:
      return Response::status(sw::kInsNotSupported);
  }
}

Response Card::get_response(const CommandApdu& command) {
  Bytes held = std::move(pending_);
  pending_.clear();
  if (command.p1 != 0 || command.p2 != 0) return Response::status(sw::kWrongP1P2);
  if (!command.ne || !command.data.empty()) return Response::status(sw::kWrongLength);
  if (held.empty()) return Response::status(sw::kConditionsNotSatisfied);

  std::size_t count = std::min<std::size_t>(held.size(), *command.ne);
  if (behaviour_.get_response_chunk != 0) {
    count = std::min<std::size_t>(count, behaviour_.get_response_chunk);
  }
  Response chunk{Bytes(held.begin(), held.begin() + static_cast<std::ptrdiff_t>(count)), 0};
  pending_.assign(held.begin() + static_cast<std::ptrdiff_t>(count), held.end());
  if (pending_.empty()) {
    chunk.sw = pending_sw_;
  } else {
    const std::size_t announce = std::min(pending_.size(), kMaxGetResponseAnnounce) & 0xFF;
    chunk.sw = static_cast<std::uint16_t>(sw::kBytesRemainingBase | announce);
  }
  return chunk;
}

Response Card::frame_for_transport(Response response) {
  const std::size_t chunk = behaviour_.get_response_chunk;
  if (chunk == 0 || response.data.size() <= chunk) return response;
  // cards-and-readers.md §1.6: answer 61xx without data; the host fetches with GET RESPONSE.
  pending_ = std::move(response.data);
  pending_sw_ = response.sw;
  const std::size_t announce = std::min(pending_.size(), kMaxGetResponseAnnounce) & 0xFF;
  return Response::status(static_cast<std::uint16_t>(sw::kBytesRemainingBase | announce));
}

}  // namespace onshi::sim
