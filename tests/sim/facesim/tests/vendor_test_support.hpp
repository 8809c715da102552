// Shared by the vendor-protocol unit tests: a minimal host written from driver/PROTOCOL.md that
// numbers its commands, and readers for the frames and TLV fields the device sends.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <vector>

#include "onshi/facesim/vendor_device.hpp"
#include "onshi/facesim/vendor_frame.hpp"
#include "onshi/facesim/vendor_tlv.hpp"

namespace onshi::facesim::testing {

using namespace std::chrono_literals;
namespace v = vendor;

// The records of a payload by tag; a failure when it is not well-formed TLV or repeats a tag.
inline std::map<std::uint8_t, Bytes> records(const Bytes& payload) {
  std::map<std::uint8_t, Bytes> out;
  const auto parsed = v::parse_records(payload);
  EXPECT_TRUE(parsed) << "payload is no TLV: " << to_hex(payload);
  if (!parsed) return out;
  for (const auto& r : *parsed) EXPECT_TRUE(out.emplace(r.tag, r.value).second) << "tag twice";
  return out;
}

// An integer field (little-endian, any width); nullopt when absent.
inline std::optional<std::uint64_t> field(const v::Frame& frame, v::Tag tag) {
  const auto all = records(frame.payload);
  const auto it = all.find(static_cast<std::uint8_t>(tag));
  if (it == all.end()) return std::nullopt;
  std::uint64_t value = 0;
  for (std::size_t i = it->second.size(); i-- > 0;) value = (value << 8) | it->second[i];
  return value;
}

inline std::string text_field(const v::Frame& frame, v::Tag tag) {
  const auto all = records(frame.payload);
  const auto it = all.find(static_cast<std::uint8_t>(tag));
  return it == all.end() ? std::string("<absent>")
                         : std::string(it->second.begin(), it->second.end());
}

// The one frame a transfer carries (a failure otherwise).
inline v::Frame only_frame(const Bytes& transfer) {
  v::DecodeStats stats;
  auto frames = v::decode_transfer(transfer, stats);
  EXPECT_EQ(frames.size(), 1U) << to_hex(transfer);
  EXPECT_EQ(stats.garbage_bytes + stats.bad_crc + stats.truncated, 0U) << to_hex(transfer);
  return frames.empty() ? v::Frame{} : frames.front();
}

inline std::uint8_t type_of(v::Type t) { return static_cast<std::uint8_t>(t); }
inline std::uint8_t reply_to(v::Type t) { return static_cast<std::uint8_t>(type_of(t) | 0x80); }

// Payload builders for the commands of §5.
inline Bytes get_info_payload() {
  return v::TlvWriter().u8(v::Tag::protocol_min, 1).u8(v::Tag::protocol_max, 1).take();
}
inline Bytes start_payload(std::uint32_t session, v::Mode mode, std::uint8_t consents = 0,
                           std::optional<std::uint16_t> timeout = std::nullopt,
                           std::optional<std::uint8_t> attempts = std::nullopt) {
  v::TlvWriter w;
  w.u32(v::Tag::session, session).u8(v::Tag::mode, static_cast<std::uint8_t>(mode));
  if (consents != 0) w.u8(v::Tag::consents, consents);
  if (timeout) w.u16(v::Tag::timeout, *timeout);
  if (attempts) w.u8(v::Tag::face_attempts, *attempts);
  return w.take();
}
inline Bytes session_payload(std::uint32_t session) {
  return v::TlvWriter().u32(v::Tag::session, session).take();
}
inline Bytes identity_payload(std::uint32_t session, bool ok) {
  return v::TlvWriter().u32(v::Tag::session, session).u8(v::Tag::ok, ok ? 1 : 0).take();
}

// A host on one VendorDevice: commands numbered from 0, replies and events read back.
class Host {
 public:
  Host(VendorDevice& device, Clock::time_point start) : now(start), device_(device) {}

  // Sends one command with the next number; its reply (a failure and an empty frame if none).
  v::Frame command(v::Type type, Bytes payload = {}) { return command_with(seq++, type, payload); }
  v::Frame command_with(std::uint8_t number, v::Type type, const Bytes& payload) {
    device_.handle(v::encode_frame(type, number, payload), now);
    return reply();
  }
  v::Frame reply() {
    auto r = device_.take_reply();
    EXPECT_TRUE(r) << "no reply";
    return r ? only_frame(*r) : v::Frame{};
  }
  // The handshake: GET_INFO with number 0.
  v::Frame open() { return command(v::Type::get_info, get_info_payload()); }

  // Every event due by `now`, as frames.
  std::vector<v::Frame> events() {
    std::vector<v::Frame> out;
    while (auto e = device_.take_event(now)) out.push_back(only_frame(*e));
    return out;
  }
  // The types of every event due by `now`.
  std::vector<std::uint8_t> event_types() {
    std::vector<std::uint8_t> out;
    for (const auto& e : events()) out.push_back(e.type);
    return out;
  }

  std::uint8_t seq = 0;
  Clock::time_point now;

 private:
  VendorDevice& device_;
};

inline std::vector<std::uint8_t> types(std::initializer_list<v::Type> list) {
  std::vector<std::uint8_t> out;
  for (const auto t : list) out.push_back(type_of(t));
  return out;
}

}  // namespace onshi::facesim::testing
