// The vendor interface's device side: commands (PROTOCOL.md §5), sequence numbers and NAKs (§4),
// undecodable commands (§2.2), card events, the USB life cycle, and the injected faults.
#include "onshi/facesim/vendor_device.hpp"

#include <gtest/gtest.h>

#include "slot_test_support.hpp"
#include "vendor_test_support.hpp"

namespace onshi::facesim {
namespace {

using namespace testing;
using v::Nak;
using v::Tag;
using v::Type;

class VendorDeviceTest : public ::testing::Test {
 protected:
  static VendorConfig config() {
    VendorConfig c;
    c.serial = "FACE0042";
    c.step_delay = 50ms;
    return c;
  }
  std::optional<std::uint64_t> nak_code(const v::Frame& f) {
    EXPECT_EQ(f.type, type_of(Type::nak));
    return field(f, Tag::error);
  }

  VendorDevice device{config()};
  Host host{device, Clock::now()};
};

TEST_F(VendorDeviceTest, GetInfoGivesTheIdentityAndTheFeatures) {
  const auto info = host.open();
  EXPECT_EQ(info.type, reply_to(Type::get_info));
  EXPECT_EQ(info.seq, 0);
  EXPECT_EQ(field(info, Tag::protocol), 1U);
  EXPECT_EQ(field(info, Tag::features), 0x7FU);
  EXPECT_EQ(text_field(info, Tag::vendor), "onshi");
  EXPECT_EQ(text_field(info, Tag::model), "facesim");
  EXPECT_EQ(text_field(info, Tag::serial), "FACE0042");
  EXPECT_EQ(text_field(info, Tag::firmware), "1.0.0");
  device.set_features(0x7B);  // no mode 3
  EXPECT_EQ(field(host.command(Type::get_info, get_info_payload()), Tag::features), 0x7BU);
}

TEST_F(VendorDeviceTest, GetInfoWithoutACommonVersionOrItsTagsIsRefused) {
  const auto none = host.command(
      Type::get_info, v::TlvWriter().u8(Tag::protocol_min, 2).u8(Tag::protocol_max, 3).take());
  EXPECT_EQ(nak_code(none), v::raw(Nak::unsupported_mode));
  EXPECT_EQ(none.seq, 0);
  EXPECT_EQ(nak_code(host.command(Type::get_info, {})), v::raw(Nak::malformed));
  // A later host speaking 1..4 still gets 1.
  const auto wide = host.command(
      Type::get_info, v::TlvWriter().u8(Tag::protocol_min, 1).u8(Tag::protocol_max, 4).take());
  EXPECT_EQ(field(wide, Tag::protocol), 1U);
}

TEST_F(VendorDeviceTest, AFreshDeviceExpectsNumberZero) {
  const auto refused = host.command_with(5, Type::get_status, {});
  EXPECT_EQ(nak_code(refused), v::raw(Nak::bad_sequence));
  EXPECT_EQ(refused.seq, 5);
  EXPECT_EQ(field(refused, Tag::expected), 0U);
  // 255 is "the last number" of a fresh device, but it has no reply to replay.
  EXPECT_EQ(field(host.command_with(255, Type::get_status, {}), Tag::expected), 0U);
  EXPECT_EQ(host.command_with(0, Type::get_status, {}).type, reply_to(Type::get_status));
}

TEST_F(VendorDeviceTest, ARetransmissionIsAnsweredAgainNotActedOnAgain) {
  host.open();
  device.handle(v::encode_frame(Type::start_session, 1, start_payload(7, v::Mode::face)), host.now);
  const auto first = device.take_reply();
  // The reply was lost; the host sends the same command with the same number.
  device.handle(v::encode_frame(Type::start_session, 1, start_payload(7, v::Mode::face)), host.now);
  const auto second = device.take_reply();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(*first, *second);
  EXPECT_EQ(only_frame(*first).type, reply_to(Type::start_session));
  EXPECT_EQ(device.stats().sessions, 1U);
  EXPECT_EQ(device.stats().retransmissions, 1U);
  // One session runs: another START_SESSION is busy.
  host.seq = 2;
  EXPECT_EQ(nak_code(host.command(Type::start_session, start_payload(8, v::Mode::face))),
            v::raw(Nak::busy));
}

TEST_F(VendorDeviceTest, AnotherNumberIsABadSequenceAndNotExecuted) {
  host.open();
  EXPECT_EQ(host.command(Type::start_session, start_payload(7, v::Mode::face)).seq, 1);
  const auto refused = host.command_with(5, Type::cancel, session_payload(7));
  EXPECT_EQ(nak_code(refused), v::raw(Nak::bad_sequence));
  EXPECT_EQ(field(refused, Tag::expected), 2U);
  EXPECT_EQ(device.session_id(), 7U);  // still running
  // The host takes `expected` as its next number.
  EXPECT_EQ(host.command_with(2, Type::cancel, session_payload(7)).type, reply_to(Type::cancel));
  EXPECT_FALSE(device.session_id());
}

TEST_F(VendorDeviceTest, GetInfoAndResetTakeAnyNumberAndSetTheCount) {
  host.open();
  host.command(Type::get_status);
  EXPECT_EQ(host.command_with(200, Type::get_info, get_info_payload()).seq, 200);
  EXPECT_EQ(host.command_with(201, Type::get_status, {}).type, reply_to(Type::get_status));
  EXPECT_EQ(field(host.command_with(3, Type::get_status, {}), Tag::expected), 202U);
  // RESET with the number just used is executed, not replayed.
  EXPECT_EQ(host.command_with(201, Type::reset, {}).type, reply_to(Type::reset));
  EXPECT_EQ(host.command_with(202, Type::get_status, {}).type, reply_to(Type::get_status));
}

TEST_F(VendorDeviceTest, NumbersWrapAfter255) {
  host.command_with(254, Type::get_info, get_info_payload());
  EXPECT_EQ(host.command_with(255, Type::get_status, {}).type, reply_to(Type::get_status));
  EXPECT_EQ(host.command_with(0, Type::get_status, {}).type, reply_to(Type::get_status));
}

TEST_F(VendorDeviceTest, ResetEndsTheSessionAndClearsTheScreen) {
  device.card_placed(host.now);
  host.open();
  host.command(Type::start_session, start_payload(9, v::Mode::face));
  host.command(Type::show_message,
               v::TlvWriter().text(Tag::text, "wait").u16(Tag::seconds, 0).take());
  EXPECT_EQ(device.screen(), "wait");
  const auto r = host.command_with(77, Type::reset, {});
  EXPECT_EQ(r.type, reply_to(Type::reset));
  EXPECT_EQ(r.seq, 77);
  EXPECT_FALSE(device.screen());
  const auto events = host.events();
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].type, type_of(Type::session_ended));
  EXPECT_EQ(field(events[0], Tag::session), 9U);
  EXPECT_EQ(field(events[0], Tag::reason), v::raw(v::EndReason::reset));
  EXPECT_EQ(host.command_with(78, Type::get_status, {}).type, reply_to(Type::get_status));
}

