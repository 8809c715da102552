// The message layer (driver/PROTOCOL.md §3–§6): the exact bytes of every command payload, and what
// the host makes of replies and events, including every malformed payload §2.1 names. The
// payloads here are written byte by byte from PROTOCOL.md, not with the driver's TLV writer.
#include "onshi/driver/messages.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>

namespace onshi::driver {
namespace {

// --- payloads written by hand ------------------------------------------------------------------

Bytes rec(std::uint8_t tag, const Bytes& value) {
  // Sized up front: GCC 12's -Warray-bounds misfires on insert() into a two-byte vector.
  Bytes out(2 + value.size());
  out[0] = tag;
  out[1] = static_cast<std::uint8_t>(value.size());
  std::copy(value.begin(), value.end(), out.begin() + 2);
  return out;
}
Bytes u8(std::uint8_t tag, std::uint8_t v) { return rec(tag, {v}); }
Bytes u16(std::uint8_t tag, std::uint16_t v) {
  return rec(tag, {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8)});
}
Bytes u32(std::uint8_t tag, std::uint32_t v) {
  return rec(tag, {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
                   static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 24)});
}
Bytes str(std::uint8_t tag, std::string_view s) { return rec(tag, Bytes(s.begin(), s.end())); }

Bytes payload(std::initializer_list<Bytes> records) {
  Bytes out;
  for (const auto& r : records) out.insert(out.end(), r.begin(), r.end());
  return out;
}

// §3.1 tags.
constexpr std::uint8_t kSession = 0x01, kProtocol = 0x04, kFeatures = 0x05, kVendor = 0x06,
                       kModel = 0x07, kSerial = 0x08, kFirmware = 0x09, kText = 0x0E, kError = 0x10,
                       kExpected = 0x11, kMatched = 0x12, kScore = 0x13, kAttempt = 0x14,
                       kConfirmed = 0x15, kReason = 0x16, kAnswers = 0x17, kState = 0x18,
                       kCard = 0x19;

Bytes info_payload(std::string_view serial = "FACE0001", std::uint8_t protocol = 1) {
  return payload({u8(kProtocol, protocol), u32(kFeatures, 0x7F), str(kVendor, "onshi"),
                  str(kModel, "FR-1"), str(kSerial, serial), str(kFirmware, "1.2.3")});
}

Frame event(MessageType type, Bytes p) {
  Frame f;
  f.type = static_cast<std::uint8_t>(type);
  f.seq = 1;
  f.payload = std::move(p);
  return f;
}

template <typename T>
void expect_protocol_error(const Result<T>& r) {
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::face_reader_protocol) << r.error().to_string();
}

// RFC 3629 UTF-8 without C0/C1 controls and DEL: what a sanitised device string must be.
bool printable_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7F) return false;
      ++i;
      continue;
    }
    const std::size_t n = c >= 0xC2 && c <= 0xDF   ? 2
                          : c >= 0xE0 && c <= 0xEF ? 3
                          : c >= 0xF0 && c <= 0xF4 ? 4
                                                   : 0;
    if (n == 0 || i + n > s.size()) return false;
    std::uint32_t cp = c & (0xFF >> (n + 1));
    for (std::size_t k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    const std::uint32_t min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    if (cp >= 0x80 && cp <= 0x9F) return false;  // C1 controls
    i += n;
  }
  return true;
}

std::string serial_as_decoded(std::string_view raw) {
  const auto info = decode_info(info_payload(raw));
  EXPECT_TRUE(info) << info.error().to_string();
  return info ? info->serial : std::string("<error>");
}

// --- command payloads (§3.1, §5) -----------------------------------------------------------

TEST(CommandPayload, GetInfoOffersProtocolOneToOne) {
  EXPECT_EQ(get_info_payload(), (Bytes{0x02, 0x01, 0x01, 0x03, 0x01, 0x01}));
}

