// A face session on the device (PROTOCOL.md §7, 目視確認 included), through the commands and the
// events a host sees: timed steps, every mode, consents, and every way a session ends.
#include <gtest/gtest.h>

#include "onshi/facesim/vendor_device.hpp"
#include "vendor_test_support.hpp"

namespace onshi::facesim {
namespace {

using namespace testing;
using v::EndReason;
using v::Mode;
using v::Tag;
using v::Type;

class VendorSessionTest : public ::testing::Test {
 protected:
  VendorSessionTest() {
    device.set_host_listening(true);
    device.card_placed(host.now);
    (void)host.events();  // the CARD_PLACED
    host.open();
  }
  static VendorConfig config() {
    VendorConfig c;
    c.step_delay = 50ms;
    return c;
  }
  void start(std::uint32_t id, Mode mode, std::uint8_t consents = 0,
             std::optional<std::uint16_t> timeout = std::nullopt,
             std::optional<std::uint8_t> attempts = std::nullopt) {
    const auto r =
        host.command(Type::start_session, start_payload(id, mode, consents, timeout, attempts));
    ASSERT_EQ(r.type, reply_to(Type::start_session));
    ASSERT_EQ(field(r, Tag::session), id);
  }
  v::Frame identity(std::uint32_t id, bool ok) {
    return host.command(Type::identity_result, identity_payload(id, ok));
  }
  std::uint64_t status_state() {
    return field(host.command(Type::get_status), Tag::state).value_or(99);
  }
  void match(std::uint16_t score = 870) {
    device.push_face({FaceOutcome::Kind::match, score}, host.now);
  }
  void mismatch(std::uint16_t score = 210) {
    device.push_face({FaceOutcome::Kind::mismatch, score}, host.now);
  }

