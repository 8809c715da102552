// The face reader's card slot as a CCID pin-pad reader sees it: the card (onshi-cardsim's card
// core with a persona), its power, the T=1 parameters, APDU-level XfrBlock (short, or extended
// with CCID message chaining), Secure PIN verification with the digits "typed" on the pad, and
// NotifySlotChange on insertion and removal. Bytes in, bytes out: no USB here.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "onshi/bytes.hpp"
#include "onshi/facesim/ccid_message.hpp"
#include "onshi/facesim/pin_verify.hpp"
#include "onshi/sim/card.hpp"

namespace onshi::facesim {

using Clock = std::chrono::steady_clock;

// dwFeatures' exchange level (CCID §5.1): short APDUs only, or extended APDUs up to 64 KiB.
enum class ApduLevel { short_apdu, extended_apdu };

struct SlotConfig {
  ApduLevel level = ApduLevel::short_apdu;
  std::size_t max_message_length = 271;  // dwMaxCCIDMessageLength
  // How long the patient takes to type on the pad, and the interval of the time-extension
  // replies a pin pad sends while it waits (so the host keeps reading, CCID §6.2.6).
  std::chrono::milliseconds typing_time{300};
  std::chrono::milliseconds time_extension_interval{1000};
};

// What the patient does at the pad for the next PIN prompt.
struct PadEntry {
  enum class Kind { type, cancel, walk_away } kind = Kind::type;
  std::string digits;  // for type
};

// One reply on bulk IN, not before `due`.
struct TimedReply {
  Bytes bytes;
  Clock::time_point due;
};

struct SlotStats {
  std::uint64_t messages = 0;
  std::uint64_t apdus = 0;              // APDUs given to the card (XfrBlock and Secure)
  std::uint64_t secure_verifies = 0;    // PIN verifications on the pad
  std::uint64_t protocol_errors = 0;    // malformed messages answered with an error
  std::uint64_t chained_commands = 0;   // extended level: commands that came in several parts
  std::uint64_t chained_responses = 0;  // extended level: responses sent in several parts
  // The Lc of every VERIFY (INS 20) with data the card received, from the host or the pad:
  // a test checks onshi never sends a wrong length (the card answers 6700, cards-and-readers.md
  // §1.4).
  std::vector<std::uint8_t> verify_lcs;
  std::string last_error;
};

class CcidSlot {
 public:
  explicit CcidSlot(SlotConfig config);

  void insert(sim::Card card);
  void remove();
  bool present() const noexcept { return card_.has_value(); }
  std::string persona() const { return card_ ? card_->name() : std::string(); }
  // The card in the slot (inspection by tests and the control channel).
  sim::Card* card() noexcept { return card_ ? &*card_ : nullptr; }

  // The next prompt's pad behaviour; without one, nobody types and the prompt times out.
  void push_pad_entry(PadEntry entry);
  std::size_t pending_pad_entries() const noexcept { return pad_.size(); }

  // One bulk-OUT transfer in; the replies it causes are queued (see take_reply). A transfer too
  // short for a header gets no reply (a real reader cannot name its sequence number).
  void handle(ByteView bulk_out, Clock::time_point now);
  // The first queued reply once it is due.
  std::optional<Bytes> take_reply(Clock::time_point now);
  std::optional<Clock::time_point> next_reply_due() const;
  // A pending NotifySlotChange for interrupt IN.
  std::optional<Bytes> take_notification();
  bool notification_pending() const noexcept { return notification_pending_; }
  // The device was (re)plugged: the card stays in the slot unpowered, a notification is due.
  void plugged();

  const SlotStats& stats() const noexcept { return stats_; }
  const SlotConfig& config() const noexcept { return config_; }

 private:
  void reply(const ccid::Message& m, std::uint8_t type, ccid::CommandStatus status,
             std::uint8_t error, std::uint8_t specific, ByteView data, Clock::time_point due);
  void fail(const ccid::Message& m, std::uint8_t error, Clock::time_point now, std::string why);
  ccid::IccStatus icc_status() const;
  void power_on(const ccid::Message& m, Clock::time_point now);
  void xfr_block(const ccid::Message& m, Clock::time_point now);
  void transmit(const ccid::Message& m, ByteView apdu, Clock::time_point now,
                Clock::time_point due);
  void send_response(const ccid::Message& m, Bytes response, Clock::time_point due);
  void secure(const ccid::Message& m, Clock::time_point now);
  void parameters(const ccid::Message& m, Clock::time_point now);
  void note_verify(ByteView apdu);

  SlotConfig config_;
  std::optional<sim::Card> card_;
  bool notification_pending_ = true;
  std::deque<PadEntry> pad_;
  std::deque<TimedReply> replies_;
  Bytes t1_parameters_;
  Bytes command_chain_;  // extended level: the parts of a chained command so far
  bool chaining_ = false;
  Bytes response_rest_;  // extended level: what a chained response still has to send
  SlotStats stats_;
};

}  // namespace onshi::facesim