TEST(CommandPayload, StartSessionWithoutConsentsOmitsTheConsentsTag) {
  SessionRequest r;
  r.session = 0x01020304;
  r.mode = SessionMode::face_then_pin;
  EXPECT_EQ(start_session_payload(r), (Bytes{0x01, 0x04, 0x04, 0x03, 0x02, 0x01,  // session, LE
                                             0x0A, 0x01, 0x03,                    // mode 3
                                             0x0C, 0x02, 0x78, 0x00,              // timeout 120 s
                                             0x0D, 0x01, 0x03}));                 // face_attempts 3
}

TEST(CommandPayload, StartSessionCarriesConsentsTimeoutAndAttempts) {
  SessionRequest r;
  r.session = 7;
  r.mode = SessionMode::visual;
  r.consents.add(ConsentQuestion::medication).add(ConsentQuestion::specific_diseases);
  r.timeout_seconds = 0x0102;
  r.face_attempts = 5;
  EXPECT_EQ(start_session_payload(r),
            (Bytes{0x01, 0x04, 0x07, 0x00, 0x00, 0x00, 0x0A, 0x01, 0x04, 0x0B, 0x01, 0x21, 0x0C,
                   0x02, 0x02, 0x01, 0x0D, 0x01, 0x05}));
}

TEST(CommandPayload, CancelCarriesTheSessionLittleEndian) {
  EXPECT_EQ(session_payload(0xDEADBEEF), (Bytes{0x01, 0x04, 0xEF, 0xBE, 0xAD, 0xDE}));
}

TEST(CommandPayload, ShowMessageCarriesUtf8TextAndSeconds) {
  const std::string text = "お待ちください";
  Bytes want{0x0E, static_cast<std::uint8_t>(text.size())};
  want.insert(want.end(), text.begin(), text.end());
  want.insert(want.end(), {0x0F, 0x02, 0x2C, 0x01});  // 300 s
  EXPECT_EQ(show_message_payload(text, 300), want);
  EXPECT_EQ(show_message_payload("", 0), (Bytes{0x0E, 0x00, 0x0F, 0x02, 0x00, 0x00}));
}

TEST(CommandPayload, IdentityResultCarriesSessionAndOk) {
  EXPECT_EQ(identity_result_payload(9, true),
            (Bytes{0x01, 0x04, 0x09, 0x00, 0x00, 0x00, 0x1A, 0x01, 0x01}));
  EXPECT_EQ(identity_result_payload(9, false),
            (Bytes{0x01, 0x04, 0x09, 0x00, 0x00, 0x00, 0x1A, 0x01, 0x00}));
}

TEST(CommandPayload, ReplyTypeIsTheCommandPlus0x80) {
  EXPECT_EQ(reply_type(MessageType::get_info), 0x81);
  EXPECT_EQ(reply_type(MessageType::identity_result), 0x87);
}

// --- INFO (§5.1) -----------------------------------------------------------------------------

TEST(DecodeInfo, ReadsEveryField) {
  const auto info = decode_info(info_payload());
  ASSERT_TRUE(info) << info.error().to_string();
  EXPECT_EQ(info->protocol, 1);
  EXPECT_EQ(info->features, 0x7Fu);
  EXPECT_EQ(info->vendor, "onshi");
  EXPECT_EQ(info->model, "FR-1");
  EXPECT_EQ(info->serial, "FACE0001");
  EXPECT_EQ(info->firmware, "1.2.3");
  EXPECT_TRUE(info->has(Feature::face));
  EXPECT_TRUE(info->has(Feature::card_events));
}

TEST(DecodeInfo, FeatureBitsMapToFeatures) {
  const auto info =
      decode_info(payload({u8(kProtocol, 1), u32(kFeatures, 0b0010010), str(kSerial, "S")}));
  ASSERT_TRUE(info) << info.error().to_string();
  EXPECT_FALSE(info->has(Feature::face));
  EXPECT_TRUE(info->has(Feature::pin));
  EXPECT_FALSE(info->has(Feature::visual));
  EXPECT_TRUE(info->has(Feature::consent));
  EXPECT_FALSE(info->has(Feature::show_message));
}