  VendorDevice device{config()};
  Host host{device, Clock::now()};
};

TEST_F(VendorSessionTest, AFaceSessionRunsStepByStepInTime) {
  const auto t0 = host.now;
  match(912);
  start(0xA1B2C3D4, Mode::face);
  EXPECT_TRUE(host.events().empty());  // the camera takes its time
  EXPECT_EQ(device.next_event_due(), t0 + 50ms);
  host.now = t0 + 49ms;
  EXPECT_TRUE(host.events().empty());
  host.now = t0 + 50ms;
  const auto face = host.events();
  ASSERT_EQ(face.size(), 1U);
  EXPECT_EQ(face[0].type, type_of(Type::face_result));
  EXPECT_EQ(face[0].seq, 1);  // after the CARD_PLACED: the events' own numbering
  EXPECT_EQ(field(face[0], Tag::session), 0xA1B2C3D4U);
  EXPECT_EQ(field(face[0], Tag::matched), 1U);
  EXPECT_EQ(field(face[0], Tag::score), 912U);
  EXPECT_EQ(field(face[0], Tag::attempt), 1U);
  EXPECT_EQ(status_state(), v::raw(v::State::waiting_identity));
  // Nothing more until the host has verified the card.
  EXPECT_EQ(device.next_event_due(), t0 + 120s);  // only the timeout is left
  const auto r = identity(0xA1B2C3D4, true);
  EXPECT_EQ(r.type, reply_to(Type::identity_result));
  const auto end = host.events();
  ASSERT_EQ(end.size(), 1U);
  EXPECT_EQ(end[0].type, type_of(Type::session_ended));
  EXPECT_EQ(end[0].seq, 2);
  EXPECT_EQ(field(end[0], Tag::reason), v::raw(EndReason::completed));
  EXPECT_EQ(status_state(), v::raw(v::State::idle));
  EXPECT_FALSE(device.next_event_due());
  EXPECT_TRUE(device.script().faces.empty());
}

TEST_F(VendorSessionTest, WithoutACardTheSessionWaitsForOne) {
  device.card_removed(host.now);
  (void)host.events();
  match();
  start(1, Mode::face);
  host.now += 1s;
  EXPECT_TRUE(host.events().empty());
  EXPECT_EQ(status_state(), v::raw(v::State::waiting_card));
  device.card_placed(host.now);
  EXPECT_EQ(host.event_types(), types({Type::card_placed}));
  host.now += 50ms;
  EXPECT_EQ(host.event_types(), types({Type::face_result}));
}

TEST_F(VendorSessionTest, NobodyInFrontOfTheCameraRunsIntoTheTimeout) {
  const auto t0 = host.now;
  start(2, Mode::face, 0, 3);
  EXPECT_EQ(device.next_event_due(), t0 + 3s);
  host.now = t0 + 2999ms;
  EXPECT_TRUE(host.events().empty());
  EXPECT_EQ(status_state(), v::raw(v::State::face_matching));
  host.now = t0 + 3s;
  const auto events = host.events();
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(field(events[0], Tag::reason), v::raw(EndReason::timeout));
  EXPECT_FALSE(device.session_id());
}

TEST_F(VendorSessionTest, AFaceQueuedLaterIsMatchedAStepLater) {
  start(3, Mode::face);
  host.now += 10s;
  EXPECT_TRUE(host.events().empty());
  match();
  EXPECT_EQ(device.next_event_due(), host.now + 50ms);
  host.now += 50ms;
  EXPECT_EQ(host.event_types(), types({Type::face_result}));
}

TEST_F(VendorSessionTest, TheTimeoutComesBeforeAStepDueAfterIt) {
  device.set_step_delay(2s);
  match();
  start(4, Mode::face, 0, 1);
  host.now += 5s;
  const auto events = host.events();
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(field(events[0], Tag::reason), v::raw(EndReason::timeout));
  EXPECT_EQ(device.script().faces.size(), 1U);  // never looked at
}

TEST_F(VendorSessionTest, Mode3FallsBackToThePinAfterEveryAttemptFailed) {
  for (int i = 0; i < 3; ++i) mismatch(static_cast<std::uint16_t>(100 + i));
  start(5, Mode::face_then_pin, 0, std::nullopt, 3);
  host.now += 1s;
  const auto events = host.events();
  ASSERT_EQ(events.size(), 4U);
  for (std::uint8_t i = 0; i < 3; ++i) {
    EXPECT_EQ(events[i].type, type_of(Type::face_result));
    EXPECT_EQ(field(events[i], Tag::matched), 0U);
    EXPECT_EQ(field(events[i], Tag::attempt), i + 1U);
    EXPECT_EQ(field(events[i], Tag::score), 100U + i);
  }
  EXPECT_EQ(events[3].type, type_of(Type::pin_requested));
  EXPECT_EQ(field(events[3], Tag::reason), v::raw(v::PinReason::face_failed));
  EXPECT_EQ(status_state(), v::raw(v::State::waiting_pin));
  // The host runs secure PIN entry through the slot, then tells the reader.
  EXPECT_EQ(identity(5, true).type, reply_to(Type::identity_result));
  const auto end = host.events();
  ASSERT_EQ(end.size(), 1U);
  EXPECT_EQ(field(end[0], Tag::reason), v::raw(EndReason::completed));
}

TEST_F(VendorSessionTest, Mode1EndsFaceFailedWhenEveryAttemptFailed) {
  mismatch();
  mismatch();
  match();  // for a later session: two attempts only
  start(6, Mode::face, 0, std::nullopt, 2);
  host.now += 1s;
  EXPECT_EQ(host.event_types(), types({Type::face_result, Type::face_result, Type::session_ended}));
  EXPECT_EQ(device.script().faces.size(), 1U);
  EXPECT_FALSE(device.session_id());
}

TEST_F(VendorSessionTest, AMatchAfterAMismatchEndsTheAttempts) {
  mismatch();
  match();
  start(7, Mode::face_then_pin);
  host.now += 1s;
  const auto events = host.events();
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(field(events[1], Tag::matched), 1U);
  EXPECT_EQ(field(events[1], Tag::attempt), 2U);
  EXPECT_EQ(status_state(), v::raw(v::State::waiting_identity));
}

TEST_F(VendorSessionTest, ThePatientMayChooseThePinInMode3) {
  device.push_face({FaceOutcome::Kind::choose_pin, 0}, host.now);
  start(8, Mode::face_then_pin);
  host.now += 50ms;
  const auto events = host.events();
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].type, type_of(Type::pin_requested));
  EXPECT_EQ(field(events[0], Tag::reason), v::raw(v::PinReason::patient_chose_pin));
}

TEST_F(VendorSessionTest, Mode2AsksForThePinAtOnce) {
  start(9, Mode::pin);
  host.now += 50ms;
  const auto events = host.events();
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].type, type_of(Type::pin_requested));
  EXPECT_EQ(field(events[0], Tag::reason), v::raw(v::PinReason::mode_is_pin));
  EXPECT_EQ(identity(9, false).type, reply_to(Type::identity_result));
  const auto end = host.events();
  ASSERT_EQ(end.size(), 1U);
  EXPECT_EQ(field(end[0], Tag::reason), v::raw(EndReason::identity_failed));
}

