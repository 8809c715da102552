#include "onshi/facesim/pin_verify.hpp"

#include <fmt/format.h>

#include "onshi/facesim/ccid_message.hpp"

namespace onshi::facesim {
namespace {

// Offsets in the Secure message: 10-byte header, bPINOperation, then the structure (§6.1.11).
constexpr std::uint8_t kOffOperation = 10;
constexpr std::uint8_t kOffFormat = 12;
constexpr std::uint8_t kOffBlock = 13;
constexpr std::uint8_t kOffLengthFormat = 14;
constexpr std::uint8_t kOffExtraDigit = 15;
constexpr std::uint8_t kOffApdu = 25;
constexpr std::size_t kFixedFields = 15;  // bPINOperation .. bTeoPrologue
constexpr std::size_t kApduHeader = 4;    // CLA INS P1 P2

SecureFieldError field_error(std::uint8_t offset, std::string message) {
  return SecureFieldError{offset, std::move(message)};
}

// Writes `value` (`bits` wide, most significant bit first) at bit `position` of `field`.
bool put_bits(Bytes& field, std::size_t position, std::size_t bits, std::uint32_t value) {
  if (position + bits > field.size() * 8) return false;
  for (std::size_t i = 0; i < bits; ++i) {
    const std::size_t bit = position + i;
    const bool set = ((value >> (bits - 1 - i)) & 1U) != 0;
    auto& byte = field[bit / 8];
    const auto mask = static_cast<std::uint8_t>(0x80U >> (bit % 8));
    byte = static_cast<std::uint8_t>(set ? (byte | mask) : (byte & ~mask));
  }
  return true;
}

std::size_t bits_per_digit(PinEncoding encoding) {
  return encoding == PinEncoding::ascii ? 8 : (encoding == PinEncoding::bcd ? 4 : 8);
}

std::uint32_t digit_value(PinEncoding encoding, char digit) {
  const auto d = static_cast<std::uint32_t>(digit - '0');
  return encoding == PinEncoding::ascii ? static_cast<std::uint32_t>(digit) : d;
}

}  // namespace

std::variant<PinVerifyRequest, SecureFieldError> parse_pin_verify(ByteView data) {
  if (data.empty()) return field_error(ccid::kErrBadLength, "Secure without bPINOperation");
  if (data[0] == 0x01) return field_error(kOffOperation, "PIN modification is not emulated");
  if (data[0] != 0x00) {
    return field_error(kOffOperation,
                       fmt::format("bPINOperation {:02X} is not a PIN verification", data[0]));
  }
  if (data.size() < kFixedFields + kApduHeader) {
    return field_error(ccid::kErrBadLength,
                       fmt::format("PIN verification structure of {} bytes is shorter than {}",
                                   data.size(), kFixedFields + kApduHeader));
  }
  PinVerifyRequest r;
  r.timeout_seconds = data[1];
  const std::uint8_t format = data[2];
  r.position_in_bytes = (format & 0x80) != 0;
  r.pin_position = static_cast<std::uint8_t>((format >> 3) & 0x0F);
  r.right_justified = (format & 0x04) != 0;
  const std::uint8_t encoding = format & 0x03;
  if (encoding == 3) return field_error(kOffFormat, "bmFormatString names PIN format 3 (reserved)");
  r.encoding = static_cast<PinEncoding>(encoding);
  r.length_field_bits = static_cast<std::uint8_t>(data[3] >> 4);
  r.block_size = static_cast<std::uint8_t>(data[3] & 0x0F);
  r.length_position_in_bytes = (data[4] & 0x10) != 0;
  r.length_position = static_cast<std::uint8_t>(data[4] & 0x0F);
  if ((data[4] & 0xE0) != 0)
    return field_error(kOffLengthFormat, "bmPINLengthFormat has reserved bits set");
  r.max_digits = data[5];
  r.min_digits = data[6];
  if (r.min_digits > r.max_digits || r.max_digits == 0) {
    return field_error(kOffExtraDigit, fmt::format("wPINMaxExtraDigit allows {}..{} digits",
                                                   r.min_digits, r.max_digits));
  }
  r.entry_validation = data[7];
  r.messages = data[8];
  r.apdu_template.assign(data.begin() + kFixedFields, data.end());
  if (r.block_size != 0 && r.apdu_template.size() < kApduHeader + 1 + r.block_size) {
    return field_error(kOffBlock,
                       fmt::format("a {}-byte PIN block does not fit the {}-byte APDU template",
                                   r.block_size, r.apdu_template.size()));
  }
  return r;
}

std::variant<Bytes, SecureFieldError> build_verify_apdu(const PinVerifyRequest& r,
                                                        std::string_view digits) {
  for (const char c : digits) {
    if (c < '0' || c > '9') return field_error(kOffApdu, "a pad types digits only");
  }
  const std::size_t pin_bits = digits.size() * bits_per_digit(r.encoding);
  Bytes apdu(r.apdu_template.begin(), r.apdu_template.begin() + kApduHeader);
  Bytes field;  // the data field after Lc: holds the PIN, wiped on every way out
  struct Wipe {
    Bytes& b;
    ~Wipe() { secure_wipe(b.data(), b.size()); }
  } wipe{field};
  if (r.block_size == 0) {
    // Variable block: the PIN alone, Lc = its encoded length (a position is meaningless here).
    field.assign((pin_bits + 7) / 8, 0x00);
    if (r.encoding == PinEncoding::bcd && digits.size() % 2 != 0) field.back() = 0x0F;
  } else {
    field.assign(r.apdu_template.begin() + kApduHeader + 1, r.apdu_template.end());
  }
  const std::size_t unit = r.position_in_bytes ? 8 : 1;
  const std::size_t block_bits = (r.block_size == 0 ? field.size() : r.block_size) * 8;
  std::size_t position = r.block_size == 0 ? 0 : r.pin_position * unit;
  // The block starts at the data field; the PIN sits at its position, or at the block's end.
  if (position + pin_bits > block_bits) {
    return field_error(kOffBlock, fmt::format("{} digits do not fit a {}-byte PIN block",
                                              digits.size(), block_bits / 8));
  }
  if (r.right_justified) position = block_bits - pin_bits;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    const std::size_t w = bits_per_digit(r.encoding);
    if (!put_bits(field, position + i * w, w, digit_value(r.encoding, digits[i]))) {
      return field_error(kOffFormat, "the PIN position lies beyond the APDU template");
    }
  }
  if (r.length_field_bits != 0) {
    const std::size_t at = r.length_position * (r.length_position_in_bytes ? 8 : 1);
    if (!put_bits(field, at, r.length_field_bits, static_cast<std::uint32_t>(digits.size()))) {
      return field_error(kOffLengthFormat, "the PIN length position lies beyond the APDU template");
    }
  }
  if (field.size() > 255) return field_error(kOffApdu, "the PIN APDU's data exceeds a short Lc");
  apdu.push_back(static_cast<std::uint8_t>(field.size()));
  apdu.insert(apdu.end(), field.begin(), field.end());
  return apdu;
}

}  // namespace onshi::facesim