TEST_F(VendorDeviceTest, AnUnknownTypeGetsUnknownTypeAndUsesItsNumber) {
  host.open();
  device.handle(v::encode_frame(0x30, 1, {}), host.now);
  const auto nak = host.reply();
  EXPECT_EQ(nak_code(nak), v::raw(Nak::unknown_type));
  EXPECT_EQ(nak.seq, 1);
  EXPECT_EQ(device.stats().unknown_type, 1U);
  // A reply or event type on bulk OUT is no command either (§3).
  EXPECT_EQ(nak_code(host.command_with(2, static_cast<Type>(0x81), {})), v::raw(Nak::unknown_type));
  EXPECT_EQ(nak_code(host.command_with(3, Type::face_result, {})), v::raw(Nak::unknown_type));
  EXPECT_EQ(device.stats().naks[v::raw(Nak::unknown_type)], 3U);
}

TEST_F(VendorDeviceTest, UnknownTagsAreIgnored) {
  host.open();
  Bytes payload = start_payload(5, v::Mode::face);
  for (const std::uint8_t b : {0x7E, 0x03, 0x01, 0x02, 0x03}) payload.push_back(b);
  EXPECT_EQ(host.command(Type::start_session, payload).type, reply_to(Type::start_session));
  // A tag known elsewhere but not to this command is unknown here.
  EXPECT_EQ(host.command(Type::get_status, v::TlvWriter().u8(Tag::session, 1).take()).type,
            reply_to(Type::get_status));
}