TEST(DecodeInfo, MissingSerialIsAProtocolError) {
  const auto info = decode_info(payload({u8(kProtocol, 1), u32(kFeatures, 1), str(kVendor, "v")}));
  expect_protocol_error(info);
  EXPECT_NE(info.error().message.find("serial"), std::string::npos) << info.error().message;
}

TEST(DecodeInfo, MissingProtocolOrFeaturesIsAProtocolError) {
  expect_protocol_error(decode_info(payload({u32(kFeatures, 1), str(kSerial, "S")})));
  expect_protocol_error(decode_info(payload({u8(kProtocol, 1), str(kSerial, "S")})));
}

TEST(DecodeInfo, AnotherProtocolVersionIsUnsupported) {
  const auto info = decode_info(info_payload("FACE0001", 2));
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, Errc::face_reader_unsupported) << info.error().to_string();
}

TEST(DecodeInfo, IgnoresUnknownTags) {
  // §2.1: later versions add tags; one before, one among and one after the known ones.
  Bytes p = payload({rec(0x7E, {1, 2, 3}), u8(kProtocol, 1), rec(0xC0, {}), u32(kFeatures, 1),
                     str(kSerial, "FACE0002"), rec(0xFF, Bytes(255, 0xEE))});
  const auto info = decode_info(p);
  ASSERT_TRUE(info) << info.error().to_string();
  EXPECT_EQ(info->serial, "FACE0002");
}

TEST(DecodeInfo, RejectsAKnownTagGivenTwice) {
  expect_protocol_error(decode_info(payload({info_payload(), str(kSerial, "FACE0009")})));
  // Twice with the same value is just as malformed.
  expect_protocol_error(decode_info(payload({info_payload(), u8(kProtocol, 1)})));
}

TEST(DecodeInfo, RejectsAKnownTagWithTheWrongWidth) {
  expect_protocol_error(
      decode_info(payload({u8(kProtocol, 1), u16(kFeatures, 1), str(kSerial, "S")})));
  expect_protocol_error(
      decode_info(payload({u16(kProtocol, 1), u32(kFeatures, 1), str(kSerial, "S")})));
  expect_protocol_error(
      decode_info(payload({rec(kProtocol, {}), u32(kFeatures, 1), str(kSerial, "S")})));
}

TEST(DecodeInfo, RejectsARecordRunningPastTheEnd) {
  Bytes p = info_payload();
  p.insert(p.end(), {0x79, 0x05, 0x01, 0x02});  // an unknown tag, 5 bytes, 2 there
  expect_protocol_error(decode_info(p));
  Bytes q = info_payload();
  q.push_back(0x42);  // a tag without its length byte
  expect_protocol_error(decode_info(q));
  // The serial's own length runs past the end.
  expect_protocol_error(decode_info(
      payload({u8(kProtocol, 1), u32(kFeatures, 1), Bytes{kSerial, 0x09, 'F', 'A', 'C', 'E'}})));
}

TEST(DecodeInfo, EmptyPayloadIsAProtocolError) { expect_protocol_error(decode_info({})); }

// --- device strings are sanitised (nlohmann::json and terminals) ------------------------------

TEST(DeviceStrings, KeepJapaneseAndOtherValidUtf8) {
  EXPECT_EQ(serial_as_decoded("顔認証付きカードリーダー"), "顔認証付きカードリーダー");
  EXPECT_EQ(serial_as_decoded("ｶｰﾄﾞ-№1 é 😀"), "ｶｰﾄﾞ-№1 é 😀");
  EXPECT_EQ(serial_as_decoded("FACE-0001 (~!@#$%^&*)"), "FACE-0001 (~!@#$%^&*)");
}

