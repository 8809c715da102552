// One face session as the reader runs it (driver/PROTOCOL.md §7): waiting for a card, face
// matching, staff confirmation, the PIN request, the host's identity result, the consent
// questions, and every way it ends. What the patient and the staff do comes from a script (the
// control channel's `face`, `staff`, `consent`); each step waits the script's delay. The
// session says what happened as events; the VendorDevice numbers and sends them.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "onshi/bytes.hpp"
#include "onshi/facesim/ccid_slot.hpp"
#include "onshi/facesim/vendor_protocol.hpp"

namespace onshi::facesim {

// What the patient does at the next face attempt.
struct FaceOutcome {
  enum class Kind { match, mismatch, choose_pin } kind = Kind::match;
  std::uint16_t score = 870;  // §6.3: 0..1000
};

enum class StaffOutcome { confirm, reject };

// §5.3: one answer per question, in its order (1 agreed, 2 declined, 3 not answered).
using ConsentAnswers = std::array<vendor::Answer, vendor::kConsentQuestions>;

// The people in front of the reader, scripted. Nothing queued where an input is wanted means
// nobody acts: the session waits (into its timeout) — except the consent screen, which answers
// "not answered" (3) for every question when no answers are queued.
struct PatientScript {
  std::deque<FaceOutcome> faces;  // one per attempt
  std::deque<StaffOutcome> staff;
  std::deque<ConsentAnswers> consents;
  std::chrono::milliseconds step_delay{50};  // between one step of the session and the next
};

// START_SESSION's fields, checked (§5.2).
struct SessionRequest {
  std::uint32_t id = 0;
  vendor::Mode mode = vendor::Mode::face;
  std::uint8_t consents = 0;  // §5.3 bit set
  std::chrono::seconds timeout{vendor::kDefaultTimeoutSeconds};
  std::uint8_t face_attempts = vendor::kDefaultFaceAttempts;
};

// One event before numbering: its type, its payload, and when it happened.
struct SessionEvent {
  vendor::Type type = vendor::Type::session_ended;
  Bytes payload;
  Clock::time_point at;
};
using EventSink = std::vector<SessionEvent>;

class FaceSession {
 public:
  FaceSession(const SessionRequest& request, Clock::time_point now, bool card_present,
              const PatientScript& script);

  std::uint32_t id() const noexcept { return request_.id; }
  const SessionRequest& request() const noexcept { return request_; }
  vendor::State state() const noexcept;  // §5.6
  // After SESSION_ENDED, the last event of every session (§6.8).
  bool ended() const noexcept { return ended_; }
  // When the next step or the timeout falls due (every one of them produces an event).
  std::optional<Clock::time_point> next_due() const;

  // Every step and the timeout due by `now`, each at its own time, consuming the script.
  void advance(Clock::time_point now, PatientScript& script, EventSink& out);
  // The script got a new entry at `now`: a step that waited for one is scheduled.
  void script_changed(Clock::time_point now, const PatientScript& script);
  void card_placed(Clock::time_point now, const PatientScript& script);
  void card_removed(Clock::time_point now, EventSink& out);
  // §5.7; false when the session is not waiting for it (NAK wrong_state).
  bool identity_result(bool ok, Clock::time_point now, const PatientScript& script, EventSink& out);
  void operator_cancel(vendor::CancelledBy by, Clock::time_point now, EventSink& out);
  void end(vendor::EndReason reason, Clock::time_point at, EventSink& out);

 private:
  // The session's own phases; state() maps them onto §5.6.
  enum class Phase {
    waiting_card,
    face_matching,
    waiting_staff,
    pin_prompt,  // mode 2: PIN_REQUESTED still to be sent
    waiting_pin,
    waiting_identity,
    asking_consents,
  };

  Phase first_phase() const;
  bool has_input(const PatientScript& script) const;
  void enter(Phase phase, Clock::time_point at, const PatientScript& script);
  void step(Clock::time_point at, PatientScript& script, EventSink& out);
  void face_attempt(Clock::time_point at, PatientScript& script, EventSink& out);
  void emit(vendor::Type type, Bytes payload, Clock::time_point at, EventSink& out) const;

  SessionRequest request_;
  Clock::time_point deadline_;
  Phase phase_ = Phase::waiting_card;
  std::optional<Clock::time_point> next_step_;
  std::uint8_t attempt_ = 0;  // face attempts made
  bool ended_ = false;
};

}  // namespace onshi::facesim
