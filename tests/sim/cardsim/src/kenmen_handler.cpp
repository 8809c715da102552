#include "onshi/sim/kenmen_handler.hpp"

#include "handler_support.hpp"
#include "jpki_signature.hpp"
#include "onshi/sim/status_words.hpp"

namespace onshi::sim {
namespace {

constexpr std::uint8_t kVerbatimPkcs1 = 0x00;  // the JPKI P1 00 scheme (§1.5)

std::optional<PinObject> make_pin(NodeId df, const std::optional<jpki::PinSpec>& spec) {
  if (!spec) return std::nullopt;
  // §1.7: the 券面事項入力補助 PIN is 4 digits, like the JPKI auth PIN.
  return PinObject(df, static_cast<std::uint8_t>(kenmen::kEfPin), spec->value, spec->max_tries,
                   spec->tries_left, 0x6984, PinLength{4, 4});
}

}  // namespace

KenmenHandler::KenmenHandler(kenmen::KenmenPersona persona, NodeId df)
    : persona_(std::move(persona)), df_(df), pin_(make_pin(df, persona_.pin)) {}

std::optional<Response> KenmenHandler::handle(const CommandApdu& command, CardState& state) {
  if (command.cla == 0x00) {
    switch (command.ins) {
      case handler::kInsVerify:
        return handler::verify(command, state, [this](std::uint16_t fid) -> PinObject* {
          return fid == kenmen::kEfPin && pin_ ? &*pin_ : nullptr;
        });
      case handler::kInsReadBinary:
        return guard_read(command, state);
      case handler::kInsInternalAuthenticate:
        return Response::status(sw::kConditionsNotSatisfied);  // 券面 keys refuse it (§1.5)
      default:
        return std::nullopt;
    }
  }
  if (command.cla == 0x80 && command.ins == handler::kInsSign) return sign(command);
  return std::nullopt;
}

// `80 2A 00 00 Lc <DigestInfo> 00` (§1.5): PKCS#1 v1.5 over the data as given, no PIN.
Response KenmenHandler::sign(const CommandApdu& command) const {
  if (command.p1 != 0x00 || command.p2 != 0x00) return Response::status(sw::kWrongP1P2);
  if (command.data.empty()) return Response::status(sw::kWrongLength);
  auto result =
      jpki::compute_signature(persona_.card_present_key.get(), kVerbatimPkcs1, command.data);
  switch (result.outcome) {
    case jpki::SignatureOutcome::ok:
      return Response{std::move(result.signature), sw::kOk};
    case jpki::SignatureOutcome::bad_input:
      return Response::status(sw::kConditionsNotSatisfied);  // longer than k − 11
    case jpki::SignatureOutcome::bad_scheme:
    case jpki::SignatureOutcome::failed:
      break;
  }
  return Response::status(sw::kNoPreciseDiagnosis);
}

// My Number and 基本4情報 need the PIN (§1.7; the 照合番号 routes are not emulated); the PIN EF is
// never readable. nullopt lets the core read.
std::optional<Response> KenmenHandler::guard_read(const CommandApdu& command,
                                                  const CardState& state) const {
  const auto target = handler::read_target(command, state);
  if (!target || state.files.node(*target).parent != df_) return std::nullopt;
  switch (handler::fid_of(state, *target)) {
    case kenmen::kEfMyNumber:
    case kenmen::kEfBasicFour:
      if (pin_ && pin_->verified(state.security)) return std::nullopt;
      return Response::status(sw::kSecurityStatusNotSatisfied);
    case kenmen::kEfPin:
      return Response::status(sw::kSecurityStatusNotSatisfied);
    default:
      return std::nullopt;
  }
}

}  // namespace onshi::sim
