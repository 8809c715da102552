#include "onshi/facesim/vendor_tlv.hpp"

#include <algorithm>

namespace onshi::facesim::vendor {

std::optional<std::vector<TlvRecord>> parse_records(ByteView payload) {
  std::vector<TlvRecord> records;
  std::size_t at = 0;
  while (at < payload.size()) {
    if (payload.size() - at < 2) return std::nullopt;
    const std::size_t length = payload[at + 1];
    if (payload.size() - at - 2 < length) return std::nullopt;
    const ByteView value = payload.subspan(at + 2, length);
    records.push_back({payload[at], Bytes(value.begin(), value.end())});
    at += 2 + length;
  }
  return records;
}

std::optional<TlvFields> parse_fields(ByteView payload, std::span<const TagSpec> known) {
  auto records = parse_records(payload);
  if (!records) return std::nullopt;
  TlvFields fields;
  for (auto& record : *records) {
    const auto spec = std::find_if(known.begin(), known.end(), [&](const TagSpec& s) {
      return static_cast<std::uint8_t>(s.tag) == record.tag;
    });
    if (spec == known.end()) continue;  // unknown here: ignored (§2.1)
    if (spec->width != kText && record.value.size() != spec->width) return std::nullopt;
    if (!fields.values_.emplace(record.tag, std::move(record.value)).second) return std::nullopt;
  }
  return fields;
}

std::optional<Bytes> TlvFields::bytes(Tag tag) const {
  const auto it = values_.find(static_cast<std::uint8_t>(tag));
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::uint8_t> TlvFields::u8(Tag tag) const {
  const auto b = bytes(tag);
  if (!b || b->size() != 1) return std::nullopt;
  return (*b)[0];
}

std::optional<std::uint16_t> TlvFields::u16(Tag tag) const {
  const auto b = bytes(tag);
  if (!b || b->size() != 2) return std::nullopt;
  return static_cast<std::uint16_t>((*b)[0] | ((*b)[1] << 8));
}

std::optional<std::uint32_t> TlvFields::u32(Tag tag) const {
  const auto b = bytes(tag);
  if (!b || b->size() != 4) return std::nullopt;
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | (*b)[static_cast<std::size_t>(i)];
  return v;
}

std::optional<std::string> TlvFields::text(Tag tag) const {
  const auto b = bytes(tag);
  if (!b) return std::nullopt;
  return std::string(b->begin(), b->end());
}

TlvWriter& TlvWriter::bytes(Tag tag, ByteView value) {
  const std::size_t n = std::min<std::size_t>(value.size(), 255);
  payload_.push_back(static_cast<std::uint8_t>(tag));
  payload_.push_back(static_cast<std::uint8_t>(n));
  payload_.insert(payload_.end(), value.begin(), value.begin() + static_cast<std::ptrdiff_t>(n));
  return *this;
}

TlvWriter& TlvWriter::u8(Tag tag, std::uint8_t value) { return bytes(tag, Bytes{value}); }

TlvWriter& TlvWriter::u16(Tag tag, std::uint16_t value) {
  return bytes(tag, Bytes{static_cast<std::uint8_t>(value), static_cast<std::uint8_t>(value >> 8)});
}

TlvWriter& TlvWriter::u32(Tag tag, std::uint32_t value) {
  Bytes b;
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
  return bytes(tag, b);
}

TlvWriter& TlvWriter::text(Tag tag, std::string_view value) {
  return bytes(tag, ByteView(reinterpret_cast<const std::uint8_t*>(value.data()), value.size()));
}

bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (text.size() - i <= extra) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    const std::uint32_t smallest = extra == 1 ? 0x80 : extra == 2 ? 0x800 : 0x10000;
    if (cp < smallest || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

}  // namespace onshi::facesim::vendor
