#include "onshi/pcsc/pin_pad.hpp"

#include <fmt/format.h>

#include "onshi/pcsc/status_word.hpp"

namespace onshi::pcsc {
namespace {

constexpr std::uint8_t kFormatAsciiBytes = 0x82;  // bytes, PIN at position 0, left, ASCII
constexpr std::uint8_t kValidationKey = 0x02;     // the pad's OK key ends the entry
constexpr std::uint8_t kOneMessage = 0x01;        // the reader shows its "enter PIN" prompt
constexpr std::uint16_t kLangJapanese = 0x0411;
// The pad's own answers (Part 10 §2.5.2; libccid turns CCID bError F0 / EF into them).
constexpr std::uint16_t kSwPadTimeout = 0x6400;
constexpr std::uint16_t kSwPadCancelled = 0x6401;
constexpr std::uint16_t kSwPadParameters = 0x6B80;
// The exchange waits for the patient; the card's own answer comes on top of the pad's timeout.
constexpr std::chrono::seconds kCardMargin{10};

}  // namespace

Result<std::optional<PinPad>> detect_pin_pad(Card& card) {
  auto features = card.control(kGetFeatureRequest, {});
  if (!features) {
    // A driver without Part 10 (vpcd, many others) refuses the request: no pad. Anything else
    // (the reader gone, pcscd gone, a timeout) is an error, not "type the PIN on the PC".
    const auto rv = features.error().native;
    const auto is = [&rv](LONG code) {
      return rv && *rv == static_cast<std::int64_t>(static_cast<std::uint32_t>(code));
    };
    if (features.error().code == Errc::not_supported || is(SCARD_E_NOT_TRANSACTED) ||
        is(SCARD_E_INVALID_PARAMETER)) {
      return std::optional<PinPad>{};
    }
    return std::move(features).error();
  }
  ONSHI_TRY_ASSIGN(const FeatureMap map, parse_feature_list(*features));
  const auto verify = map.find(static_cast<std::uint8_t>(Feature::verify_pin_direct));
  if (verify == map.end()) return std::optional<PinPad>{};
  PinPad pad;
  pad.verify_control = verify->second;
  if (const auto tlv = map.find(static_cast<std::uint8_t>(Feature::get_tlv_properties));
      tlv != map.end()) {
    if (auto raw = card.control(tlv->second, {})) {
      ONSHI_TRY_ASSIGN(pad.properties, parse_tlv_properties(*raw));
    }
  }
  if (const auto pin_properties = map.find(static_cast<std::uint8_t>(Feature::ifd_pin_properties));
      pin_properties != map.end()) {
    // PIN_PROPERTIES_STRUCTURE: wLcdLayout (LE), bEntryValidationCondition, bTimeOut2.
    if (auto raw = card.control(pin_properties->second, {})) {
      if (raw->size() != 4) {
        return fail(Errc::apdu_malformed_response,
                    fmt::format("IFD_PIN_PROPERTIES has {} bytes, expected 4", raw->size()));
      }
      pad.lcd_layout = static_cast<std::uint16_t>((*raw)[0] | ((*raw)[1] << 8));
      pad.entry_validation = (*raw)[2];
    }
  }
  if (!pad.lcd_layout) pad.lcd_layout = pad.properties.lcd_layout;
  return std::optional<PinPad>{std::move(pad)};
}

std::optional<PadPinFormat> pad_pin_format(PinFormat format) noexcept {
  switch (format) {
    case PinFormat::four_digits:
      return PadPinFormat{4, 4, true};  // §1.4: Lc 04, no padding
    case PinFormat::hpki_pin:
      return PadPinFormat{4, 16, false};  // §2.1 AOD: 4..16
    case PinFormat::jpki_sign_password:
      return std::nullopt;  // letters: not on a pad
  }
  return std::nullopt;
}

Bytes verify_pin_direct_structure(const PinReference& ref, const PadPinFormat& format,
                                  std::chrono::seconds timeout) {
  Bytes apdu{0x00, 0x20, 0x00, ref.verify_p2};
  std::uint8_t block = 0x00;
  if (format.fixed_length) {
    block = format.max_digits;  // bits 3-0: the block's bytes; no length field
    apdu.push_back(format.max_digits);
    apdu.insert(apdu.end(), format.max_digits, 0x00);  // the pad overwrites every byte
  } else {
    apdu.push_back(0x00);  // Lc, set by the reader from the entered length
  }
  const auto seconds = static_cast<std::uint8_t>(std::min<std::int64_t>(timeout.count(), 255));
  Bytes s{seconds,
          0x00,
          kFormatAsciiBytes,
          block,
          0x00,
          format.max_digits,
          format.min_digits,  // wPINMaxExtraDigit: max in the low byte
          kValidationKey,
          kOneMessage,
          static_cast<std::uint8_t>(kLangJapanese & 0xFF),
          static_cast<std::uint8_t>(kLangJapanese >> 8),
          0x00,  // bMsgIndex
          0x00,
          0x00,
          0x00};  // bTeoPrologue
  const auto length = static_cast<std::uint32_t>(apdu.size());
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<std::uint8_t>(length >> (8 * i)));
  s.insert(s.end(), apdu.begin(), apdu.end());
  return s;
}

