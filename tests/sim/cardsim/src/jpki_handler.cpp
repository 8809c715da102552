#include "onshi/sim/jpki_handler.hpp"

#include "jpki_signature.hpp"
#include "onshi/sim/status_words.hpp"

namespace onshi::sim {
namespace {

constexpr std::uint8_t kInsVerify = 0x20;
constexpr std::uint8_t kInsReadBinary = 0xB0;
constexpr std::uint8_t kInsSign = 0x2A;             // CLA 80 (§1.5)
constexpr std::uint8_t kInsSetSessionKey = 0xAE;    // CLA 80: refused in the JPKI AP (§1.5)
constexpr std::uint8_t kInsLastCommand = 0xFC;      // CLA 80: iPhone profile only (§1.3)
constexpr std::uint8_t kP2CurrentEf = 0x80;         // "key of the current EF" (§1.4, §1.5)
constexpr std::uint8_t kP2SfiFlag = 0x80;           // P2 = 80 | SFI names the key/PIN EF
constexpr std::uint8_t kReadBinarySfiFlag = 0x80;   // READ BINARY P1 = 100x xxxx
constexpr std::uint8_t kSfiMask = 0x1F;

constexpr std::uint16_t kSecurityNotSatisfied = 0x6982;  // §1.10
constexpr std::uint16_t kReferencedDataNotFound = 0x6A88;

std::uint16_t fid_of(const CardState& state, NodeId ef) {
  return state.files.node(ef).fid.value_or(0);
}

}  // namespace

JpkiHandler::JpkiHandler(jpki::JpkiPersona persona)
    : persona_(std::move(persona)),
      auth_pin_(static_cast<std::uint8_t>(jpki::kEfAuthPin), persona_.auth_pin.value,
                persona_.auth_pin.max_tries, persona_.auth_pin.tries_left),
      sign_pin_(static_cast<std::uint8_t>(jpki::kEfSignPin), persona_.sign_pin.value,
                persona_.sign_pin.max_tries, persona_.sign_pin.tries_left) {}

std::optional<Response> JpkiHandler::handle(const CommandApdu& command, CardState& state) {
  if (command.cla == 0x00 && command.ins == kInsVerify) return verify(command, state);
  if (command.cla == 0x00 && command.ins == kInsReadBinary) return guard_read(command, state);
  if (command.cla != 0x80) return std::nullopt;
  switch (command.ins) {
    case kInsSign:
      return sign(command, state);
    case kInsSetSessionKey:
      return Response::status(kSecurityNotSatisfied);
    case kInsLastCommand:
      // Physical cards reject it with 6700; the iPhone token takes it (§1.3).
      return Response::status(persona_.token == jpki::TokenVariant::ios ? sw::kOk
                                                                        : sw::kWrongLength);
    default:
      return std::nullopt;
  }
}

// P2 80: the PIN EF selected before; P2 80|SFI: named directly (§1.4 "one-shot form").
PinObject* JpkiHandler::pin_for(const CommandApdu& command, const CardState& state) {
  std::uint16_t fid = 0;
  if (command.p2 == kP2CurrentEf) {
    if (!state.current_ef) return nullptr;
    fid = fid_of(state, *state.current_ef);
  } else {
    fid = command.p2 & kSfiMask;
  }
  if (fid == jpki::kEfAuthPin) return &auth_pin_;
  if (fid == jpki::kEfSignPin) return &sign_pin_;
  return nullptr;
}

Response JpkiHandler::verify(const CommandApdu& command, CardState& state) {
  if (command.p1 != 0x00 || (command.p2 & kP2SfiFlag) == 0) return Response::status(sw::kWrongP1P2);
  PinObject* pin = pin_for(command, state);
  if (pin == nullptr) return Response::status(kReferencedDataNotFound);
  if (command.data.empty()) return Response::status(pin->query(state.security));
  return Response::status(pin->verify(command.data, state.security));
}

Response JpkiHandler::sign(const CommandApdu& command, CardState& state) {
  // P2: 80 = the key EF selected before, 97 = auth key 0017, 9A = sign key 001A (§1.5).
  std::uint16_t key_fid = 0;
  if (command.p2 == kP2CurrentEf) {
    if (state.current_ef) key_fid = fid_of(state, *state.current_ef);
  } else if (command.p2 == (kP2SfiFlag | jpki::kEfAuthKey) ||
             command.p2 == (kP2SfiFlag | jpki::kEfSignKey)) {
    key_fid = command.p2 & kSfiMask;
  } else {
    return Response::status(sw::kWrongP1P2);
  }
  const PinObject* pin = nullptr;
  EVP_PKEY* key = nullptr;
  if (key_fid == jpki::kEfAuthKey) {
    pin = &auth_pin_;
    key = persona_.auth_key.get();
  } else if (key_fid == jpki::kEfSignKey) {
    pin = &sign_pin_;
    key = persona_.sign_key.get();
  } else {
    return Response::status(kReferencedDataNotFound);
  }
  if (command.p1 > 0x05) return Response::status(sw::kWrongP1P2);  // §1.5: schemes 00..05
  if (!pin->verified(state.security)) return Response::status(kSecurityNotSatisfied);
  if (command.data.empty()) return Response::status(sw::kWrongLength);

  auto result = jpki::compute_signature(key, command.p1, command.data);
  switch (result.outcome) {
    case jpki::SignatureOutcome::ok:
      return Response{std::move(result.signature), sw::kOk};
    case jpki::SignatureOutcome::bad_scheme:
      return Response::status(sw::kWrongP1P2);
    case jpki::SignatureOutcome::bad_input:
      return Response::status(sw::kConditionsNotSatisfied);  // §1.5 "wrong input length"
    case jpki::SignatureOutcome::failed:
      break;
  }
  return Response::status(sw::kNoPreciseDiagnosis);
}

// READ BINARY is the core's, but EF 0001 needs the sign PIN (§1.3) and key/PIN EFs are never
// readable. Returns nullopt to let the core read.
std::optional<Response> JpkiHandler::guard_read(const CommandApdu& command,
                                                const CardState& state) const {
  std::optional<NodeId> target = state.current_ef;
  if ((command.p1 & kReadBinarySfiFlag) != 0) {
    target = state.files.find_ef_by_sfi(state.current_df,
                                        static_cast<std::uint8_t>(command.p1 & kSfiMask));
  }
  if (!target) return std::nullopt;
  // Only the JPKI DF's own EFs are guarded (another DF below it has its own rules).
  const auto parent = state.files.node(*target).parent;
  if (!parent || state.files.node(*parent).aid != Bytes(jpki::kAid.begin(), jpki::kAid.end())) {
    return std::nullopt;
  }
  switch (fid_of(state, *target)) {
    case jpki::kEfSignCert:
      if (sign_pin_.verified(state.security)) return std::nullopt;
      return Response::status(kSecurityNotSatisfied);
    case jpki::kEfAuthKey:
    case jpki::kEfAuthPin:
    case jpki::kEfSignKey:
    case jpki::kEfSignPin:
      return Response::status(kSecurityNotSatisfied);
    default:
      return std::nullopt;
  }
}

}  // namespace onshi::sim