TEST_F(VendorDeviceTest, DuplicatedOrMisSizedKnownTagsAreMalformed) {
  host.open();
  Bytes twice = start_payload(5, v::Mode::face);
  const Bytes extra = v::TlvWriter().u32(Tag::session, 6).take();
  twice.insert(twice.end(), extra.begin(), extra.end());
  EXPECT_EQ(nak_code(host.command(Type::start_session, twice)), v::raw(Nak::malformed));
  EXPECT_EQ(nak_code(host.command(Type::start_session,
                                  v::TlvWriter().u32(Tag::session, 5).u16(Tag::mode, 1).take())),
            v::raw(Nak::malformed));
  EXPECT_EQ(nak_code(host.command(Type::start_session, hex("01 04 05 00"))),  // past the end
            v::raw(Nak::malformed));
  EXPECT_EQ(nak_code(host.command(Type::start_session, start_payload(0, v::Mode::face))),
            v::raw(Nak::malformed));  // session 0
  EXPECT_EQ(nak_code(host.command(Type::start_session,
                                  start_payload(5, v::Mode::face, 0, std::nullopt, 6))),
            v::raw(Nak::malformed));  // 6 attempts
  EXPECT_EQ(nak_code(host.command(Type::start_session, v::TlvWriter().u32(Tag::session, 5).take())),
            v::raw(Nak::malformed));  // no mode
  EXPECT_EQ(device.stats().malformed, 6U);
  EXPECT_FALSE(device.session_id());
}

TEST_F(VendorDeviceTest, ModesAndQuestionsOutsideTheFeaturesAreUnsupported) {
  device.set_features(0x7F & ~(1U << 2) & ~(1U << 4));  // no mode 3, no consents
  host.open();
  EXPECT_EQ(nak_code(host.command(Type::start_session, start_payload(5, v::Mode::face_then_pin))),
            v::raw(Nak::unsupported_mode));
  EXPECT_EQ(nak_code(host.command(Type::start_session, start_payload(5, static_cast<v::Mode>(9)))),
            v::raw(Nak::unsupported_mode));
  EXPECT_EQ(nak_code(host.command(Type::start_session, start_payload(5, v::Mode::face, 0x01))),
            v::raw(Nak::unsupported_mode));
  device.set_features(v::kAllFeatures);
  EXPECT_EQ(nak_code(host.command(Type::start_session, start_payload(5, v::Mode::face, 0x40))),
            v::raw(Nak::unsupported_mode));  // there is no seventh question
  EXPECT_EQ(host.command(Type::start_session, start_payload(5, v::Mode::face_then_pin, 0x3F)).type,
            reply_to(Type::start_session));
}

