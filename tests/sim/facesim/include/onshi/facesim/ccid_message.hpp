// The CCID bulk messages (USB CCID Rev 1.1, §6.1 PC_to_RDR, §6.2 RDR_to_PC): a 10-byte header
// (bMessageType, dwLength LE, bSlot, bSeq, three message-specific bytes) and dwLength bytes of
// data. The decoder parses what libccid sends, so it treats every byte as untrusted.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "onshi/bytes.hpp"
#include "onshi/result.hpp"

namespace onshi::facesim::ccid {

inline constexpr std::size_t kHeaderSize = 10;

// PC_to_RDR message types (§6.1).
enum class Command : std::uint8_t {
  set_parameters = 0x61,
  icc_power_on = 0x62,
  icc_power_off = 0x63,
  get_slot_status = 0x65,
  secure = 0x69,
  t0_apdu = 0x6A,
  escape = 0x6B,
  get_parameters = 0x6C,
  reset_parameters = 0x6D,
  icc_clock = 0x6E,
  xfr_block = 0x6F,
  mechanical = 0x71,
  abort = 0x72,
  set_data_rate_and_clock = 0x73,
};
std::string_view command_name(std::uint8_t type) noexcept;

// RDR_to_PC message types (§6.2) and the interrupt-IN messages (§6.3).
inline constexpr std::uint8_t kDataBlock = 0x80;
inline constexpr std::uint8_t kSlotStatus = 0x81;
inline constexpr std::uint8_t kParameters = 0x82;
inline constexpr std::uint8_t kEscape = 0x83;
inline constexpr std::uint8_t kDataRateAndClock = 0x84;
inline constexpr std::uint8_t kNotifySlotChange = 0x50;

// bStatus (§6.2.6): bmICCStatus in bits 0-1, bmCommandStatus in bits 6-7.
enum class IccStatus : std::uint8_t { active = 0, inactive = 1, absent = 2 };
enum class CommandStatus : std::uint8_t { ok = 0, failed = 1, time_extension = 2 };

// bError when the command failed (§6.2.6 Table 6.2-2).
inline constexpr std::uint8_t kErrCmdAborted = 0xFF;
inline constexpr std::uint8_t kErrIccMute = 0xFE;
inline constexpr std::uint8_t kErrXfrParity = 0xFD;
inline constexpr std::uint8_t kErrXfrOverrun = 0xFC;
inline constexpr std::uint8_t kErrHwError = 0xFB;
inline constexpr std::uint8_t kErrBadAtrTs = 0xF8;
inline constexpr std::uint8_t kErrPinTimeout = 0xF0;
inline constexpr std::uint8_t kErrPinCancelled = 0xEF;
inline constexpr std::uint8_t kErrCmdSlotBusy = 0xE0;
inline constexpr std::uint8_t kErrCmdNotSupported = 0x00;
// 1..127: the offset of the header or data byte that was wrong (§6.2.6).
inline constexpr std::uint8_t kErrBadLength = 0x01;  // dwLength
inline constexpr std::uint8_t kErrBadSlot = 0x05;    // bSlot

// wLevelParameter of XfrBlock at extended APDU level (§6.1.4 Table 6.1-3) and bChainParameter
// of DataBlock (§6.2.1).
inline constexpr std::uint16_t kLevelComplete = 0x0000;
inline constexpr std::uint16_t kLevelBegin = 0x0001;
inline constexpr std::uint16_t kLevelEnd = 0x0002;
inline constexpr std::uint16_t kLevelMiddle = 0x0003;
inline constexpr std::uint16_t kLevelContinue = 0x0010;  // empty: send the next response part
inline constexpr std::uint8_t kChainComplete = 0x00;
inline constexpr std::uint8_t kChainBegin = 0x01;
inline constexpr std::uint8_t kChainEnd = 0x02;
inline constexpr std::uint8_t kChainMiddle = 0x03;
inline constexpr std::uint8_t kChainContinue = 0x10;  // empty: send the next command part

struct Message {
  std::uint8_t type = 0;
  std::uint8_t slot = 0;
  std::uint8_t seq = 0;
  std::array<std::uint8_t, 3> specific{};  // bytes 7..9 (e.g. bBWI + wLevelParameter)
  Bytes data;

  std::uint16_t level_parameter() const noexcept {
    return static_cast<std::uint16_t>(specific[1] | (specific[2] << 8));
  }
};

// Decodes one bulk-OUT transfer. Errors (Errc::apdu_invalid) name the defect: shorter than a
// header, dwLength not matching the bytes that came, or longer than `max_message_length`
// (dwMaxCCIDMessageLength).
Result<Message> decode(ByteView bytes, std::size_t max_message_length);

// A reply: header with bStatus/bError and the type-specific byte 9, then `data`.
Bytes encode_reply(std::uint8_t type, const Message& request, IccStatus icc,
                   CommandStatus command_status, std::uint8_t error, std::uint8_t specific,
                   ByteView data = {});

// NotifySlotChange for slot 0 (§6.3.1): bit 0 = present, bit 1 = changed since the last one.
Bytes notify_slot_change(bool present, bool changed);

}  // namespace onshi::facesim::ccid
