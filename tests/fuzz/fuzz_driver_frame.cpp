// libFuzzer target: the host's side of the face reader's vendor protocol (driver/PROTOCOL.md) on
// one arbitrary USB transfer. decode_transfer must account for every byte (frames plus skipped
// bytes = the transfer), every frame it keeps must survive encode → decode unchanged, and every
// payload decoder gets every frame's payload: no crash, no hang, whatever the device sends (§8).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "onshi/driver/frame.hpp"
#include "onshi/driver/messages.hpp"

namespace {

using namespace onshi::driver;

bool same(const Frame& a, const Frame& b) {
  return a.type == b.type && a.seq == b.seq && a.flags == b.flags && a.payload == b.payload;
}

void decode_payloads(const Frame& frame) {
  if (auto event = decode_event(frame)) (void)describe(*event);
  if (auto info = decode_info(frame.payload)) (void)info->has(Feature::consent);
  (void)decode_status(frame.payload);
  (void)decode_nak(frame.payload);
  (void)decode_session_reply(frame.payload);
  (void)message_type_name(frame.type);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const onshi::ByteView transfer(data, size);
  const DecodedTransfer decoded = decode_transfer(transfer);

  // Every byte is either in a kept frame or in exactly one report, and a report always skips
  // something (or the receiver would loop).
  std::size_t accounted = 0;
  for (const auto& report : decoded.reports) {
    if (report.bytes == 0 || report.offset + report.bytes > size) std::abort();
    (void)frame_fault_name(report.fault);
    accounted += report.bytes;
  }
  for (const auto& frame : decoded.frames) {
    if (frame.payload.size() > kMaxPayload) std::abort();
    accounted += kFrameHeaderSize + frame.payload.size() + kFrameCrcSize;
  }
  if (accounted != size) std::abort();

  // The payload decoders also get the raw input (first byte as the type), so the TLV reader is
  // fuzzed without the fuzzer having to find a CRC first.
  if (size > 0) {
    Frame raw;
    raw.type = data[0];
    raw.payload.assign(data + 1, data + size);
    decode_payloads(raw);
  }

  for (const auto& frame : decoded.frames) {
    decode_payloads(frame);
    const onshi::Bytes encoded = encode_frame(frame);
    const DecodedTransfer again = decode_transfer(encoded);
    if (again.frames.size() != 1 || !again.reports.empty()) std::abort();
    if (!same(again.frames[0], frame)) std::abort();
  }
  return 0;
}
