#include "onshi/driver/pairing.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace onshi::driver {
namespace {

bool same_model(const FaceReaderLocation& f, const CardSlot& s) {
  return (!s.vendor_id || *s.vendor_id == f.vendor_id) &&
         (!s.product_id || *s.product_id == f.product_id);
}

bool channel_known(const CardSlot& s) { return s.bus && s.address; }

bool same_channel(const FaceReaderLocation& f, const CardSlot& s) {
  return channel_known(s) && *s.bus == f.bus && *s.address == f.address;
}

}  // namespace

const Pairing* PairingResult::find(std::string_view face_serial) const {
  for (const auto& p : pairs)
    if (p.face_serial == face_serial) return &p;
  return nullptr;
}

PairingResult pair_card_slots(std::span<const FaceReaderLocation> face_readers,
                              std::span<const CardSlot> slots) {
  PairingResult out;
  std::set<std::size_t> used;
  for (const auto& face : face_readers) {
    // Two face readers with one serial (a maker's mistake, a clone): only the channel tells
    // them apart, so a serial match alone pairs neither.
    const auto twins =
        std::count_if(face_readers.begin(), face_readers.end(),
                      [&](const FaceReaderLocation& f) { return f.serial == face.serial; });
    std::vector<std::size_t> by_serial;
    std::vector<std::size_t> by_channel;
    for (std::size_t i = 0; i < slots.size(); ++i) {
      if (used.count(i) || !same_model(face, slots[i])) continue;
      if (slots[i].serial && *slots[i].serial == face.serial) by_serial.push_back(i);
      if (!slots[i].serial && same_channel(face, slots[i])) by_channel.push_back(i);
    }
    if (twins > 1 && by_serial.size() > 1) {
      // Twin devices: each slot's channel says which twin it is.
      std::erase_if(by_serial, [&](std::size_t i) { return !same_channel(face, slots[i]); });
    }
    if (by_serial.size() > 1) {
      out.problems.push_back(
          fmt::format("{}: {} card slots report this serial; pairing them needs one", face.serial,
                      by_serial.size()));
      out.unpaired.push_back(face.serial);
      continue;
    }
    if (by_serial.size() == 1) {
      const CardSlot& slot = slots[by_serial[0]];
      if (twins > 1 && !channel_known(slot)) {
        out.problems.push_back(fmt::format(
            "{}: {} face readers report this serial and the card slot '{}' has no bus/address to "
            "tell them apart",
            face.serial, twins, slot.reader_name));
        out.unpaired.push_back(face.serial);
        continue;
      }
      if (channel_known(slot) && !same_channel(face, slot)) {
        out.problems.push_back(fmt::format(
            "{}: the card slot '{}' is at USB {}/{}, the face reader at {}/{}: replugged between "
            "the two reads, ask again",
            face.serial, slot.reader_name, *slot.bus, *slot.address, face.bus, face.address));
        out.unpaired.push_back(face.serial);
        continue;
      }
      used.insert(by_serial[0]);
      out.pairs.push_back({face.serial, slot.reader_name,
                           channel_known(slot) ? PairedBy::serial_and_channel : PairedBy::serial});
      continue;
    }
    if (by_channel.size() == 1) {
      used.insert(by_channel[0]);
      out.pairs.push_back({face.serial, slots[by_channel[0]].reader_name, PairedBy::channel});
      continue;
    }
    out.unpaired.push_back(face.serial);
  }
  return out;
}

}  // namespace onshi::driver
