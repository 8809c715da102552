// Which PC/SC reader is the card slot of which face reader (issue 8, "Pairing"). The face reader
// and its CCID slot are one USB device: the same iSerialNumber, and at one moment the same bus
// and address (libccid's SCARD_ATTR_CHANNEL_ID, 0x0020<<16 | bus<<8 | address, changes on every
// replug). Plain data in, plain data out: the driver does not depend on pcsc/, the agent feeds it
// what pcsc::query_reader_identity found.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace onshi::driver {

struct CardSlot {
  std::string reader_name;  // the PC/SC display name now
  std::optional<std::string> serial;
  std::optional<std::uint16_t> vendor_id;
  std::optional<std::uint16_t> product_id;
  std::optional<int> bus;  // from SCARD_ATTR_CHANNEL_ID, USB readers only
  std::optional<int> address;
};

struct FaceReaderLocation {
  std::string serial;
  std::uint16_t vendor_id = 0;
  std::uint16_t product_id = 0;
  int bus = 0;
  int address = 0;
};

enum class PairedBy {
  serial_and_channel,  // both agree: the strongest pairing
  serial,              // the slot's bus/address are unknown
  channel,             // no serial on the slot side (a reader whose driver does not report it)
};

struct Pairing {
  std::string face_serial;
  std::string reader_name;
  PairedBy by = PairedBy::serial;
};

struct PairingResult {
  std::vector<Pairing> pairs;
  std::vector<std::string> unpaired;  // face readers' serials without a slot
  // What stopped a pairing, for the log and onshictl: "FACE0001: ... moved to 1/7 ...".
  std::vector<std::string> problems;
  const Pairing* find(std::string_view face_serial) const;
};

// Pairs each face reader with at most one slot and each slot with at most one face reader. A
// serial match whose bus/address disagree is a replug between the two reads: not paired, and
// reported, so the caller asks again (a stale pairing would send a patient's PIN prompt to the
// wrong desk).
PairingResult pair_card_slots(std::span<const FaceReaderLocation> face_readers,
                              std::span<const CardSlot> slots);

}  // namespace onshi::driver