TEST_F(VendorDeviceTest, CancelNeedsTheRunningSessionsId) {
  host.open();
  EXPECT_EQ(nak_code(host.command(Type::cancel, session_payload(3))), v::raw(Nak::no_session));
  host.command(Type::start_session, start_payload(3, v::Mode::face));
  EXPECT_EQ(nak_code(host.command(Type::cancel, session_payload(4))), v::raw(Nak::no_session));
  const auto ok = host.command(Type::cancel, session_payload(3));
  EXPECT_EQ(ok.type, reply_to(Type::cancel));
  EXPECT_EQ(field(ok, Tag::session), 3U);
  const auto events = host.events();
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(field(events[0], Tag::reason), v::raw(v::EndReason::host_cancelled));
  EXPECT_EQ(nak_code(host.command(Type::cancel, session_payload(3))), v::raw(Nak::no_session));
}

TEST_F(VendorDeviceTest, ShowMessageShowsShortUtf8ForItsTime) {
  host.open();
  const auto shown =
      host.command(Type::show_message,
                   v::TlvWriter().text(Tag::text, "お待ちください").u16(Tag::seconds, 2).take());
  EXPECT_EQ(shown.type, reply_to(Type::show_message));
  EXPECT_TRUE(shown.payload.empty());
  EXPECT_EQ(device.screen(), "お待ちください");
  device.advance(host.now + 1999ms);
  EXPECT_TRUE(device.screen());
  device.advance(host.now + 2s);
  EXPECT_FALSE(device.screen());
  EXPECT_EQ(nak_code(host.command(
                Type::show_message,
                v::TlvWriter().text(Tag::text, std::string(65, 'x')).u16(Tag::seconds, 0).take())),
            v::raw(Nak::too_long));
  EXPECT_EQ(
      nak_code(host.command(Type::show_message,
                            v::TlvWriter().text(Tag::text, "\xC3").u16(Tag::seconds, 0).take())),
      v::raw(Nak::malformed));
  EXPECT_EQ(nak_code(host.command(Type::show_message, v::TlvWriter().text(Tag::text, "x").take())),
            v::raw(Nak::malformed));  // no seconds
  device.set_features(v::kAllFeatures & ~(1U << 5));
  EXPECT_EQ(nak_code(host.command(Type::show_message,
                                  v::TlvWriter().text(Tag::text, "x").u16(Tag::seconds, 0).take())),
            v::raw(Nak::unknown_type));
}

TEST_F(VendorDeviceTest, GetStatusTellsStateCardAndSession) {
  host.open();
  const auto idle = host.command(Type::get_status);
  EXPECT_EQ(field(idle, Tag::state), v::raw(v::State::idle));
  EXPECT_EQ(field(idle, Tag::card), 0U);
  EXPECT_FALSE(field(idle, Tag::session));
  host.command(Type::start_session, start_payload(11, v::Mode::face));
  const auto waiting = host.command(Type::get_status);
  EXPECT_EQ(field(waiting, Tag::state), v::raw(v::State::waiting_card));
  EXPECT_EQ(field(waiting, Tag::session), 11U);
  device.card_placed(host.now);
  const auto matching = host.command(Type::get_status);
  EXPECT_EQ(field(matching, Tag::state), v::raw(v::State::face_matching));
  EXPECT_EQ(field(matching, Tag::card), 1U);
}

TEST_F(VendorDeviceTest, IdentityResultBeforeAResultIsTheWrongState) {
  device.card_placed(host.now);
  host.open();
  host.command(Type::start_session, start_payload(12, v::Mode::face));
  EXPECT_EQ(nak_code(host.command(Type::identity_result, identity_payload(12, true))),
            v::raw(Nak::wrong_state));
  EXPECT_EQ(nak_code(host.command(Type::identity_result, identity_payload(13, true))),
            v::raw(Nak::no_session));
  EXPECT_EQ(nak_code(host.command(Type::identity_result,
                                  v::TlvWriter().u32(Tag::session, 12).u8(Tag::ok, 2).take())),
            v::raw(Nak::malformed));
  EXPECT_EQ(device.state(), v::State::face_matching);
}

