#include "onshi/facesim/ccid_message.hpp"

#include <fmt/format.h>

namespace onshi::facesim::ccid {

std::string_view command_name(std::uint8_t type) noexcept {
  switch (static_cast<Command>(type)) {
    case Command::set_parameters:
      return "SetParameters";
    case Command::icc_power_on:
      return "IccPowerOn";
    case Command::icc_power_off:
      return "IccPowerOff";
    case Command::get_slot_status:
      return "GetSlotStatus";
    case Command::secure:
      return "Secure";
    case Command::t0_apdu:
      return "T0APDU";
    case Command::escape:
      return "Escape";
    case Command::get_parameters:
      return "GetParameters";
    case Command::reset_parameters:
      return "ResetParameters";
    case Command::icc_clock:
      return "IccClock";
    case Command::xfr_block:
      return "XfrBlock";
    case Command::mechanical:
      return "Mechanical";
    case Command::abort:
      return "Abort";
    case Command::set_data_rate_and_clock:
      return "SetDataRateAndClockFrequency";
  }
  return "unknown";
}

Result<Message> decode(ByteView bytes, std::size_t max_message_length) {
  if (bytes.size() < kHeaderSize) {
    return fail(
        Errc::apdu_invalid,
        fmt::format("CCID message of {} bytes is shorter than its 10-byte header", bytes.size()));
  }
  if (bytes.size() > max_message_length) {
    return fail(Errc::apdu_invalid,
                fmt::format("CCID message of {} bytes exceeds dwMaxCCIDMessageLength {}",
                            bytes.size(), max_message_length));
  }
  const std::uint32_t length = std::uint32_t{bytes[1]} | (std::uint32_t{bytes[2]} << 8) |
                               (std::uint32_t{bytes[3]} << 16) | (std::uint32_t{bytes[4]} << 24);
  if (length != bytes.size() - kHeaderSize) {
    return fail(Errc::apdu_invalid,
                fmt::format("CCID {} says dwLength {} but carries {} data bytes",
                            command_name(bytes[0]), length, bytes.size() - kHeaderSize));
  }
  Message m;
  m.type = bytes[0];
  m.slot = bytes[5];
  m.seq = bytes[6];
  m.specific = {bytes[7], bytes[8], bytes[9]};
  m.data.assign(bytes.begin() + kHeaderSize, bytes.end());
  return m;
}

Bytes encode_reply(std::uint8_t type, const Message& request, IccStatus icc,
                   CommandStatus command_status, std::uint8_t error, std::uint8_t specific,
                   ByteView data) {
  Bytes out(kHeaderSize + data.size());
  const auto length = static_cast<std::uint32_t>(data.size());
  out[0] = type;
  out[1] = static_cast<std::uint8_t>(length);
  out[2] = static_cast<std::uint8_t>(length >> 8);
  out[3] = static_cast<std::uint8_t>(length >> 16);
  out[4] = static_cast<std::uint8_t>(length >> 24);
  out[5] = request.slot;
  out[6] = request.seq;
  out[7] = static_cast<std::uint8_t>(static_cast<std::uint8_t>(icc) |
                                     (static_cast<std::uint8_t>(command_status) << 6));
  out[8] = error;
  out[9] = specific;
  std::copy(data.begin(), data.end(), out.begin() + kHeaderSize);
  return out;
}

Bytes notify_slot_change(bool present, bool changed) {
  return {kNotifySlotChange,
          static_cast<std::uint8_t>((present ? 0x01 : 0x00) | (changed ? 0x02 : 0x00))};
}

}  // namespace onshi::facesim::ccid
