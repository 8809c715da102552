#include "onshi/sim/vpcd_frame.hpp"

#include <fmt/format.h>
#include <algorithm>

namespace onshi::sim {

void VpcdFrameDecoder::feed(ByteView bytes) {
  while (!bytes.empty()) {
    if (partial_.size() < kVpcdLengthSize) {
      const std::size_t take = std::min(bytes.size(), kVpcdLengthSize - partial_.size());
      partial_.insert(partial_.end(), bytes.begin(),
                      bytes.begin() + static_cast<std::ptrdiff_t>(take));
      bytes = bytes.subspan(take);
    }
    if (partial_.size() < kVpcdLengthSize) return;
    const std::size_t length = (std::size_t{partial_[0]} << 8) | partial_[1];
    const std::size_t have = partial_.size() - kVpcdLengthSize;
    const std::size_t take = std::min(bytes.size(), length - have);
    partial_.insert(partial_.end(), bytes.begin(),
                    bytes.begin() + static_cast<std::ptrdiff_t>(take));
    bytes = bytes.subspan(take);
    if (partial_.size() == kVpcdLengthSize + length) {
      complete_.emplace_back(partial_.begin() + kVpcdLengthSize, partial_.end());
      partial_.clear();
    }
  }
}

std::optional<Bytes> VpcdFrameDecoder::next_frame() {
  if (complete_.empty()) return std::nullopt;
  Bytes frame = std::move(complete_.front());
  complete_.pop_front();
  return frame;
}

Result<Bytes> encode_vpcd_frame(ByteView payload) {
  if (payload.size() > kVpcdMaxPayload) {
    return fail(Errc::invalid_argument,
                fmt::format("a vpcd frame carries at most 65535 bytes, not {}", payload.size()));
  }
  Bytes frame;
  frame.reserve(kVpcdLengthSize + payload.size());
  frame.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
  frame.push_back(static_cast<std::uint8_t>(payload.size() & 0xFF));
  frame.insert(frame.end(), payload.begin(), payload.end());
  return frame;
}

VpcdMessage classify_vpcd_frame(ByteView payload) {
  VpcdMessage message;
  if (payload.empty()) {
    message.kind = VpcdMessage::Kind::empty;
    return message;
  }
  if (payload.size() > 1) {
    message.kind = VpcdMessage::Kind::apdu;
    message.apdu = payload;
    return message;
  }
  switch (payload[0]) {
    case 0x00:
    case 0x01:
    case 0x02:
    case 0x04:
      message.kind = VpcdMessage::Kind::control;
      message.control = static_cast<VpcdControl>(payload[0]);
      return message;
    default:
      message.kind = VpcdMessage::Kind::unknown_control;
      return message;
  }
}

}  // namespace onshi::sim