TEST_F(VendorSessionTest, StaffConfirmOrRejectInVisualConfirmation) {
  device.push_staff(StaffOutcome::confirm, host.now);
  device.push_staff(StaffOutcome::reject, host.now);
  start(10, Mode::visual_confirmation);
  EXPECT_EQ(status_state(), v::raw(v::State::waiting_staff));
  host.now += 50ms;
  const auto confirmed = host.events();
  ASSERT_EQ(confirmed.size(), 1U);
  EXPECT_EQ(confirmed[0].type, type_of(Type::visual_confirmation));
  EXPECT_EQ(field(confirmed[0], Tag::confirmed), 1U);
  EXPECT_EQ(status_state(), v::raw(v::State::waiting_identity));
  identity(10, true);
  EXPECT_EQ(host.event_types(), types({Type::session_ended}));

  start(11, Mode::visual_confirmation);
  host.now += 50ms;
  const auto rejected = host.events();
  ASSERT_EQ(rejected.size(), 2U);
  EXPECT_EQ(field(rejected[0], Tag::confirmed), 0U);
  EXPECT_EQ(field(rejected[1], Tag::reason), v::raw(EndReason::staff_rejected));
}

TEST_F(VendorSessionTest, ConsentAnswersOnlyForTheQuestionsAsked) {
  using A = v::Answer;
  device.push_consents({A::agreed, A::declined, A::agreed, A::not_answered, A::agreed, A::declined},
                       host.now);
  match();
  start(12, Mode::face, 0b011101);  // questions 0, 2, 3, 4
  host.now += 50ms;
  (void)host.events();
  identity(12, true);
  EXPECT_EQ(status_state(), v::raw(v::State::asking_consents));
  host.now += 50ms;
  const auto events = host.events();
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0].type, type_of(Type::consent_answers));
  EXPECT_EQ(field(events[0], Tag::session), 12U);
  EXPECT_EQ(to_hex(records(events[0].payload).at(v::raw(Tag::answers))), "010001030100");
  EXPECT_EQ(field(events[1], Tag::reason), v::raw(EndReason::completed));
}

TEST_F(VendorSessionTest, UnansweredConsentsAreReportedAsNotAnswered) {
  match();
  start(13, Mode::face, 0b000011);
  host.now += 50ms;
  (void)host.events();
  identity(13, true);
  host.now += 50ms;
  const auto events = host.events();
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(to_hex(records(events[0].payload).at(v::raw(Tag::answers))), "030300000000");
}

TEST_F(VendorSessionTest, AnOperatorCancelEndsTheSession) {
  start(14, Mode::face);
  EXPECT_TRUE(device.operator_cancel(v::CancelledBy::staff, host.now));
  const auto events = host.events();
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0].type, type_of(Type::operator_cancel));
  EXPECT_EQ(field(events[0], Tag::reason), v::raw(v::CancelledBy::staff));
  EXPECT_EQ(field(events[1], Tag::reason), v::raw(EndReason::operator_cancelled));
  EXPECT_FALSE(device.operator_cancel(v::CancelledBy::patient, host.now));  // no session now
}

TEST_F(VendorSessionTest, ACardTakenAwayEndsTheSession) {
  start(15, Mode::face);
  device.card_removed(host.now);
  const auto events = host.events();
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0].type, type_of(Type::card_removed));
  EXPECT_EQ(field(events[1], Tag::session), 15U);
  EXPECT_EQ(field(events[1], Tag::reason), v::raw(EndReason::card_removed));
}

TEST_F(VendorSessionTest, ADeviceErrorEndsTheSession) {
  start(16, Mode::face);
  device.device_error(v::DeviceError::camera, host.now);
  const auto events = host.events();
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0].type, type_of(Type::device_error));
  EXPECT_EQ(field(events[0], Tag::error), v::raw(v::DeviceError::camera));
  EXPECT_EQ(text_field(events[0], Tag::text), "camera failure");
  EXPECT_EQ(field(events[1], Tag::reason), v::raw(EndReason::device_error));
}

TEST_F(VendorSessionTest, SessionsFollowOneAnotherNeverInterleaved) {
  match();
  start(17, Mode::face);
  host.now += 50ms;
  host.command(Type::cancel, session_payload(17));
  start(18, Mode::pin);
  host.now += 50ms;
  std::vector<std::uint64_t> sessions;
  for (const auto& e : host.events()) sessions.push_back(field(e, Tag::session).value_or(0));
  EXPECT_EQ(sessions, (std::vector<std::uint64_t>{17, 17, 18}));
}

}  // namespace
}  // namespace onshi::facesim