TEST_F(VendorDeviceTest, SeveralCommandsInOneTransferGetOneReplyTransferEach) {
  Bytes both = v::encode_frame(Type::get_info, 0, get_info_payload());
  const Bytes status = v::encode_frame(Type::get_status, 1, {});
  both.insert(both.end(), status.begin(), status.end());
  device.handle(both, host.now);
  EXPECT_EQ(host.reply().type, reply_to(Type::get_info));
  EXPECT_EQ(host.reply().seq, 1);
  EXPECT_FALSE(device.take_reply());
}

TEST_F(VendorDeviceTest, ACommandThatIsNoFrameIsNotAnswered) {
  host.open();
  const auto& decode = device.stats().decode;
  Bytes bad = v::encode_frame(Type::start_session, 1, start_payload(5, v::Mode::face));
  bad[10] ^= 0x10;
  device.handle(bad, host.now);
  EXPECT_EQ(decode.bad_crc, 1U);
  device.handle(hex("4F 46 01 02"), host.now);
  EXPECT_EQ(decode.truncated, 1U);
  const auto garbage_before = decode.garbage_bytes;
  device.handle(hex("00 11 22"), host.now);
  EXPECT_EQ(decode.garbage_bytes, garbage_before + 3);
  device.handle(hex("4F 46 01 06 01 00 F5 03 00 00 00 00"), host.now);  // 1013 bytes announced
  EXPECT_EQ(decode.oversized, 1U);
  Bytes v2 = v::encode_frame(Type::get_status, 1, {});
  v2[2] = 2;
  const std::uint32_t crc = v::crc32(ByteView(v2).first(8));
  for (int i = 0; i < 4; ++i) v2[8 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
  device.handle(v2, host.now);
  EXPECT_EQ(decode.bad_version, 1U);
  EXPECT_FALSE(device.take_reply());
  EXPECT_FALSE(device.session_id());
  EXPECT_EQ(device.stats().frames_in, 1U);  // the GET_INFO only
  // The count did not move: number 1 is still the next one.
  EXPECT_EQ(host.command_with(1, Type::get_status, {}).type, reply_to(Type::get_status));
}

TEST_F(VendorDeviceTest, CardEventsOnlyWhileAHostListens) {
  device.card_placed(host.now);
  EXPECT_FALSE(device.take_event(host.now));
  device.set_host_listening(true);
  device.card_removed(host.now);
  device.card_placed(host.now);
  const auto events = host.events();
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0].type, type_of(Type::card_removed));
  EXPECT_EQ(events[0].seq, 0);
  EXPECT_EQ(events[1].type, type_of(Type::card_placed));
  EXPECT_EQ(events[1].seq, 1);
  EXPECT_TRUE(events[1].payload.empty());
  device.set_features(v::kAllFeatures & ~(1U << 6));  // no card events
  device.card_removed(host.now);
  EXPECT_FALSE(device.take_event(host.now));
}

TEST_F(VendorDeviceTest, TheEventQueueKeepsTheNewest) {
  VendorConfig c = config();
  c.queue_limit = 4;
  VendorDevice small(c);
  small.set_host_listening(true);
  for (int i = 0; i < 3; ++i) {
    small.card_placed(host.now);
    small.card_removed(host.now);
  }
  EXPECT_EQ(small.stats().events_overflowed, 2U);
  const auto first = small.take_event(host.now);
  ASSERT_TRUE(first);
  EXPECT_EQ(only_frame(*first).seq, 2);  // 0 and 1 were dropped: the host sees the gap
}

TEST_F(VendorDeviceTest, AnUnplugForgetsEverythingButTheScript) {
  device.card_placed(host.now);
  device.set_host_listening(true);
  host.open();
  host.command(Type::start_session, start_payload(5, v::Mode::face));
  device.push_face({FaceOutcome::Kind::match, 900}, host.now);
  device.handle(v::encode_frame(Type::get_status, 2, {}), host.now);
  device.inject_event_bytes(hex("AA"), host.now);
  device.unplugged();
  EXPECT_FALSE(device.take_reply());
  EXPECT_FALSE(device.take_event(host.now + 1h));
  EXPECT_FALSE(device.session_id());
  EXPECT_FALSE(device.host_listening());
  device.plugged(true);
  // Fresh numbering: 3 is no longer the next command's number.
  EXPECT_EQ(field(host.command_with(3, Type::get_status, {}), Tag::expected), 0U);
  EXPECT_EQ(device.script().faces.size(), 1U);
  EXPECT_TRUE(device.card_present());
}