TEST(DeviceStrings, ReplaceControlCharactersAndEscapeSequences) {
  EXPECT_EQ(serial_as_decoded("A\x1B[2J\x1B]0;pwned\x07Z"), "A?[2J?]0;pwned?Z");
  EXPECT_EQ(serial_as_decoded(std::string("a\0b\n\r\t\x7F", 7)), "a?b????");
}

TEST(DeviceStrings, ReplaceBrokenUtf8ByteByByte) {
  EXPECT_EQ(serial_as_decoded("\xFF\xFE"), "??");
  EXPECT_EQ(serial_as_decoded("\xC0\xAF"), "??");      // overlong '/'
  EXPECT_EQ(serial_as_decoded("x\x80y"), "x?y");       // lone continuation byte
  EXPECT_EQ(serial_as_decoded("ab\xE3\x81"), "ab??");  // cut in the middle of a character
  EXPECT_EQ(serial_as_decoded("\xE9\x41"), "?A");      // lead byte without continuation
}

TEST(DeviceStrings, SanitisesEveryStringOfInfo) {
  const auto info =
      decode_info(payload({u8(kProtocol, 1), u32(kFeatures, 1), str(kVendor, "v\x1B"),
                           str(kModel, "m\xFF"), str(kSerial, "s\n"), str(kFirmware, "f\x01")}));
  ASSERT_TRUE(info) << info.error().to_string();
  EXPECT_EQ(info->vendor, "v?");
  EXPECT_EQ(info->model, "m?");
  EXPECT_EQ(info->serial, "s?");
  EXPECT_EQ(info->firmware, "f?");
}

// Regression: printable() (driver/src/messages.cpp) checks only the lead byte's shape and the
// continuation bytes, so well-formed-looking sequences that RFC 3629 forbids pass through:
// UTF-16 surrogates, overlong 3- and 4-byte forms, code points above U+10FFFF and the lead
// bytes F5..F7. nlohmann::json's dump() throws on exactly these.
TEST(DeviceStrings, PrintableLetsSurrogatesOverlongsAndCodePointsAboveU10FFFFThrough) {
  for (const std::string_view bad :
       {"\xED\xA0\x80", "\xED\xBF\xBF", "\xE0\x80\xAF", "\xF0\x80\x80\xAF", "\xF4\x90\x80\x80",
        "\xF5\x80\x80\x80", "\xF7\xBF\xBF\xBF"}) {
    const std::string s = serial_as_decoded(bad);
    EXPECT_TRUE(printable_utf8(s)) << "input " << to_hex(Bytes(bad.begin(), bad.end()), true)
                                   << " came out as " << to_hex(Bytes(s.begin(), s.end()), true);
  }
}

// Regression: printable() replaces C0 controls and DEL, but lets the C1 controls U+0080..U+009F
// (C2 80..C2 9F) through; U+009B is CSI, U+009D OSC, which terminals that honour C1 obey like
// ESC [ and ESC ].
TEST(DeviceStrings, PrintableLetsC1ControlCharactersThrough) {
  for (const std::string_view bad : {"\xC2\x9B"
                                     "2J",
                                     "\xC2\x9D"
                                     "0;x\xC2\x9C",
                                     "\xC2\x85"}) {
    const std::string s = serial_as_decoded(bad);
    EXPECT_TRUE(printable_utf8(s)) << "input " << to_hex(Bytes(bad.begin(), bad.end()), true)
                                   << " came out as " << to_hex(Bytes(s.begin(), s.end()), true);
  }
}

// --- STATUS, session replies, NAK (§5.6, §4.3) ----------------------------------------------

TEST(DecodeStatus, ReadsStateCardAndSession) {
  const auto s = decode_status(payload({u8(kState, 4), u8(kCard, 1), u32(kSession, 77)}));
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(s->state, DeviceState::waiting_for_pin);
  EXPECT_TRUE(s->card);
  ASSERT_TRUE(s->session.has_value());
  EXPECT_EQ(*s->session, 77u);
}

