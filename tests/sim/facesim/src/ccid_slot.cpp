#include "onshi/facesim/ccid_slot.hpp"

#include <fmt/format.h>

namespace onshi::facesim {
namespace {

using ccid::CommandStatus;
using ccid::IccStatus;

// T=1 defaults for GetParameters/ResetParameters (CCID §6.1.7, abProtocolDataStructure for
// T=1): Fi/Di 11, TCCKS 10 (LRC), guard time 0, BWI 4 / CWI D, no clock stop, IFSC FE, NAD 0.
const Bytes kDefaultT1Parameters{0x11, 0x10, 0x00, 0x4D, 0x00, 0xFE, 0x00};
constexpr std::uint8_t kProtocolT1 = 0x01;
constexpr std::size_t kMaxShortApdu = 4 + 1 + 255 + 1;  // CLA INS P1 P2 Lc data Le
constexpr std::size_t kMaxShortResponse = 256 + 2;
constexpr std::uint8_t kOffLevelParameter = 8;
constexpr std::uint8_t kOffProtocolNum = 7;
constexpr std::chrono::seconds kDefaultPadTimeout{30};  // bTimeOut 0: the reader's own timeout
constexpr std::uint8_t kInsVerify = 0x20;

}  // namespace

CcidSlot::CcidSlot(SlotConfig config) : config_(config), t1_parameters_(kDefaultT1Parameters) {}

void CcidSlot::insert(sim::Card card) {
  card_.emplace(std::move(card));
  card_->power_off();
  notification_pending_ = true;
}

void CcidSlot::remove() {
  card_.reset();
  command_chain_.clear();
  chaining_ = false;
  response_rest_.clear();
  notification_pending_ = true;
}

void CcidSlot::plugged() {
  if (card_) card_->power_off();
  replies_.clear();
  command_chain_.clear();
  chaining_ = false;
  response_rest_.clear();
  t1_parameters_ = kDefaultT1Parameters;
  notification_pending_ = true;
}

void CcidSlot::push_pad_entry(PadEntry entry) { pad_.push_back(std::move(entry)); }

std::optional<Bytes> CcidSlot::take_reply(Clock::time_point now) {
  if (replies_.empty() || replies_.front().due > now) return std::nullopt;
  Bytes out = std::move(replies_.front().bytes);
  replies_.pop_front();
  return out;
}

std::optional<Clock::time_point> CcidSlot::next_reply_due() const {
  if (replies_.empty()) return std::nullopt;
  return replies_.front().due;
}

std::optional<Bytes> CcidSlot::take_notification() {
  if (!notification_pending_) return std::nullopt;
  notification_pending_ = false;
  return ccid::notify_slot_change(present(), true);
}

IccStatus CcidSlot::icc_status() const {
  if (!card_) return IccStatus::absent;
  return card_->powered() ? IccStatus::active : IccStatus::inactive;
}

void CcidSlot::reply(const ccid::Message& m, std::uint8_t type, CommandStatus status,
                     std::uint8_t error, std::uint8_t specific, ByteView data,
                     Clock::time_point due) {
  replies_.push_back(
      {ccid::encode_reply(type, m, icc_status(), status, error, specific, data), due});
}

void CcidSlot::fail(const ccid::Message& m, std::uint8_t error, Clock::time_point now,
                    std::string why) {
  ++stats_.protocol_errors;
  stats_.last_error = std::move(why);
  // Each command has its own reply type (§6.2): data commands a DataBlock, the others theirs.
  std::uint8_t type = ccid::kSlotStatus;
  switch (static_cast<ccid::Command>(m.type)) {
    case ccid::Command::icc_power_on:
    case ccid::Command::xfr_block:
    case ccid::Command::secure:
      type = ccid::kDataBlock;
      break;
    case ccid::Command::get_parameters:
    case ccid::Command::reset_parameters:
    case ccid::Command::set_parameters:
      type = ccid::kParameters;
      break;
    case ccid::Command::escape:
      type = ccid::kEscape;
      break;
    case ccid::Command::set_data_rate_and_clock:
      type = ccid::kDataRateAndClock;
      break;
    default:
      break;
  }
  reply(m, type, CommandStatus::failed, error, 0, {}, now);
}

void CcidSlot::handle(ByteView bulk_out, Clock::time_point now) {
  ++stats_.messages;
  auto decoded = ccid::decode(bulk_out, config_.max_message_length);
  if (!decoded) {
    if (bulk_out.size() < ccid::kHeaderSize) {
      ++stats_.protocol_errors;
      stats_.last_error = decoded.error().message;
      return;
    }
    // The header is there: answer with what it names, the length being what was wrong.
    ccid::Message m;
    m.type = bulk_out[0];
    m.slot = bulk_out[5];
    m.seq = bulk_out[6];
    fail(m, ccid::kErrBadLength, now, decoded.error().message);
    return;
  }
  const ccid::Message& m = *decoded;
  if (m.slot != 0)
    return fail(m, ccid::kErrBadSlot, now, fmt::format("slot {} does not exist", m.slot));
  switch (static_cast<ccid::Command>(m.type)) {
    case ccid::Command::icc_power_on:
      return power_on(m, now);
    case ccid::Command::icc_power_off:
      if (card_) card_->power_off();
      chaining_ = false;
      response_rest_.clear();
      return reply(m, ccid::kSlotStatus, CommandStatus::ok, 0, 0, {}, now);
    case ccid::Command::get_slot_status:
    case ccid::Command::abort:
      return reply(m, ccid::kSlotStatus, CommandStatus::ok, 0, 0, {}, now);
    case ccid::Command::xfr_block:
      return xfr_block(m, now);
    case ccid::Command::secure:
      return secure(m, now);
    case ccid::Command::get_parameters:
    case ccid::Command::reset_parameters:
    case ccid::Command::set_parameters:
      return parameters(m, now);
    default:
      return fail(
          m, ccid::kErrCmdNotSupported, now,
          fmt::format("{} (0x{:02X}) is not supported", ccid::command_name(m.type), m.type));
  }
}

void CcidSlot::power_on(const ccid::Message& m, Clock::time_point now) {
  if (!card_) return fail(m, ccid::kErrIccMute, now, "IccPowerOn with no card in the slot");
  const Bytes atr = card_->power_on();
  chaining_ = false;
  response_rest_.clear();
  reply(m, ccid::kDataBlock, CommandStatus::ok, 0, ccid::kChainComplete, atr, now);
}

void CcidSlot::parameters(const ccid::Message& m, Clock::time_point now) {
  if (!card_) return fail(m, ccid::kErrIccMute, now, "parameters with no card in the slot");
  const auto type = static_cast<ccid::Command>(m.type);
  if (type == ccid::Command::reset_parameters) t1_parameters_ = kDefaultT1Parameters;
  if (type == ccid::Command::set_parameters) {
    if (m.specific[0] != kProtocolT1 || m.data.size() != kDefaultT1Parameters.size()) {
      return fail(m, kOffProtocolNum, now, "SetParameters for anything but T=1 (7 bytes)");
    }
    t1_parameters_ = m.data;
  }
  reply(m, ccid::kParameters, CommandStatus::ok, 0, kProtocolT1, t1_parameters_, now);
}

void CcidSlot::xfr_block(const ccid::Message& m, Clock::time_point now) {
  if (!card_ || !card_->powered())
    return fail(m, ccid::kErrIccMute, now, "XfrBlock to no powered card");
  if (config_.level == ApduLevel::short_apdu) {
    if (m.data.size() > kMaxShortApdu) {
      return fail(m, ccid::kErrBadLength, now,
                  fmt::format("a {}-byte APDU at short APDU level", m.data.size()));
    }
    return transmit(m, m.data, now, now);
  }
  switch (m.level_parameter()) {
    case ccid::kLevelComplete:
      if (chaining_) break;
      return transmit(m, m.data, now, now);
    case ccid::kLevelBegin:
      if (chaining_) break;
      ++stats_.chained_commands;
      response_rest_.clear();
      command_chain_ = m.data;
      chaining_ = true;
      return reply(m, ccid::kDataBlock, CommandStatus::ok, 0, ccid::kChainContinue, {}, now);
    case ccid::kLevelMiddle:
    case ccid::kLevelEnd:
      if (!chaining_) break;
      command_chain_.insert(command_chain_.end(), m.data.begin(), m.data.end());
      if (command_chain_.size() > 4 + 3 + 65536 + 3) {
        chaining_ = false;
        command_chain_.clear();
        return fail(m, ccid::kErrBadLength, now, "a chained command longer than an extended APDU");
      }
      if (m.level_parameter() == ccid::kLevelMiddle) {
        return reply(m, ccid::kDataBlock, CommandStatus::ok, 0, ccid::kChainContinue, {}, now);
      } else {
        chaining_ = false;
        const Bytes apdu = std::move(command_chain_);
        command_chain_.clear();
        return transmit(m, apdu, now, now);
      }
    case ccid::kLevelContinue: {
      if (response_rest_.empty()) break;
      const std::size_t part =
          std::min(response_rest_.size(), config_.max_message_length - ccid::kHeaderSize);
      const bool last = part == response_rest_.size();
      const Bytes chunk(response_rest_.begin(),
                        response_rest_.begin() + static_cast<std::ptrdiff_t>(part));
      response_rest_.erase(response_rest_.begin(),
                           response_rest_.begin() + static_cast<std::ptrdiff_t>(part));
      return reply(m, ccid::kDataBlock, CommandStatus::ok, 0,
                   last ? ccid::kChainEnd : ccid::kChainMiddle, chunk, now);
    }
    default:
      break;
  }
  chaining_ = false;
  command_chain_.clear();
  fail(m, kOffLevelParameter, now,
       fmt::format("XfrBlock wLevelParameter {:04X} out of sequence", m.level_parameter()));
}

void CcidSlot::note_verify(ByteView apdu) {
  if (apdu.size() > 5 && apdu[1] == kInsVerify) stats_.verify_lcs.push_back(apdu[4]);
}

void CcidSlot::transmit(const ccid::Message& m, ByteView apdu, Clock::time_point now,
                        Clock::time_point due) {
  ++stats_.apdus;
  response_rest_.clear();  // a response left unfinished is abandoned by the next command
  note_verify(apdu);
  Bytes response = card_->process(apdu);
  const std::size_t room = config_.max_message_length - ccid::kHeaderSize;
  if (config_.level == ApduLevel::short_apdu &&
      response.size() > std::min(kMaxShortResponse, room)) {
    return fail(m, ccid::kErrXfrOverrun, now,
                fmt::format("a {}-byte response at short APDU level", response.size()));
  }
  send_response(m, std::move(response), due);
}

void CcidSlot::send_response(const ccid::Message& m, Bytes response, Clock::time_point due) {
  const std::size_t room = config_.max_message_length - ccid::kHeaderSize;
  if (config_.level == ApduLevel::short_apdu || response.size() <= room) {
    return reply(m, ccid::kDataBlock, CommandStatus::ok, 0, ccid::kChainComplete, response, due);
  }
  ++stats_.chained_responses;
  const Bytes first(response.begin(), response.begin() + static_cast<std::ptrdiff_t>(room));
  response_rest_.assign(response.begin() + static_cast<std::ptrdiff_t>(room), response.end());
  reply(m, ccid::kDataBlock, CommandStatus::ok, 0, ccid::kChainBegin, first, due);
}

void CcidSlot::secure(const ccid::Message& m, Clock::time_point now) {
  if (!card_ || !card_->powered())
    return fail(m, ccid::kErrIccMute, now, "Secure to no powered card");
  auto parsed = parse_pin_verify(m.data);
  if (auto* error = std::get_if<SecureFieldError>(&parsed)) {
    return fail(m, error->offset, now, error->message);
  }
  const auto& request = std::get<PinVerifyRequest>(parsed);
  ++stats_.secure_verifies;
  PadEntry entry;
  entry.kind = PadEntry::Kind::walk_away;
  if (!pad_.empty()) {
    entry = std::move(pad_.front());
    pad_.pop_front();
  }
  const auto timeout =
      request.timeout_seconds == 0
          ? std::chrono::duration_cast<std::chrono::milliseconds>(kDefaultPadTimeout)
          : std::chrono::milliseconds(request.timeout_seconds * 1000);
  // The pad refuses the OK key for a PIN of the wrong length: the prompt runs into its timeout.
  // So does a patient slower than the pad's timeout.
  if (entry.kind == PadEntry::Kind::type &&
      (entry.digits.size() < request.min_digits || entry.digits.size() > request.max_digits ||
       config_.typing_time >= timeout)) {
    secure_wipe(entry.digits.data(), entry.digits.size());
    entry.kind = PadEntry::Kind::walk_away;
  }
  const auto done = now + (entry.kind == PadEntry::Kind::walk_away ? timeout : config_.typing_time);
  // While the patient is at the pad, the reader asks the host for more time (bError = BWI
  // multiplier 1).
  for (auto t = now + config_.time_extension_interval; t < done;
       t += config_.time_extension_interval) {
    reply(m, ccid::kDataBlock, CommandStatus::time_extension, 1, 0, {}, t);
  }
  switch (entry.kind) {
    case PadEntry::Kind::walk_away:
      reply(m, ccid::kDataBlock, CommandStatus::failed, ccid::kErrPinTimeout, 0, {}, done);
      return;
    case PadEntry::Kind::cancel:
      reply(m, ccid::kDataBlock, CommandStatus::failed, ccid::kErrPinCancelled, 0, {}, done);
      return;
    case PadEntry::Kind::type: {
      auto built = build_verify_apdu(request, entry.digits);
      secure_wipe(entry.digits.data(), entry.digits.size());
      if (auto* error = std::get_if<SecureFieldError>(&built)) {
        return fail(m, error->offset, now, error->message);
      }
      Bytes apdu = std::move(std::get<Bytes>(built));
      transmit(m, apdu, now, done);
      secure_wipe(apdu.data(), apdu.size());
      return;
    }
  }
}

}  // namespace onshi::facesim
