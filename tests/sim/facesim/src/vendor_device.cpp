#include "onshi/facesim/vendor_device.hpp"

#include <algorithm>

#include "onshi/facesim/vendor_tlv.hpp"

namespace onshi::facesim {

using vendor::Frame;
using vendor::Nak;
using vendor::Tag;
using vendor::TagSpec;
using vendor::TlvWriter;
using vendor::Type;

namespace {

// GET_INFO's strings are cut to this, so the INFO reply always fits one frame (§2).
constexpr std::size_t kMaxIdentityString = 126;

// The tags each command knows (§3.1, §5); others are ignored.
constexpr TagSpec kGetInfoTags[] = {{Tag::protocol_min, 1}, {Tag::protocol_max, 1}};
constexpr TagSpec kStartSessionTags[] = {{Tag::session, 4},
                                         {Tag::mode, 1},
                                         {Tag::consents, 1},
                                         {Tag::timeout, 2},
                                         {Tag::face_attempts, 1}};
constexpr TagSpec kSessionTags[] = {{Tag::session, 4}};
constexpr TagSpec kShowMessageTags[] = {{Tag::text, vendor::kText}, {Tag::seconds, 2}};
constexpr TagSpec kIdentityResultTags[] = {{Tag::session, 4}, {Tag::ok, 1}};

std::optional<vendor::Feature> feature_of(vendor::Mode mode) {
  switch (mode) {
    case vendor::Mode::face:
      return vendor::Feature::face;
    case vendor::Mode::pin:
      return vendor::Feature::pin;
    case vendor::Mode::face_then_pin:
      return vendor::Feature::face_then_pin;
    case vendor::Mode::visual_confirmation:
      return vendor::Feature::visual_confirmation;
  }
  return std::nullopt;
}

const char* device_error_text(vendor::DeviceError error) {
  switch (error) {
    case vendor::DeviceError::camera:
      return "camera failure";
    case vendor::DeviceError::display:
      return "display failure";
    case vendor::DeviceError::internal:
      break;
  }
  return "internal error";
}

}  // namespace

VendorDevice::VendorDevice(VendorConfig config) : config_(std::move(config)) {
  for (std::string* s : {&config_.serial, &config_.vendor, &config_.model, &config_.firmware}) {
    if (s->size() > kMaxIdentityString) s->resize(kMaxIdentityString);
  }
  config_.features &= vendor::kAllFeatures;
  config_.queue_limit = std::max<std::size_t>(config_.queue_limit, 1);
  script_.step_delay = config_.step_delay;
}

// --- endpoints ---

void VendorDevice::handle(ByteView transfer, Clock::time_point now) {
  advance(now);
  ++stats_.transfers_in;
  for (const Frame& frame : vendor::decode_transfer(transfer, stats_.decode)) {
    ++stats_.frames_in;
    on_frame(frame, now);
  }
}

// §4.1. A command that could not be decoded never gets here (§2.2: no answer at all).
void VendorDevice::on_frame(const Frame& frame, Clock::time_point now) {
  const bool resync =
      frame.type == vendor::raw(Type::get_info) || frame.type == vendor::raw(Type::reset);
  if (!resync) {
    if (remembered_ && frame.seq == count_) {
      ++stats_.retransmissions;
      send_reply(*remembered_);  // answered again, not acted on again
      return;
    }
    const auto expected = static_cast<std::uint8_t>(count_ + 1);
    if (frame.seq != expected) {
      send_reply(nak(frame, Nak::bad_sequence, expected));  // not executed, count unchanged
      return;
    }
  }
  count_ = frame.seq;
  ++stats_.commands;
  Bytes answer = execute(frame, now);
  remembered_ = answer;
  send_reply(std::move(answer));
}

Bytes VendorDevice::execute(const Frame& frame, Clock::time_point now) {
  switch (static_cast<Type>(frame.type)) {
    case Type::get_info:
      return get_info(frame);
    case Type::start_session:
      return start_session(frame, now);
    case Type::cancel:
      return cancel(frame, now);
    case Type::show_message:
      if (!vendor::has(config_.features, vendor::Feature::show_message)) break;
      return show_message(frame, now);
    case Type::reset:
      return reset(frame, now);
    case Type::get_status:
      return get_status(frame);
    case Type::identity_result:
      return identity_result(frame, now);
    default:
      break;  // replies, events and NAKs are no commands either (§3)
  }
  ++stats_.unknown_type;
  return nak(frame, Nak::unknown_type);
}

Bytes VendorDevice::get_info(const Frame& frame) {
  const auto f = vendor::parse_fields(frame.payload, kGetInfoTags);
  const auto min = f ? f->u8(Tag::protocol_min) : std::nullopt;
  const auto max = f ? f->u8(Tag::protocol_max) : std::nullopt;
  if (!min || !max) {
    ++stats_.malformed;
    return nak(frame, Nak::malformed);
  }
  // §5.1: the highest version both speak; this device speaks only 1.
  if (*min > vendor::kProtocolVersion || *max < vendor::kProtocolVersion)
    return nak(frame, Nak::unsupported_mode);
  return reply(frame, TlvWriter()
                          .u8(Tag::protocol, vendor::kProtocolVersion)
                          .u32(Tag::features, config_.features)
                          .text(Tag::vendor, config_.vendor)
                          .text(Tag::model, config_.model)
                          .text(Tag::serial, config_.serial)
                          .text(Tag::firmware, config_.firmware)
                          .take());
}

Bytes VendorDevice::start_session(const Frame& frame, Clock::time_point now) {
  const auto f = vendor::parse_fields(frame.payload, kStartSessionTags);
  const auto malformed = [&] {
    ++stats_.malformed;
    return nak(frame, Nak::malformed);
  };
  if (!f || !f->has(Tag::session) || !f->has(Tag::mode)) return malformed();
  const std::uint32_t id = f->u32(Tag::session).value_or(0);
  const std::uint8_t mode = f->u8(Tag::mode).value_or(0);
  const std::uint8_t consents = f->u8(Tag::consents).value_or(0);
  const std::uint16_t timeout = f->u16(Tag::timeout).value_or(vendor::kDefaultTimeoutSeconds);
  const std::uint8_t attempts = f->u8(Tag::face_attempts).value_or(vendor::kDefaultFaceAttempts);
  // §5.2: the session id is never 0, 1..5 attempts; a session without time makes no sense.
  if (id == 0 || timeout == 0 || attempts < 1 || attempts > vendor::kMaxFaceAttempts)
    return malformed();
  const auto feature = feature_of(static_cast<vendor::Mode>(mode));
  const bool consents_offered =
      consents == 0 || ((consents & ~vendor::kConsentMask) == 0 &&
                        vendor::has(config_.features, vendor::Feature::consents));
  if (!feature || !vendor::has(config_.features, *feature) || !consents_offered)
    return nak(frame, Nak::unsupported_mode);
  if (session_) return nak(frame, Nak::busy);
  SessionRequest request;
  request.id = id;
  request.mode = static_cast<vendor::Mode>(mode);
  request.consents = consents;
  request.timeout = std::chrono::seconds(timeout);
  request.face_attempts = attempts;
  session_.emplace(request, now, card_present_, script_);
  ++stats_.sessions;
  return reply(frame, TlvWriter().u32(Tag::session, id).take());
}

Bytes VendorDevice::cancel(const Frame& frame, Clock::time_point now) {
  const auto f = vendor::parse_fields(frame.payload, kSessionTags);
  const auto id = f ? f->u32(Tag::session) : std::nullopt;
  if (!id) {
    ++stats_.malformed;
    return nak(frame, Nak::malformed);
  }
  if (!session_ || session_->id() != *id) return nak(frame, Nak::no_session);
  EventSink events;
  session_->end(vendor::EndReason::host_cancelled, now, events);
  flush(events);
  forget_ended_session();
  return reply(frame, TlvWriter().u32(Tag::session, *id).take());
}

Bytes VendorDevice::show_message(const Frame& frame, Clock::time_point now) {
  const auto f = vendor::parse_fields(frame.payload, kShowMessageTags);
  const auto text = f ? f->text(Tag::text) : std::nullopt;
  const auto seconds = f ? f->u16(Tag::seconds) : std::nullopt;
  if (!text || !seconds || !vendor::valid_utf8(*text)) {
    ++stats_.malformed;
    return nak(frame, Nak::malformed);
  }
  if (text->size() > vendor::kMaxMessageBytes) return nak(frame, Nak::too_long);
  screen_ = *text;
  screen_until_.reset();
  if (*seconds != 0) screen_until_ = now + std::chrono::seconds(*seconds);  // 0: until replaced
  return reply(frame, {});
}

Bytes VendorDevice::reset(const Frame& frame, Clock::time_point now) {
  if (!vendor::parse_records(frame.payload)) {
    ++stats_.malformed;
    return nak(frame, Nak::malformed);
  }
  // §5.5: any session ends, the screen clears, the remembered reply goes (the RESET's own reply
  // is remembered next, by on_frame).
  if (session_) {
    EventSink events;
    session_->end(vendor::EndReason::reset, now, events);
    flush(events);
    forget_ended_session();
  }
  screen_.reset();
  screen_until_.reset();
  remembered_.reset();
  return reply(frame, {});
}

Bytes VendorDevice::get_status(const Frame& frame) {
  if (!vendor::parse_records(frame.payload)) {
    ++stats_.malformed;
    return nak(frame, Nak::malformed);
  }
  TlvWriter w;
  w.u8(Tag::state, vendor::raw(state())).u8(Tag::card, card_present_);
  if (session_) w.u32(Tag::session, session_->id());
  return reply(frame, w.take());
}

Bytes VendorDevice::identity_result(const Frame& frame, Clock::time_point now) {
  const auto f = vendor::parse_fields(frame.payload, kIdentityResultTags);
  const auto id = f ? f->u32(Tag::session) : std::nullopt;
  const auto ok = f ? f->u8(Tag::ok) : std::nullopt;
  if (!id || !ok || *ok > 1) {
    ++stats_.malformed;
    return nak(frame, Nak::malformed);
  }
  if (!session_ || session_->id() != *id) return nak(frame, Nak::no_session);
  EventSink events;
  const bool accepted = session_->identity_result(*ok == 1, now, script_, events);
  flush(events);
  forget_ended_session();
  if (!accepted) return nak(frame, Nak::wrong_state);
  return reply(frame, TlvWriter().u32(Tag::session, *id).take());
}

Bytes VendorDevice::reply(const Frame& command, Bytes payload) {
  return vendor::encode_frame(static_cast<std::uint8_t>(command.type + vendor::kReplyBit),
                              command.seq, payload);
}

Bytes VendorDevice::nak(const Frame& command, Nak code, std::optional<std::uint8_t> expected) {
  ++stats_.naks[vendor::raw(code)];
  TlvWriter w;
  w.u8(Tag::error, vendor::raw(code));
  if (expected) w.u8(Tag::expected, *expected);
  return vendor::encode_frame(Type::nak, command.seq, w.payload());
}

void VendorDevice::send_reply(Bytes frame) {
  if (faults_.drop_replies > 0) {
    --faults_.drop_replies;
    ++stats_.replies_dropped;
    return;
  }
  if (faults_.corrupt_replies > 0) {
    --faults_.corrupt_replies;
    ++stats_.replies_corrupted;
    frame.back() ^= 0xFF;  // the CRC's last byte: the remembered reply stays right
  }
  ++stats_.replies_out;
  if (replies_.size() >= config_.queue_limit) {
    replies_.pop_front();
    ++stats_.replies_overflowed;
  }
  replies_.push_back(std::move(frame));
}

std::optional<Bytes> VendorDevice::take_reply() {
  if (replies_.empty()) return std::nullopt;
  Bytes out = std::move(replies_.front());
  replies_.pop_front();
  return out;
}

void VendorDevice::inject_reply_bytes(Bytes bytes) {
  if (replies_.size() >= config_.queue_limit) {
    replies_.pop_front();
    ++stats_.replies_overflowed;
  }
  replies_.push_back(std::move(bytes));
}

// --- events ---

void VendorDevice::advance(Clock::time_point now) {
  if (screen_until_ && *screen_until_ <= now) {
    screen_.reset();
    screen_until_.reset();
  }
  if (!session_) return;
  EventSink events;
  session_->advance(now, script_, events);
  flush(events);
  forget_ended_session();
}

void VendorDevice::flush(EventSink& events) {
  for (auto& e : events) emit(e.type, std::move(e.payload), e.at);
  events.clear();
}

void VendorDevice::forget_ended_session() {
  if (session_ && session_->ended()) session_.reset();
}

void VendorDevice::emit(Type type, Bytes payload, Clock::time_point at) {
  const std::uint8_t seq = event_seq_++;
  if (faults_.drop_events > 0) {
    --faults_.drop_events;
    ++stats_.events_dropped;  // the number is spent: the host sees a gap (§6.1)
    return;
  }
  ++stats_.events_out;
  queue_event(vendor::encode_frame(type, seq, payload), at);
}

void VendorDevice::queue_event(Bytes bytes, Clock::time_point at) {
  if (events_.size() >= config_.queue_limit) {
    events_.pop_front();
    ++stats_.events_overflowed;
  }
  events_.push_back({std::move(bytes), at});
}

void VendorDevice::inject_event_bytes(Bytes bytes, Clock::time_point now) {
  advance(now);
  queue_event(std::move(bytes), now);
}

std::optional<Bytes> VendorDevice::take_event(Clock::time_point now) {
  advance(now);
  if (events_.empty()) return std::nullopt;
  Bytes out = std::move(events_.front().bytes);
  events_.pop_front();
  return out;
}

std::optional<Clock::time_point> VendorDevice::next_event_due() const {
  if (!events_.empty()) return events_.front().at;
  if (session_) return session_->next_due();
  return std::nullopt;
}

// --- the slot and the USB life cycle ---

void VendorDevice::card_placed(Clock::time_point now) {
  advance(now);
  card_present_ = true;
  if (host_listening_ && vendor::has(config_.features, vendor::Feature::card_events))
    emit(Type::card_placed, {}, now);
  if (session_) session_->card_placed(now, script_);
}

void VendorDevice::card_removed(Clock::time_point now) {
  advance(now);
  card_present_ = false;
  if (host_listening_ && vendor::has(config_.features, vendor::Feature::card_events))
    emit(Type::card_removed, {}, now);
  if (!session_) return;
  EventSink events;
  session_->card_removed(now, events);  // §6.2: it ends the session
  flush(events);
  forget_ended_session();
}

void VendorDevice::power_on() {
  session_.reset();
  replies_.clear();
  events_.clear();
  count_ = 255;
  remembered_.reset();
  event_seq_ = 0;
  screen_.reset();
  screen_until_.reset();
}

void VendorDevice::unplugged() {
  power_on();  // nothing survives; plugged() starts from the same fresh state
  host_listening_ = false;
}

void VendorDevice::plugged(bool card_present) {
  power_on();
  card_present_ = card_present;
}

// --- the script ---

void VendorDevice::push_face(FaceOutcome outcome, Clock::time_point now) {
  advance(now);
  script_.faces.push_back(outcome);
  if (session_) session_->script_changed(now, script_);
}

void VendorDevice::push_staff(StaffOutcome outcome, Clock::time_point now) {
  advance(now);
  script_.staff.push_back(outcome);
  if (session_) session_->script_changed(now, script_);
}

void VendorDevice::push_consents(ConsentAnswers answers, Clock::time_point now) {
  advance(now);
  script_.consents.push_back(answers);
  if (session_) session_->script_changed(now, script_);
}

bool VendorDevice::operator_cancel(vendor::CancelledBy by, Clock::time_point now) {
  advance(now);
  if (!session_) return false;
  EventSink events;
  session_->operator_cancel(by, now, events);
  flush(events);
  forget_ended_session();
  return true;
}

void VendorDevice::device_error(vendor::DeviceError error, Clock::time_point now) {
  advance(now);
  emit(Type::device_error,
       TlvWriter()
           .u8(Tag::error, vendor::raw(error))
           .text(Tag::text, device_error_text(error))
           .take(),
       now);
  if (!session_) return;
  EventSink events;
  session_->end(vendor::EndReason::device_error, now, events);
  flush(events);
  forget_ended_session();
}

// --- inspection ---

vendor::State VendorDevice::state() const noexcept {
  return session_ ? session_->state() : vendor::State::idle;
}

std::optional<std::uint32_t> VendorDevice::session_id() const {
  if (!session_) return std::nullopt;
  return session_->id();
}

}  // namespace onshi::facesim