TEST(DecodeStatus, IdleWithoutCardHasNoSession) {
  const auto s = decode_status(payload({u8(kState, 0), u8(kCard, 0)}));
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(s->state, DeviceState::idle);
  EXPECT_FALSE(s->card);
  EXPECT_FALSE(s->session.has_value());
}

TEST(DecodeStatus, RejectsAnUnknownStateAndAMissingState) {
  EXPECT_TRUE(decode_status(payload({u8(kState, 6)})));
  expect_protocol_error(decode_status(payload({u8(kState, 7)})));
  expect_protocol_error(decode_status(payload({u8(kCard, 1)})));
  expect_protocol_error(decode_status(payload({u8(kState, 1), u16(kSession, 1)})));
}

TEST(DecodeSessionReply, ReadsTheSessionOrFails) {
  const auto s = decode_session_reply(u32(kSession, 0xA1B2C3D4));
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(*s, 0xA1B2C3D4u);
  expect_protocol_error(decode_session_reply({}));
  expect_protocol_error(decode_session_reply(u8(kSession, 1)));
}

TEST(DecodeNak, ReadsTheErrorCode) {
  const auto n = decode_nak(u8(kError, 4));
  ASSERT_TRUE(n) << n.error().to_string();
  EXPECT_EQ(n->code, static_cast<std::uint8_t>(NakCode::busy));
  EXPECT_FALSE(n->expected.has_value());
  EXPECT_EQ(nak_name(n->code), "busy");
}

TEST(DecodeNak, BadSequenceCarriesTheExpectedNumber) {
  const auto n = decode_nak(payload({u8(kExpected, 200), u8(kError, 3)}));
  ASSERT_TRUE(n) << n.error().to_string();
  EXPECT_EQ(n->code, 3);
  ASSERT_TRUE(n->expected.has_value());
  EXPECT_EQ(*n->expected, 200);
}

TEST(DecodeNak, BadSequenceWithoutExpectedIsAProtocolError) {
  expect_protocol_error(decode_nak(u8(kError, 3)));
}

TEST(DecodeNak, KeepsACodeALaterVersionAdded) {
  const auto n = decode_nak(u8(kError, 42));
  ASSERT_TRUE(n) << n.error().to_string();
  EXPECT_EQ(n->code, 42);
  EXPECT_EQ(nak_name(42), "unknown");
}

TEST(DecodeNak, MissingErrorIsAProtocolError) {
  expect_protocol_error(decode_nak({}));
  expect_protocol_error(decode_nak(u8(kExpected, 1)));
}

// --- events (§6) ------------------------------------------------------------------------------

TEST(DecodeEvent, CardPlacedAndRemovedHaveNoPayload) {
  const auto placed = decode_event(event(MessageType::card_placed, {}));
  ASSERT_TRUE(placed) << placed.error().to_string();
  EXPECT_TRUE(std::holds_alternative<CardPlaced>(*placed));
  const auto removed = decode_event(event(MessageType::card_removed, {}));
  ASSERT_TRUE(removed) << removed.error().to_string();
  EXPECT_TRUE(std::holds_alternative<CardRemoved>(*removed));
}

TEST(DecodeEvent, FaceResult) {
  const auto e = decode_event(
      event(MessageType::face_result,
            payload({u32(kSession, 7), u8(kMatched, 1), u16(kScore, 870), u8(kAttempt, 2)})));
  ASSERT_TRUE(e) << e.error().to_string();
  const auto* f = std::get_if<FaceResult>(&*e);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->session, 7u);
  EXPECT_TRUE(f->matched);
  EXPECT_EQ(f->score, 870);
  EXPECT_EQ(f->attempt, 2);
  EXPECT_EQ(describe(*e), "face_result session=7 matched=1 score=870 attempt=2");
}

