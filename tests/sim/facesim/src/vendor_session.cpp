#include "onshi/facesim/vendor_session.hpp"

#include <algorithm>

#include "onshi/facesim/vendor_tlv.hpp"

namespace onshi::facesim {

using vendor::EndReason;
using vendor::Mode;
using vendor::Tag;
using vendor::Type;

FaceSession::FaceSession(const SessionRequest& request, Clock::time_point now, bool card_present,
                         const PatientScript& script)
    : request_(request), deadline_(now + request.timeout) {
  // §7: waiting for a card, skipped if a card is there.
  if (card_present) enter(first_phase(), now, script);
}

vendor::State FaceSession::state() const noexcept {
  using vendor::State;
  if (ended_) return State::idle;
  switch (phase_) {
    case Phase::waiting_card:
      return State::waiting_card;
    case Phase::face_matching:
      return State::face_matching;
    case Phase::waiting_staff:
      return State::waiting_staff;
    case Phase::pin_prompt:
    case Phase::waiting_pin:
      return State::waiting_pin;
    case Phase::waiting_identity:
      return State::waiting_identity;
    case Phase::asking_consents:
      return State::asking_consents;
  }
  return State::idle;
}

FaceSession::Phase FaceSession::first_phase() const {
  switch (request_.mode) {
    case Mode::pin:
      return Phase::pin_prompt;
    case Mode::visual_confirmation:
      return Phase::waiting_staff;
    case Mode::face:
    case Mode::face_then_pin:
      break;
  }
  return Phase::face_matching;
}

bool FaceSession::has_input(const PatientScript& script) const {
  switch (phase_) {
    case Phase::face_matching:
      return !script.faces.empty();
    case Phase::waiting_staff:
      return !script.staff.empty();
    case Phase::pin_prompt:
    case Phase::asking_consents:
      return true;
    case Phase::waiting_card:
    case Phase::waiting_pin:
    case Phase::waiting_identity:
      break;
  }
  return false;
}

// A step is only scheduled when it will happen, so next_due() never names a time that brings
// no event.
void FaceSession::enter(Phase phase, Clock::time_point at, const PatientScript& script) {
  phase_ = phase;
  next_step_.reset();
  if (has_input(script)) next_step_ = at + script.step_delay;
}

std::optional<Clock::time_point> FaceSession::next_due() const {
  if (ended_) return std::nullopt;
  if (next_step_ && *next_step_ < deadline_) return next_step_;
  return deadline_;
}

void FaceSession::advance(Clock::time_point now, PatientScript& script, EventSink& out) {
  while (!ended_) {
    if (next_step_ && *next_step_ < deadline_ && *next_step_ <= now) {
      const Clock::time_point at = *next_step_;
      next_step_.reset();
      step(at, script, out);
    } else if (deadline_ <= now) {
      end(EndReason::timeout, deadline_, out);  // §7: the timeout runs from START_SESSION
    } else {
      break;
    }
  }
}

void FaceSession::script_changed(Clock::time_point now, const PatientScript& script) {
  if (!ended_ && !next_step_ && has_input(script)) next_step_ = now + script.step_delay;
}

void FaceSession::card_placed(Clock::time_point now, const PatientScript& script) {
  if (!ended_ && phase_ == Phase::waiting_card) enter(first_phase(), now, script);
}

void FaceSession::card_removed(Clock::time_point now, EventSink& out) {
  if (!ended_ && phase_ != Phase::waiting_card) end(EndReason::card_removed, now, out);
}

bool FaceSession::identity_result(bool ok, Clock::time_point now, const PatientScript& script,
                                  EventSink& out) {
  if (ended_ || (phase_ != Phase::waiting_pin && phase_ != Phase::waiting_identity)) return false;
  if (!ok) {
    end(EndReason::identity_failed, now, out);
  } else if (request_.consents != 0) {
    enter(Phase::asking_consents, now, script);
  } else {
    end(EndReason::completed, now, out);
  }
  return true;
}

void FaceSession::operator_cancel(vendor::CancelledBy by, Clock::time_point now, EventSink& out) {
  if (ended_) return;
  emit(Type::operator_cancel,
       vendor::TlvWriter().u32(Tag::session, id()).u8(Tag::reason, vendor::raw(by)).take(), now,
       out);
  end(EndReason::operator_cancelled, now, out);
}

void FaceSession::end(EndReason reason, Clock::time_point at, EventSink& out) {
  if (ended_) return;
  emit(Type::session_ended,
       vendor::TlvWriter().u32(Tag::session, id()).u8(Tag::reason, vendor::raw(reason)).take(), at,
       out);
  ended_ = true;
  next_step_.reset();
}

void FaceSession::emit(Type type, Bytes payload, Clock::time_point at, EventSink& out) const {
  out.push_back({type, std::move(payload), at});
}

void FaceSession::step(Clock::time_point at, PatientScript& script, EventSink& out) {
  switch (phase_) {
    case Phase::face_matching:
      return face_attempt(at, script, out);
    case Phase::waiting_staff: {
      const StaffOutcome outcome = script.staff.front();
      script.staff.pop_front();
      const bool confirmed = outcome == StaffOutcome::confirm;
      emit(Type::visual_confirmation,
           vendor::TlvWriter().u32(Tag::session, id()).u8(Tag::confirmed, confirmed).take(), at,
           out);
      if (confirmed) return enter(Phase::waiting_identity, at, script);
      return end(EndReason::staff_rejected, at, out);
    }
    case Phase::pin_prompt:
      emit(Type::pin_requested,
           vendor::TlvWriter()
               .u32(Tag::session, id())
               .u8(Tag::reason, vendor::raw(vendor::PinReason::mode_is_pin))
               .take(),
           at, out);
      return enter(Phase::waiting_pin, at, script);
    case Phase::asking_consents: {
      ConsentAnswers answers;
      answers.fill(vendor::Answer::not_answered);
      if (!script.consents.empty()) {
        answers = script.consents.front();
        script.consents.pop_front();
      }
      Bytes bytes(vendor::kConsentQuestions);
      for (std::size_t n = 0; n < vendor::kConsentQuestions; ++n) {
        // §5.3: a question the host did not ask is 0, whatever the patient would have said.
        const bool asked = (request_.consents >> n) & 1;
        bytes[n] = asked ? vendor::raw(answers[n]) : vendor::raw(vendor::Answer::not_asked);
      }
      emit(Type::consent_answers,
           vendor::TlvWriter().u32(Tag::session, id()).bytes(Tag::answers, bytes).take(), at, out);
      return end(EndReason::completed, at, out);
    }
    case Phase::waiting_card:
    case Phase::waiting_pin:
    case Phase::waiting_identity:
      return;  // nothing of the reader's own to do: never scheduled
  }
}

void FaceSession::face_attempt(Clock::time_point at, PatientScript& script, EventSink& out) {
  FaceOutcome outcome = script.faces.front();
  script.faces.pop_front();
  const bool fallback = request_.mode == Mode::face_then_pin;
  if (outcome.kind == FaceOutcome::Kind::choose_pin) {
    if (fallback) {
      emit(Type::pin_requested,
           vendor::TlvWriter()
               .u32(Tag::session, id())
               .u8(Tag::reason, vendor::raw(vendor::PinReason::patient_chose_pin))
               .take(),
           at, out);
      return enter(Phase::waiting_pin, at, script);
    }
    // Mode 1 offers no PIN button: the attempt just fails.
    outcome = {FaceOutcome::Kind::mismatch, 0};
  }
  ++attempt_;
  const bool matched = outcome.kind == FaceOutcome::Kind::match;
  emit(Type::face_result,
       vendor::TlvWriter()
           .u32(Tag::session, id())
           .u8(Tag::matched, matched)
           .u16(Tag::score, std::min<std::uint16_t>(outcome.score, 1000))
           .u8(Tag::attempt, attempt_)
           .take(),
       at, out);
  if (matched) return enter(Phase::waiting_identity, at, script);
  if (attempt_ < request_.face_attempts) return enter(Phase::face_matching, at, script);
  if (!fallback) return end(EndReason::face_failed, at, out);
  emit(Type::pin_requested,
       vendor::TlvWriter()
           .u32(Tag::session, id())
           .u8(Tag::reason, vendor::raw(vendor::PinReason::face_failed))
           .take(),
       at, out);
  enter(Phase::waiting_pin, at, script);
}

}  // namespace onshi::facesim
