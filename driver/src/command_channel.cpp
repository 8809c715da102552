#include "command_channel.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "onshi/log.hpp"

namespace onshi::driver {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::string_view kLog = "driver";

std::string_view name_of(MessageType t) { return message_type_name(static_cast<std::uint8_t>(t)); }

}  // namespace

void SharedStats::count(const DecodedTransfer& d) {
  if (d.reports.empty()) return;
  update([&](LinkStats& s) {
    for (const auto& r : d.reports) ++s.frame_faults[static_cast<int>(r.fault)];
  });
}

CommandChannel::CommandChannel(CommandPipe& pipe, std::shared_ptr<SharedStats> stats,
                               std::chrono::milliseconds reply_timeout, std::string name)
    : pipe_(pipe),
      stats_(std::move(stats)),
      reply_timeout_(reply_timeout),
      name_(std::move(name)) {}

Result<std::optional<Frame>> CommandChannel::await_reply(MessageType command, std::uint8_t seq) {
  const auto deadline = Clock::now() + reply_timeout_;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::optional<Frame>{};
    ONSHI_TRY_ASSIGN(auto bytes, pipe_.receive(left));
    if (!bytes) return std::optional<Frame>{};
    const auto decoded = decode_transfer(*bytes);
    stats_->count(decoded);
    for (const auto& r : decoded.reports) {
      log::warning(kLog, "{}: bulk IN: {} ({} bytes at {}), skipped", name_,
                   frame_fault_name(r.fault), r.bytes, r.offset);
    }
    for (const Frame& f : decoded.frames) {
      const bool reply = f.type == reply_type(command) || f.type == 0xFF;
      if (reply && f.seq == seq) return std::optional<Frame>(f);
      // A late reply to an earlier command (libfido2 #917's off-by-one), or a frame that has no
      // business on bulk IN: dropped, counted, and the wait goes on.
      stats_->update([&](LinkStats& s) {
        ++(reply || (f.type & 0x80) ? s.stale_replies : s.unexpected_frames);
      });
    }
    // A reply that came damaged will not come again by waiting: ask for it again now (the device
    // replays it, §4.1). Bytes that were never a frame (garbage) are no reply: wait on.
    const bool damaged =
        std::any_of(decoded.reports.begin(), decoded.reports.end(),
                    [](const FrameReport& r) { return r.fault != FrameFault::garbage; });
    if (decoded.frames.empty() && damaged) return std::optional<Frame>{};
  }
}

Result<std::optional<Frame>> CommandChannel::exchange(MessageType command, ByteView payload,
                                                      std::uint8_t seq) {
  Frame f;
  f.type = static_cast<std::uint8_t>(command);
  f.seq = seq;
  f.payload.assign(payload.begin(), payload.end());
  ONSHI_TRY(pipe_.send(encode_frame(f)));
  return await_reply(command, seq);
}