TEST(DecodeEvent, FaceResultScoreAbove1000IsRejected) {
  const auto at = [](std::uint16_t score) {
    return decode_event(
        event(MessageType::face_result,
              payload({u32(kSession, 7), u8(kMatched, 0), u16(kScore, score), u8(kAttempt, 1)})));
  };
  EXPECT_TRUE(at(1000));
  expect_protocol_error(at(1001));
  expect_protocol_error(at(0xFFFF));
}

TEST(DecodeEvent, FaceResultMatchedMustBeZeroOrOne) {
  const auto with = [](Bytes matched) {
    return decode_event(
        event(MessageType::face_result, payload({u32(kSession, 7), matched, u16(kScore, 10)})));
  };
  const auto zero = with(u8(kMatched, 0));
  ASSERT_TRUE(zero) << zero.error().to_string();
  EXPECT_FALSE(std::get<FaceResult>(*zero).matched);
  expect_protocol_error(with(u8(kMatched, 2)));
  expect_protocol_error(with({}));  // the decision itself missing
}

TEST(DecodeEvent, SessionEventsWithoutSessionAreRejected) {
  expect_protocol_error(decode_event(event(MessageType::face_result, payload({u8(kMatched, 1)}))));
  expect_protocol_error(
      decode_event(event(MessageType::visual_confirmation, payload({u8(kConfirmed, 1)}))));
  expect_protocol_error(decode_event(event(MessageType::pin_requested, payload({u8(kReason, 1)}))));
  expect_protocol_error(decode_event(event(MessageType::session_ended, payload({u8(kReason, 1)}))));
  expect_protocol_error(decode_event(
      event(MessageType::consent_answers, payload({rec(kAnswers, {0, 0, 0, 0, 0, 0})}))));
  expect_protocol_error(
      decode_event(event(MessageType::operator_cancel, payload({u8(kReason, 1)}))));
}

TEST(DecodeEvent, VisualConfirmation) {
  const auto yes = decode_event(
      event(MessageType::visual_confirmation, payload({u32(kSession, 3), u8(kConfirmed, 1)})));
  ASSERT_TRUE(yes) << yes.error().to_string();
  EXPECT_TRUE(std::get<VisualConfirmation>(*yes).confirmed);
  EXPECT_EQ(describe(*yes), "visual_confirmation session=3 confirmed=1");
  const auto no = decode_event(
      event(MessageType::visual_confirmation, payload({u32(kSession, 3), u8(kConfirmed, 0)})));
  ASSERT_TRUE(no) << no.error().to_string();
  EXPECT_FALSE(std::get<VisualConfirmation>(*no).confirmed);
  expect_protocol_error(decode_event(
      event(MessageType::visual_confirmation, payload({u32(kSession, 3), u8(kConfirmed, 2)}))));
}

TEST(DecodeEvent, PinRequested) {
  const auto e =
      decode_event(event(MessageType::pin_requested, payload({u32(kSession, 5), u8(kReason, 2)})));
  ASSERT_TRUE(e) << e.error().to_string();
  const auto& p = std::get<PinRequested>(*e);
  EXPECT_EQ(p.session, 5u);
  EXPECT_EQ(p.reason, static_cast<std::uint8_t>(PinReason::face_failed));
  EXPECT_EQ(describe(*e), "pin_requested session=5 reason=2");
}

TEST(DecodeEvent, ConsentAnswersInQuestionOrder) {
  const auto e =
      decode_event(event(MessageType::consent_answers,
                         payload({u32(kSession, 11), rec(kAnswers, {1, 2, 0, 3, 1, 2})})));
  ASSERT_TRUE(e) << e.error().to_string();
  const auto& c = std::get<ConsentAnswers>(*e);
  EXPECT_EQ(c.session, 11u);
  EXPECT_EQ(c.answer(ConsentQuestion::medication), ConsentAnswer::agreed);
  EXPECT_EQ(c.answer(ConsentQuestion::health_checkups), ConsentAnswer::declined);
  EXPECT_EQ(c.answer(ConsentQuestion::diagnosis), ConsentAnswer::not_asked);
  EXPECT_EQ(c.answer(ConsentQuestion::operations), ConsentAnswer::unanswered);
  EXPECT_EQ(c.answer(ConsentQuestion::limit_certificate), ConsentAnswer::agreed);
  EXPECT_EQ(c.answer(ConsentQuestion::specific_diseases), ConsentAnswer::declined);
  EXPECT_EQ(describe(*e),
            "consent_answers session=11 medication=agreed health_checkups=declined "
            "diagnosis=not_asked operations=unanswered limit_certificate=agreed "
            "specific_diseases=declined");
}

