// TLV payloads of the face-reader vendor protocol (driver/PROTOCOL.md §2.1): tag, length, value;
// integers little-endian; unknown tags ignored; a known tag twice, with a wrong length, or a
// record past the payload's end makes the payload malformed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "onshi/bytes.hpp"
#include "onshi/facesim/vendor_protocol.hpp"

namespace onshi::facesim::vendor {

struct TlvRecord {
  std::uint8_t tag = 0;
  Bytes value;
};

// Every record in order; nullopt when one runs past the payload's end.
std::optional<std::vector<TlvRecord>> parse_records(ByteView payload);

// A tag one message knows, with its width (§3.1); a width of 0 is a string (0..255 bytes).
struct TagSpec {
  Tag tag;
  std::size_t width = 0;
};
inline constexpr std::size_t kText = 0;

// The known fields of one payload, checked against the message's TagSpecs.
class TlvFields {
 public:
  bool has(Tag tag) const { return values_.contains(static_cast<std::uint8_t>(tag)); }
  std::optional<std::uint8_t> u8(Tag tag) const;
  std::optional<std::uint16_t> u16(Tag tag) const;
  std::optional<std::uint32_t> u32(Tag tag) const;
  std::optional<std::string> text(Tag tag) const;
  std::optional<Bytes> bytes(Tag tag) const;

 private:
  friend std::optional<TlvFields> parse_fields(ByteView, std::span<const TagSpec>);
  std::map<std::uint8_t, Bytes> values_;
};

// nullopt when the payload is malformed for a message knowing `known` (tags outside it are
// ignored, as later protocol versions add fields that way).
std::optional<TlvFields> parse_fields(ByteView payload, std::span<const TagSpec> known);

// Builds a payload in the order the fields are added. Strings longer than 255 bytes are cut
// (§2.1); callers keep their strings short enough for the payload limit.
class TlvWriter {
 public:
  TlvWriter& u8(Tag tag, std::uint8_t value);
  TlvWriter& u16(Tag tag, std::uint16_t value);
  TlvWriter& u32(Tag tag, std::uint32_t value);
  TlvWriter& bytes(Tag tag, ByteView value);
  TlvWriter& text(Tag tag, std::string_view value);
  const Bytes& payload() const noexcept { return payload_; }
  Bytes take() { return std::move(payload_); }

 private:
  Bytes payload_;
};

// Whether `text` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool valid_utf8(std::string_view text);

}  // namespace onshi::facesim::vendor