Status check_pad_can_enter(const PinReference& ref) {
  if (!pad_pin_format(ref.format)) {
    return fail(Errc::not_supported,
                fmt::format("{} has letters; a PIN pad cannot enter it", ref.name));
  }
  return {};
}

Result<VerifyOutcome> verify_pin_on_pad(Card& card, const PinReference& ref, const PinPad& pad,
                                        const PinPolicy& policy) {
  ONSHI_TRY(check_pad_can_enter(ref));
  ONSHI_TRY_ASSIGN(VerifyOutcome out, read_counter_before_verify(card, ref));
  ONSHI_TRY(verify_once_on_pad(card, ref, pad, out.before, policy));
  return out;
}

Status verify_once_on_pad(Card& card, const PinReference& ref, const PinPad& pad,
                          const PinStatus& before, const PinPolicy& policy) {
  if (card.share_mode() != ShareMode::exclusive) {
    return fail(Errc::invalid_argument,
                fmt::format("{}: VERIFY needs an exclusive connection (ExclusiveCard)", ref.name));
  }
  ONSHI_TRY(check_pad_can_enter(ref));
  const auto format = pad_pin_format(ref.format);
  if (before.verified)
    return fail(Errc::pin_state_unknown, fmt::format("{}: counter not read", ref.name));
  ONSHI_TRY(guard_pin_attempt(before, policy, ref.name, ref.retry_limited));
  // From here the card may be verified: whatever happens, this handle ends unpowered.
  card.set_final_disposition(Disposition::unpower);
  const Bytes structure = verify_pin_direct_structure(ref, *format, pad.timeout);
  auto answer = card.control(
      pad.verify_control, structure,
      std::chrono::duration_cast<std::chrono::milliseconds>(pad.timeout + kCardMargin));
  if (!answer) {
    return fail(Errc::pin_state_unknown,
                fmt::format("{}: PIN entry on the pad ended without an answer ({}); the outcome "
                            "is unknown. Read the counter before trying again",
                            ref.name, answer.error().to_string()));
  }
  if (answer->size() != 2) {
    return fail(
        Errc::apdu_malformed_response,
        fmt::format("{}: the pad answered {} bytes, not a status word", ref.name, answer->size()));
  }
  const auto sw = static_cast<std::uint16_t>(((*answer)[0] << 8) | (*answer)[1]);
  if (sw == kSwPadTimeout) {
    return Unexpected{
        Error{Errc::timeout,
              fmt::format("{}: nobody finished entering the PIN on the pad within {} s; "
                          "no try was spent",
                          ref.name, pad.timeout.count()),
              sw}};
  }
  if (sw == kSwPadCancelled) {
    return Unexpected{Error{
        Errc::cancelled,
        fmt::format("{}: PIN entry was cancelled on the pad; no try was spent", ref.name), sw}};
  }
  if (sw == kSwPadParameters) {
    return Unexpected{
        Error{Errc::not_supported,
              fmt::format("{}: the reader refused the PIN entry parameters", ref.name), sw}};
  }
  return verify_answer(ref, sw);
}

}  // namespace onshi::pcsc