Result<Bytes> CommandChannel::transact(MessageType command, ByteView payload) {
  if (pipe_.gone()) return fail(Errc::face_reader_absent, fmt::format("{}: unplugged", name_));
  stats_->update([](LinkStats& s) { ++s.commands; });
  std::uint8_t seq = next_seq_;
  bool resequenced = false;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (attempt > 0) stats_->update([](LinkStats& s) { ++s.retransmissions; });
    // The number is spent once the frame may have reached the device, whatever happens next: a
    // later command with the same number would be taken for a retransmission and answered with
    // this one's remembered reply (§4.1). If the device never saw it, bad_sequence renumbers.
    next_seq_ = static_cast<std::uint8_t>(seq + 1);
    ONSHI_TRY_ASSIGN(auto reply, exchange(command, payload, seq));
    if (!reply) {
      stats_->update([](LinkStats& s) { ++s.timeouts; });
      log::warning(kLog, "{}: no good reply to {} (seq {}) within {} ms{}", name_, name_of(command),
                   seq, reply_timeout_.count(), attempt == 0 ? ": sending it again" : "");
      continue;
    }
    if (reply->type != 0xFF) return std::move(reply->payload);
    stats_->update([](LinkStats& s) { ++s.naks; });
    ONSHI_TRY_ASSIGN(const Nak nak, decode_nak(reply->payload));
    if (nak.code == static_cast<std::uint8_t>(NakCode::bad_sequence) && !resequenced) {
      // The device counts differently (it restarted, or another host spoke): take its number
      // and send once more; it did not execute the command (§4.1).
      resequenced = true;
      seq = *nak.expected;
      next_seq_ = seq;
      attempt = -1;
      continue;
    }
    Error e{
        Errc::face_reader_refused,
        fmt::format("{}: the reader refused {}: {}", name_, name_of(command), nak_name(nak.code)),
        nak.code};
    return fail(std::move(e));
  }
  // A handshake inside a recovery that times out again does not recover once more (no endless
  // reset loop): the caller gets the error, and the driver reopens the device later.
  if (recovering_) {
    return fail(Errc::timeout,
                fmt::format("{}: no reply to {} during recovery", name_, name_of(command)));
  }
  recovering_ = true;
  const Status recovered = recover();
  recovering_ = false;
  if (!recovered) return recovered.error();
  return fail(Errc::timeout, fmt::format("{}: no reply to {} after sending it twice; the link was "
                                         "reset and answers again",
                                         name_, name_of(command)));
}

Status CommandChannel::recover() {
  // §4.2: clear both bulk endpoints and RESET; if that goes unanswered too, reset the device.
  stats_->update([](LinkStats& s) { ++s.link_resets; });
  pipe_.clear_halts();
  const std::uint8_t seq = next_seq_;
  auto reset = exchange(MessageType::reset, {}, seq);
  if (reset && *reset && (*reset)->type == reply_type(MessageType::reset)) {
    next_seq_ = static_cast<std::uint8_t>(seq + 1);
    log::warning(kLog, "{}: the link answers again after RESET", name_);
    return {};
  }
  if (pipe_.gone()) return fail(Errc::face_reader_absent, fmt::format("{}: unplugged", name_));
  stats_->update([](LinkStats& s) { ++s.device_resets; });
  log::warning(kLog, "{}: RESET unanswered: resetting the USB device", name_);
  ONSHI_TRY(pipe_.reset_device());
  ONSHI_TRY(handshake());
  return {};
}

Result<DeviceInfo> CommandChannel::handshake() {
  ONSHI_TRY_ASSIGN(auto reply, transact(MessageType::get_info, get_info_payload()));
  return decode_info(reply);
}

std::vector<EventInput> EventStream::feed(ByteView transfer) {
  std::vector<EventInput> out;
  const auto decoded = decode_transfer(transfer);
  stats_->count(decoded);
  for (const auto& r : decoded.reports) {
    out.push_back({std::nullopt,
                   fmt::format("interrupt IN: {} ({} bytes at {}), skipped",
                               frame_fault_name(r.fault), r.bytes, r.offset),
                   false, false});
  }
  for (const Frame& f : decoded.frames) {
    if (last_seq_ && f.seq == *last_seq_) {
      out.push_back({std::nullopt, fmt::format("event {} came twice: the repeat is dropped", f.seq),
                     false, false});
      continue;
    }
    if (last_seq_ && f.seq != static_cast<std::uint8_t>(*last_seq_ + 1)) {
      const unsigned lost = static_cast<std::uint8_t>(f.seq - *last_seq_ - 1);
      stats_->update([&](LinkStats& s) { s.events_lost += lost; });
      out.push_back({std::nullopt,
                     fmt::format("{} event(s) lost before event {} (§6.1)", lost, f.seq), false,
                     false, true});
    }
    last_seq_ = f.seq;
    auto event = decode_event(f);
    if (!event) {
      stats_->update([](LinkStats& s) { ++s.undecodable_events; });
      out.push_back({std::nullopt, "interrupt IN: " + event.error().message, false, false});
      continue;
    }
    stats_->update([](LinkStats& s) { ++s.events; });
    out.push_back({std::move(*event), std::nullopt, false, false});
  }
  return out;
}

}  // namespace onshi::driver
