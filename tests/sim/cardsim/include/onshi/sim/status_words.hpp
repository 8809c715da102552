// Status words the emulated card answers with (ISO 7816-4 §5.1.3; cards-and-readers.md §1.10).
#pragma once

#include <cstdint>

namespace onshi::sim::sw {

inline constexpr std::uint16_t kOk = 0x9000;
inline constexpr std::uint16_t kBytesRemainingBase = 0x6100;  // 61xx: GET RESPONSE for xx more
inline constexpr std::uint16_t kEndOfFileBeforeLe = 0x6282;   // fewer than Le bytes were left
inline constexpr std::uint16_t kWrongLength = 0x6700;         // malformed APDU, Lc/Le not allowed
inline constexpr std::uint16_t kLogicalChannelNotSupported = 0x6881;
inline constexpr std::uint16_t kSecureMessagingNotSupported = 0x6882;
inline constexpr std::uint16_t kCommandChainingNotSupported = 0x6884;
inline constexpr std::uint16_t kSecurityStatusNotSatisfied = 0x6982;  // PIN not presented
inline constexpr std::uint16_t kConditionsNotSatisfied = 0x6985;  // e.g. GET RESPONSE, nothing due
inline constexpr std::uint16_t kNoCurrentEf = 0x6986;             // READ BINARY with no EF selected
inline constexpr std::uint16_t kFileNotFound = 0x6A82;            // unknown AID, FID or SFI
inline constexpr std::uint16_t kWrongP1P2 = 0x6A86;
inline constexpr std::uint16_t kReferencedDataNotFound = 0x6A88;  // no such PIN / key here
inline constexpr std::uint16_t kOffsetBeyondEnd = 0x6B00;  // JICSAP 7.3.1 / §1.6
inline constexpr std::uint16_t kWrongLeBase = 0x6C00;      // 6Cxx: resend with Le = xx
inline constexpr std::uint16_t kInsNotSupported = 0x6D00;
inline constexpr std::uint16_t kClaNotSupported = 0x6E00;
inline constexpr std::uint16_t kNoPreciseDiagnosis = 0x6F00;  // also: command to an unpowered card

}  // namespace onshi::sim::sw
