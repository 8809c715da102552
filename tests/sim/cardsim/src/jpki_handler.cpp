#include "onshi/sim/jpki_handler.hpp"

#include "handler_support.hpp"
#include "jpki_signature.hpp"
#include "onshi/sim/status_words.hpp"

namespace onshi::sim {
namespace {

constexpr std::uint8_t kInsSetSessionKey = 0xAE;  // CLA 80: refused in the JPKI AP (§1.5)
constexpr std::uint8_t kInsLastCommand = 0xFC;    // CLA 80: iPhone profile only (§1.3)
constexpr std::uint8_t kMaxRsaScheme = 0x05;      // §1.5: P1 00..05

std::optional<PinObject> make_pin(NodeId df, std::uint16_t fid,
                                  const std::optional<jpki::PinSpec>& spec) {
  if (!spec) return std::nullopt;
  // §1.4: the auth PIN exactly 4 digits, the sign password 6–16 characters.
  const PinLength length = fid == jpki::kEfAuthPin ? PinLength{4, 4} : PinLength{6, 16};
  return PinObject(df, static_cast<std::uint8_t>(fid), spec->value, spec->max_tries,
                   spec->tries_left, 0x6984, length);
}

Response from_result(jpki::SignatureResult result, std::uint16_t bad_input_sw) {
  switch (result.outcome) {
    case jpki::SignatureOutcome::ok:
      return Response{std::move(result.signature), sw::kOk};
    case jpki::SignatureOutcome::bad_scheme:
      return Response::status(sw::kWrongP1P2);
    case jpki::SignatureOutcome::bad_input:
      return Response::status(bad_input_sw);
    case jpki::SignatureOutcome::failed:
      break;
  }
  return Response::status(sw::kNoPreciseDiagnosis);
}

}  // namespace

JpkiHandler::JpkiHandler(jpki::JpkiPersona persona, NodeId df)
    : persona_(std::move(persona)),
      df_(df),
      auth_pin_(make_pin(df, jpki::kEfAuthPin, persona_.auth_pin)),
      sign_pin_(make_pin(df, jpki::kEfSignPin, persona_.sign_pin)) {}

std::optional<Response> JpkiHandler::handle(const CommandApdu& command, CardState& state) {
  if (command.cla == 0x00 && command.ins == handler::kInsVerify) {
    return handler::verify(command, state, [this](std::uint16_t fid) { return pin_for(fid); });
  }
  if (command.cla == 0x00 && command.ins == handler::kInsReadBinary) {
    return guard_read(command, state);
  }
  if (command.cla != 0x80) return std::nullopt;
  switch (command.ins) {
    case handler::kInsSign:
      return sign(command, state);
    case kInsSetSessionKey:
      return Response::status(sw::kSecurityStatusNotSatisfied);
    case kInsLastCommand:
      // Physical cards reject it with 6700; the iPhone token takes it (§1.3).
      return Response::status(persona_.token == jpki::TokenVariant::ios ? sw::kOk
                                                                        : sw::kWrongLength);
    default:
      return std::nullopt;
  }
}

PinObject* JpkiHandler::pin_for(std::uint16_t fid) {
  if (fid == jpki::kEfAuthPin && auth_pin_) return &*auth_pin_;
  if (fid == jpki::kEfSignPin && sign_pin_) return &*sign_pin_;
  return nullptr;
}

Response JpkiHandler::sign(const CommandApdu& command, CardState& state) {
  // P2: 80 = the key EF selected before, 97 = auth key 0017, 9A = sign key 001A (§1.5).
  std::uint16_t key_fid = 0;
  if (command.p2 == handler::kP2CurrentEf) {
    key_fid = handler::referenced_fid(command.p2, state).value_or(0);
  } else if (command.p2 == (handler::kSfiFlag | jpki::kEfAuthKey) ||
             command.p2 == (handler::kSfiFlag | jpki::kEfSignKey)) {
    key_fid = command.p2 & handler::kSfiMask;
  } else {
    return Response::status(sw::kWrongP1P2);
  }
  const PinObject* pin = nullptr;
  EVP_PKEY* key = nullptr;
  if (key_fid == jpki::kEfAuthKey) {
    pin = auth_pin();  // null on a PIN-less card: the key exists but cannot be unlocked
    key = persona_.auth_key.get();
  } else if (key_fid == jpki::kEfSignKey && persona_.sign_key) {
    pin = sign_pin();
    key = persona_.sign_key.get();
  } else {
    return Response::status(sw::kReferencedDataNotFound);
  }
  const bool ec = jpki::key_type_of(key) == jpki::KeyType::ec_p384;
  // RSA: schemes 00..05 (§1.5). The invented P-384 variant knows only 00.
  if (command.p1 > (ec ? 0x00 : kMaxRsaScheme)) return Response::status(sw::kWrongP1P2);
  if (pin == nullptr || !pin->verified(state.security)) {
    return Response::status(sw::kSecurityStatusNotSatisfied);
  }
  if (command.data.empty()) return Response::status(sw::kWrongLength);
  return sign_with(key, command);
}

Response JpkiHandler::sign_with(EVP_PKEY* key, const CommandApdu& command) const {
  if (jpki::key_type_of(key) == jpki::KeyType::ec_p384) {
    // Invented: anything but the 48-byte hash is a wrong length.
    return from_result(jpki::compute_ecdsa_p384(key, command.data), sw::kWrongLength);
  }
  // §1.5 "wrong input length" → 6985.
  return from_result(jpki::compute_signature(key, command.p1, command.data),
                     sw::kConditionsNotSatisfied);
}

// READ BINARY is the core's, but EF 0001 needs the sign PIN (§1.3) and key/PIN EFs are never
// readable. Returns nullopt to let the core read.
std::optional<Response> JpkiHandler::guard_read(const CommandApdu& command,
                                                const CardState& state) const {
  const auto target = handler::read_target(command, state);
  // Only the JPKI DF's own EFs are guarded (another DF below it has its own rules).
  if (!target || state.files.node(*target).parent != df_) return std::nullopt;
  switch (handler::fid_of(state, *target)) {
    case jpki::kEfSignCert:
      if (sign_pin_ && sign_pin_->verified(state.security)) return std::nullopt;
      return Response::status(sw::kSecurityStatusNotSatisfied);
    case jpki::kEfAuthKey:
    case jpki::kEfAuthPin:
    case jpki::kEfSignKey:
    case jpki::kEfSignPin:
      return Response::status(sw::kSecurityStatusNotSatisfied);
    default:
      return std::nullopt;
  }
}

}  // namespace onshi::sim