TEST(DecodeEvent, ConsentAnswerAbove3IsRejected) {
  for (std::size_t i = 0; i < kConsentQuestions; ++i) {
    Bytes answers(kConsentQuestions, 1);
    answers[i] = 4;
    expect_protocol_error(decode_event(
        event(MessageType::consent_answers, payload({u32(kSession, 1), rec(kAnswers, answers)}))));
  }
}

TEST(DecodeEvent, ConsentAnswersNeedSixBytes) {
  expect_protocol_error(decode_event(event(
      MessageType::consent_answers, payload({u32(kSession, 1), rec(kAnswers, {1, 1, 1, 1, 1})}))));
  expect_protocol_error(
      decode_event(event(MessageType::consent_answers,
                         payload({u32(kSession, 1), rec(kAnswers, {1, 1, 1, 1, 1, 1, 1})}))));
  expect_protocol_error(
      decode_event(event(MessageType::consent_answers, payload({u32(kSession, 1)}))));
}

TEST(DecodeEvent, OperatorCancel) {
  const auto e = decode_event(
      event(MessageType::operator_cancel, payload({u32(kSession, 4), u8(kReason, 2)})));
  ASSERT_TRUE(e) << e.error().to_string();
  EXPECT_EQ(std::get<OperatorCancel>(*e).by, static_cast<std::uint8_t>(CancelledBy::staff));
  EXPECT_EQ(describe(*e), "operator_cancel session=4 by=staff");
}

TEST(DecodeEvent, SessionEnded) {
  const auto e =
      decode_event(event(MessageType::session_ended, payload({u32(kSession, 4), u8(kReason, 6)})));
  ASSERT_TRUE(e) << e.error().to_string();
  const auto& s = std::get<SessionEnded>(*e);
  EXPECT_EQ(s.session, 4u);
  EXPECT_EQ(s.reason, static_cast<std::uint8_t>(SessionEnd::face_failed));
  EXPECT_EQ(describe(*e), "session_ended session=4 reason=face_failed");
  expect_protocol_error(
      decode_event(event(MessageType::session_ended, payload({u32(kSession, 4)}))));
}

TEST(DecodeEvent, DeviceErrorTextIsSanitised) {
  const auto e = decode_event(
      event(MessageType::device_error, payload({u8(kError, 1), str(kText, "カメラ\x1B[2J故障")})));
  ASSERT_TRUE(e) << e.error().to_string();
  const auto& d = std::get<DeviceError>(*e);
  EXPECT_EQ(d.kind, static_cast<std::uint8_t>(DeviceErrorKind::camera));
  EXPECT_EQ(d.text, "カメラ?[2J故障");
  EXPECT_EQ(describe(*e), "device_error kind=1 text=\"カメラ?[2J故障\"");
}

TEST(DecodeEvent, MalformedPayloadIsRejectedForEveryEventType) {
  const Bytes broken{kSession, 0x04, 0x01};  // runs past the end
  for (const auto type :
       {MessageType::card_placed, MessageType::card_removed, MessageType::face_result,
        MessageType::visual_confirmation, MessageType::pin_requested, MessageType::consent_answers,
        MessageType::operator_cancel, MessageType::session_ended, MessageType::device_error}) {
    expect_protocol_error(decode_event(event(type, broken)));
  }
}