// --- faults ---

TEST_F(VendorDeviceTest, ADroppedReplyIsReplayedOnTheRetransmission) {
  device.card_placed(host.now);
  host.open();
  device.drop_replies(1);
  const Bytes start = v::encode_frame(Type::start_session, 1, start_payload(21, v::Mode::face));
  device.handle(start, host.now);
  EXPECT_FALSE(device.take_reply());  // the host times out (§4.2)...
  device.handle(start, host.now);     // ...and sends the same command with the same number
  const auto r = host.reply();
  EXPECT_EQ(r.type, reply_to(Type::start_session));
  EXPECT_EQ(field(r, Tag::session), 21U);
  EXPECT_EQ(device.stats().sessions, 1U);
  EXPECT_EQ(device.stats().replies_dropped, 1U);
}

TEST_F(VendorDeviceTest, SeveralDroppedRepliesLeaveResetAsTheWayOut) {
  host.open();
  device.drop_replies(2);
  const Bytes status = v::encode_frame(Type::get_status, 1, {});
  device.handle(status, host.now);
  device.handle(status, host.now);
  EXPECT_FALSE(device.take_reply());
  EXPECT_EQ(host.command_with(1, Type::reset, {}).type, reply_to(Type::reset));
}

TEST_F(VendorDeviceTest, ACorruptedReplyHasABadCrcAndTheReplayIsRight) {
  host.open();
  device.corrupt_replies(1);
  const Bytes status = v::encode_frame(Type::get_status, 1, {});
  device.handle(status, host.now);
  const auto corrupted = device.take_reply();
  ASSERT_TRUE(corrupted);
  v::DecodeStats stats;
  EXPECT_TRUE(v::decode_transfer(*corrupted, stats).empty());
  EXPECT_EQ(stats.bad_crc, 1U);
  device.handle(status, host.now);
  EXPECT_EQ(host.reply().type, reply_to(Type::get_status));
  EXPECT_EQ(device.stats().replies_corrupted, 1U);
}

TEST_F(VendorDeviceTest, InjectedBytesGoAsTheirOwnTransferInOrder) {
  host.open();
  device.handle(v::encode_frame(Type::get_status, 1, {}), host.now);
  device.inject_reply_bytes(hex("DE AD BE EF"));
  device.handle(v::encode_frame(Type::get_status, 2, {}), host.now);
  EXPECT_EQ(host.reply().seq, 1);
  EXPECT_EQ(to_hex(device.take_reply().value_or(Bytes{})), "DEADBEEF");
  EXPECT_EQ(host.reply().seq, 2);
  device.inject_event_bytes(hex("AA BB CC"), host.now);
  EXPECT_EQ(to_hex(device.take_event(host.now).value_or(Bytes{})), "AABBCC");
}

TEST_F(VendorDeviceTest, ADroppedEventLeavesAGap) {
  device.set_host_listening(true);
  device.drop_events(1);
  device.card_placed(host.now);
  device.card_removed(host.now);
  const auto events = host.events();
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].type, type_of(Type::card_removed));
  EXPECT_EQ(events[0].seq, 1);  // number 0 was spent on the lost one
  EXPECT_EQ(device.stats().events_dropped, 1U);
  device.drop_replies(3);
  device.clear_faults();
  EXPECT_EQ(host.open().type, reply_to(Type::get_info));
}

}  // namespace
}  // namespace onshi::facesim
