#include "hpki_files.hpp"

#include "onshi/sim/hpki.hpp"

namespace onshi::sim::hpki {
namespace {

constexpr std::uint8_t kSequence = 0x30;
constexpr std::uint8_t kInteger = 0x02;
constexpr std::uint8_t kBitString = 0x03;
constexpr std::uint8_t kLabelTag = 0x80;  // label [0], implicitly tagged UTF8String
constexpr std::uint8_t kVersion2 = 0x01;  // CIAInfo version v2(1)
constexpr std::size_t kOdSize = 16;

// Short-form lengths only: everything here is far below 128 bytes.
void append_tlv(Bytes& out, std::uint8_t tag, ByteView value) {
  out.push_back(tag);
  out.push_back(static_cast<std::uint8_t>(value.size()));
  out.insert(out.end(), value.begin(), value.end());
}

}  // namespace

Bytes cia_info() {
  Bytes body;
  append_tlv(body, kInteger, Bytes{kVersion2});
  append_tlv(body, kLabelTag, Bytes(kCiaLabel.begin(), kCiaLabel.end()));
  append_tlv(body, kBitString, Bytes{0x00});  // no unused bits, no flags set
  Bytes out;
  append_tlv(out, kSequence, body);
  return out;
}

Bytes object_directory() { return Bytes(kOdSize, 0x00); }

}  // namespace onshi::sim::hpki
