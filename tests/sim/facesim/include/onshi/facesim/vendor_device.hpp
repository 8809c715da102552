// The face reader's vendor interface, device side (driver/PROTOCOL.md): bulk-OUT transfers in,
// replies for bulk IN and events for interrupt IN out. It decodes frames with §2.2's
// resynchronisation, keeps §4.1's sequence rules (retransmissions replayed, not re-executed),
// answers the commands of §5, runs the session of §7 with the patient and the staff scripted by
// the control channel, and injects the faults a host must survive. Bytes in, bytes out: no USB
// here (UsbDevice routes the endpoints, and owns endpoint halts).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "onshi/bytes.hpp"
#include "onshi/facesim/ccid_slot.hpp"
#include "onshi/facesim/vendor_frame.hpp"
#include "onshi/facesim/vendor_protocol.hpp"
#include "onshi/facesim/vendor_session.hpp"

namespace onshi::facesim {

struct VendorConfig {
  // GET_INFO's identity (§5.1); the serial is the USB serial (§1), UsbDevice sets it.
  std::string serial = "FACE0001";
  std::string vendor = "onshi";
  std::string model = "facesim";
  std::string firmware = "1.0.0";
  std::uint32_t features = vendor::kAllFeatures;
  std::chrono::milliseconds step_delay{50};
  // Replies and events waiting for the host; beyond it the oldest is dropped (and counted).
  std::size_t queue_limit = 64;
};

struct VendorStats {
  std::uint64_t transfers_in = 0;     // bulk-OUT transfers
  std::uint64_t frames_in = 0;        // good frames among them
  std::uint64_t commands = 0;         // commands executed (retransmissions excluded)
  std::uint64_t retransmissions = 0;  // §4.1: remembered reply sent again
  std::uint64_t replies_out = 0;      // frames queued for bulk IN (NAKs included)
  std::uint64_t events_out = 0;       // frames queued for interrupt IN
  std::uint64_t sessions = 0;         // sessions started
  // §2.2's reports: decode errors, and good frames the protocol layer refused.
  vendor::DecodeStats decode;
  std::uint64_t unknown_type = 0;
  std::uint64_t malformed = 0;
  std::array<std::uint64_t, vendor::kNakCodes> naks{};  // by code (§4.3), index 0 unused
  // Faults and overflows.
  std::uint64_t replies_dropped = 0;    // drop-reply
  std::uint64_t replies_corrupted = 0;  // corrupt-reply
  std::uint64_t events_dropped = 0;     // drop-event (their numbers are spent: a gap)
  std::uint64_t replies_overflowed = 0;
  std::uint64_t events_overflowed = 0;
};

// Faults still to inject, as the control channel armed them.
struct VendorFaults {
  std::uint32_t drop_replies = 0;     // the next n replies never reach bulk IN
  std::uint32_t corrupt_replies = 0;  // the next n replies go with a wrong CRC
  std::uint32_t drop_events = 0;      // the next n events are numbered but never sent
};

class VendorDevice {
 public:
  explicit VendorDevice(VendorConfig config);

  // --- the endpoints ---
  // One bulk-OUT transfer: every frame in it is handled, each command's reply queued.
  void handle(ByteView transfer, Clock::time_point now);
  // The next bulk-IN transfer: one reply frame, or bytes injected as they were given.
  std::optional<Bytes> take_reply();
  bool reply_pending() const noexcept { return !replies_.empty(); }
  // The next interrupt-IN transfer once due: one event frame, or injected raw bytes.
  std::optional<Bytes> take_event(Clock::time_point now);
  // When the next event is (or was) due: a queued one, the session's next step or its timeout.
  std::optional<Clock::time_point> next_event_due() const;
  // Runs the session's timed steps up to `now` (every entry point above does it first).
  void advance(Clock::time_point now);

  // --- the card slot and the USB life cycle ---
  void card_placed(Clock::time_point now);
  void card_removed(Clock::time_point now);
  bool card_present() const noexcept { return card_present_; }
  // Whether a host holds the vendor interface: card events are only queued meanwhile (nobody
  // would read them, and a host that opens later learns of the card through PC/SC anyway).
  void set_host_listening(bool listening) noexcept { host_listening_ = listening; }
  bool host_listening() const noexcept { return host_listening_; }
  // Unplug: replies, events, the session and the sequence state go without a word (the host
  // sees the unplug). plugged() then starts afresh. The script and armed faults stay.
  void unplugged();
  void plugged(bool card_present);

