#include "onshi/sim/hpki_handler.hpp"

#include "handler_support.hpp"
#include "hpki_signature.hpp"
#include "iso_commands.hpp"
#include "onshi/sim/status_words.hpp"

namespace onshi::sim {
namespace {

constexpr std::uint8_t kInsManageSecurityEnvironment = 0x22;
constexpr std::uint8_t kInsPerformSecurityOperation = 0x2A;
// MSE SET for computation (41) of a digital signature template (B6), §2.1 C.5 / §2.2.
constexpr std::uint8_t kMseSetComputation = 0x41;
constexpr std::uint8_t kDigitalSignatureTemplate = 0xB6;
// PSO COMPUTE DIGITAL SIGNATURE: answer a signature (9E) of the data field (9A), §2.1 C.6.
constexpr std::uint8_t kPsoDigitalSignature = 0x9E;
constexpr std::uint8_t kPsoDataToSign = 0x9A;
constexpr std::size_t kKeyReferenceSize = 2;  // `<tag> 02 <FID>`
// §2.1 READ BINARY status words: 6981 "command incompatible with file structure" for an IEF.
constexpr std::uint16_t kNotTransparent = 0x6981;
constexpr std::uint16_t kIncorrectData = 0x6A80;  // §2.1 MSE / PSO: 6A80

// Le 00 (short) or 0000 (extended): "as much as there is" (ISO 7816-4 §5.1).
bool asks_for_everything(const CommandApdu& command) {
  return command.ne && *command.ne == (command.extended() ? 65536U : 256U);
}

}  // namespace

HpkiHandler::HpkiHandler(const hpki::Profile& profile, hpki::Application app,
                         hpki::ApplicationPersona persona, NodeId df)
    : profile_(profile),
      app_(app),
      persona_(std::move(persona)),
      df_(df),
      pin_(df, profile.verify_p2, persona_.pin.value, persona_.pin.max_tries,
           persona_.pin.tries_left, profile.blocked_sw, PinLength{4, 16}) {}  // §2.1 AOD

std::optional<Response> HpkiHandler::handle(const CommandApdu& command, CardState& state) {
  if (command.cla != 0x00) return std::nullopt;
  switch (command.ins) {
    case handler::kInsVerify:
      return verify(command, state);
    case kInsManageSecurityEnvironment:
      return set_environment(command, state);
    case kInsPerformSecurityOperation:
      return sign(command, state);
    case handler::kInsReadBinary:
      return read(command, state);
    default:
      return std::nullopt;
  }
}

bool HpkiHandler::accepts_chaining(const CommandApdu& head) const {
  return head.cla == 0x00 && head.ins == kInsPerformSecurityOperation &&
         head.p1 == kPsoDigitalSignature && head.p2 == kPsoDataToSign;
}

// The profile's reference (JMA 88, JAHIS 96), or P2 80 with the PIN IEF current (JAHIS, §2.1).
bool HpkiHandler::names_pin(const CommandApdu& command, const CardState& state) const {
  if (command.p2 == profile_.verify_p2) return true;
  if (!profile_.verify_current_ef || command.p2 != handler::kP2CurrentEf || !state.current_ef) {
    return false;
  }
  const FileNode& ef = state.files.node(*state.current_ef);
  return ef.parent == df_ && ef.fid == profile_.pin.fid;
}

// §2.1 C.3 / §2.2: without data the counter (63Cx, x = 0..15) or 9000 if verified; with data
// a try: right → 15 again and verified, wrong → 63Cx, blocked → the profile's 6984 / 6983.
Response HpkiHandler::verify(const CommandApdu& command, CardState& state) {
  if (command.p1 != 0x00 || (command.p2 & handler::kSfiFlag) == 0) {
    return Response::status(sw::kWrongP1P2);
  }
  if (!names_pin(command, state)) return Response::status(sw::kReferencedDataNotFound);
  if (command.data.empty()) return Response::status(pin_.query(state.security));
  // Longer than the PIN can be (§2.1 AOD maxLength 16): refused without spending a try.
  if (command.data.size() > hpki::kPinMaxLength) return Response::status(sw::kWrongLength);
  return Response::status(pin_.verify(command.data, state.security));
}

// MSE SET DST `00 22 41 B6 04 <tag> 02 <key FID>`: tag 84 on the JMA card (§2.2), 81 in the
// JAHIS example (§2.1 C.5). Anything else leaves no key set, so a PSO then answers 6985.
Response HpkiHandler::set_environment(const CommandApdu& command, CardState& state) const {
  state.environment.reset();
  if (command.p1 != kMseSetComputation || command.p2 != kDigitalSignatureTemplate) {
    return Response::status(sw::kWrongP1P2);
  }
  const Bytes& d = command.data;
  if (d.empty()) return Response::status(sw::kWrongLength);
  if (d.size() != 2 + kKeyReferenceSize || d[0] != profile_.mse_key_tag ||
      d[1] != kKeyReferenceSize) {
    return Response::status(kIncorrectData);
  }
  const auto key = static_cast<std::uint16_t>((d[2] << 8) | d[3]);
  if (key != profile_.key.fid) return Response::status(kIncorrectData);
  state.environment = SecurityEnvironment{df_, key};
  return Response::status(sw::kOk);
}

// PSO `00 2A 9E 9A Lc <256-byte padded block> Le` (§2.1 C.6, §2.2 step 6): the raw RSA
// operation. The signature application's PIN opens exactly one signature (§2.1 "毎回").
Response HpkiHandler::sign(const CommandApdu& command, CardState& state) const {
  if (command.p1 != kPsoDigitalSignature || command.p2 != kPsoDataToSign) {
    return Response::status(sw::kWrongP1P2);
  }
  const auto& env = state.environment;
  if (!env || env->df != df_ || env->signature_key != profile_.key.fid) {
    return Response::status(sw::kConditionsNotSatisfied);
  }
  if (!pin_.verified(state.security)) return Response::status(sw::kSecurityStatusNotSatisfied);
  if (!command.ne || *command.ne < hpki::kSignatureBlockSize) {
    return Response::status(sw::kWrongLength);
  }
  auto result = hpki::raw_rsa_private(persona_.key.get(), command.data);
  switch (result.outcome) {
    case hpki::RawSignatureOutcome::ok:
      if (app_ == hpki::Application::signature) pin_.consume(state.security);
      return Response{std::move(result.signature), sw::kOk};
    case hpki::RawSignatureOutcome::wrong_length:
      return Response::status(sw::kWrongLength);
    case hpki::RawSignatureOutcome::not_below_modulus:
      return Response::status(kIncorrectData);
    case hpki::RawSignatureOutcome::failed:
      break;
  }
  return Response::status(sw::kNoPreciseDiagnosis);
}

// The PIN and key IEFs are never readable. Certificates and the other WEFs are the core's to
// read, except that Le 00 / 0000 reaching the end answers 9000: §2.1 reads the certificate
// whole with `00 B0 98 00 00 00 00`, and its READ BINARY status words have no 6282.
std::optional<Response> HpkiHandler::read(const CommandApdu& command, CardState& state) const {
  const auto target = handler::read_target(command, state);
  if (!target || state.files.node(*target).parent != df_) return std::nullopt;
  const auto fid = handler::fid_of(state, *target);
  if (fid == profile_.pin.fid || fid == profile_.key.fid) {
    return Response::status(kNotTransparent);
  }
  if (!asks_for_everything(command)) return std::nullopt;
  Response answer = read_binary(command, state, Behaviour{});
  if (answer.sw == sw::kEndOfFileBeforeLe) answer.sw = sw::kOk;
  return answer;
}

}  // namespace onshi::sim