TEST(DecodeEvent, RejectsTypesThatAreNotEvents) {
  const Bytes p = payload({u32(kSession, 1), u8(kReason, 1)});
  for (const std::uint8_t type : {0x01, 0x02, 0x81, 0x82, 0x86, 0xFF, 0x40, 0x49, 0x4D, 0x4F}) {
    Frame f = event(MessageType::session_ended, p);
    f.type = type;
    const auto e = decode_event(f);
    expect_protocol_error(e);
  }
}

TEST(Describe, SaysNoMoreThanTheFields) {
  EXPECT_EQ(describe(DeviceEvent{CardPlaced{}}), "card_placed");
  EXPECT_EQ(describe(DeviceEvent{CardRemoved{}}), "card_removed");
  FaceResult f;
  f.session = 1;
  f.score = 0;
  EXPECT_EQ(describe(DeviceEvent{f}), "face_result session=1 matched=0 score=0 attempt=0");
  OperatorCancel c;
  c.session = 2;
  c.by = 9;
  EXPECT_EQ(describe(DeviceEvent{c}), "operator_cancel session=2 by=unknown");
  SessionEnded s;
  s.session = 3;
  s.reason = 200;  // a later version's reason still describes
  EXPECT_EQ(describe(DeviceEvent{s}), "session_ended session=3 reason=unknown");
}

// --- names and ConsentSet -------------------------------------------------------------------

TEST(Names, MessageTypes) {
  EXPECT_EQ(message_type_name(0x01), "get_info");
  EXPECT_EQ(message_type_name(0x81), "info");
  EXPECT_EQ(message_type_name(0x87), "identity_noted");
  EXPECT_EQ(message_type_name(0xFF), "nak");
  EXPECT_EQ(message_type_name(0x43), "face_result");
  EXPECT_EQ(message_type_name(0x4E), "device_error");
  EXPECT_EQ(message_type_name(0x49), "unknown");
  EXPECT_EQ(message_type_name(0x00), "unknown");
}

TEST(Names, ModesStatesAndEnds) {
  EXPECT_EQ(session_mode_name(SessionMode::face_then_pin), "face_then_pin");
  EXPECT_EQ(feature_of(SessionMode::face), Feature::face);
  EXPECT_EQ(feature_of(SessionMode::pin), Feature::pin);
  EXPECT_EQ(feature_of(SessionMode::face_then_pin), Feature::face_then_pin);
  EXPECT_EQ(feature_of(SessionMode::visual), Feature::visual);
  EXPECT_EQ(device_state_name(DeviceState::asking_consents), "asking_consents");
  EXPECT_EQ(session_end_name(SessionEnd::device_error), "device_error");
  EXPECT_EQ(consent_question_name(ConsentQuestion::limit_certificate), "limit_certificate");
  EXPECT_EQ(consent_answer_name(ConsentAnswer::unanswered), "unanswered");
  for (std::uint8_t code = 1; code <= 8; ++code) EXPECT_NE(nak_name(code), "unknown") << +code;
}

TEST(ConsentSetTest, AddsAndTestsQuestionsAsBits) {
  ConsentSet s;
  EXPECT_TRUE(s.empty());
  s.add(ConsentQuestion::diagnosis).add(ConsentQuestion::specific_diseases);
  EXPECT_FALSE(s.empty());
  EXPECT_EQ(s.bits(), 0x24);
  EXPECT_TRUE(s.has(ConsentQuestion::diagnosis));
  EXPECT_FALSE(s.has(ConsentQuestion::medication));
  EXPECT_EQ(ConsentSet::all().bits(), 0x3F);
}

TEST(ConsentSetTest, DropsBitsBeyondTheSixQuestions) {
  // Bits 6 and 7 name no question (§5.3): a device would NAK unsupported_mode.
  EXPECT_EQ(ConsentSet(0xFF).bits(), 0x3F);
  EXPECT_TRUE(ConsentSet(0xC0).empty());
}

}  // namespace
}  // namespace onshi::driver