  // --- the people at the reader (control channel) ---
  void push_face(FaceOutcome outcome, Clock::time_point now);
  void push_staff(StaffOutcome outcome, Clock::time_point now);
  void push_consents(ConsentAnswers answers, Clock::time_point now);
  // OPERATOR_CANCEL, then SESSION_ENDED operator_cancelled; false when no session runs.
  bool operator_cancel(vendor::CancelledBy by, Clock::time_point now);
  // DEVICE_ERROR (§6.9); a running session ends with device_error.
  void device_error(vendor::DeviceError error, Clock::time_point now);
  void set_step_delay(std::chrono::milliseconds delay) noexcept { script_.step_delay = delay; }
  // The features GET_INFO offers and START_SESSION accepts (bits above 6 are cleared).
  void set_features(std::uint32_t features) noexcept {
    config_.features = features & vendor::kAllFeatures;
  }

  // --- faults (control channel) ---
  void drop_replies(std::uint32_t n) noexcept { faults_.drop_replies += n; }
  void corrupt_replies(std::uint32_t n) noexcept { faults_.corrupt_replies += n; }
  void drop_events(std::uint32_t n) noexcept { faults_.drop_events += n; }
  // Raw bytes as one bulk-IN / interrupt-IN transfer of their own, behind what is queued.
  void inject_reply_bytes(Bytes bytes);
  void inject_event_bytes(Bytes bytes, Clock::time_point now);
  void clear_faults() noexcept { faults_ = {}; }

  // --- inspection ---
  vendor::State state() const noexcept;
  std::optional<std::uint32_t> session_id() const;
  // SHOW_MESSAGE's text while it is shown (as of the last advance()).
  const std::optional<std::string>& screen() const noexcept { return screen_; }
  const PatientScript& script() const noexcept { return script_; }
  const VendorFaults& faults() const noexcept { return faults_; }
  const VendorConfig& config() const noexcept { return config_; }
  const VendorStats& stats() const noexcept { return stats_; }

 private:
  struct QueuedEvent {
    Bytes bytes;
    Clock::time_point at;
  };

  void on_frame(const vendor::Frame& frame, Clock::time_point now);
  Bytes execute(const vendor::Frame& frame, Clock::time_point now);
  Bytes get_info(const vendor::Frame& frame);
  Bytes start_session(const vendor::Frame& frame, Clock::time_point now);
  Bytes cancel(const vendor::Frame& frame, Clock::time_point now);
  Bytes show_message(const vendor::Frame& frame, Clock::time_point now);
  Bytes reset(const vendor::Frame& frame, Clock::time_point now);
  Bytes get_status(const vendor::Frame& frame);
  Bytes identity_result(const vendor::Frame& frame, Clock::time_point now);
  Bytes reply(const vendor::Frame& command, Bytes payload);
  Bytes nak(const vendor::Frame& command, vendor::Nak code,
            std::optional<std::uint8_t> expected = std::nullopt);
  void send_reply(Bytes frame);
  void flush(EventSink& events);
  void emit(vendor::Type type, Bytes payload, Clock::time_point at);
  void queue_event(Bytes bytes, Clock::time_point at);
  void forget_ended_session();
  void power_on();

  VendorConfig config_;
  PatientScript script_;
  VendorFaults faults_;
  VendorStats stats_;
  bool card_present_ = false;
  bool host_listening_ = false;
  // §4.1: the last sequence number and its reply. Fresh, the count is 255 with no reply
  // remembered, so the first command is expected with 0 (GET_INFO and RESET with any).
  std::uint8_t count_ = 255;
  std::optional<Bytes> remembered_;
  std::uint8_t event_seq_ = 0;  // §6.1: the events' own numbering
  std::optional<FaceSession> session_;
  std::optional<std::string> screen_;
  std::optional<Clock::time_point> screen_until_;
  std::deque<Bytes> replies_;
  std::deque<QueuedEvent> events_;
};

}  // namespace onshi::facesim
