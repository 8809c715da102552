#include "onshi/sim/kenmen.hpp"

#include <fmt/format.h>

#include <array>

#include "ber.hpp"

namespace onshi::sim::kenmen {
namespace {

constexpr std::array<std::uint8_t, 2> kTagMyNumber = {0xFF, 0x10};  // §1.7
constexpr std::array<std::uint8_t, 2> kTagBasicFour = {0xFF, 0x20};
constexpr std::array<std::uint8_t, 2> kTagOffsets = {0xDF, 0x21};
constexpr std::array<std::uint8_t, 2> kTagName = {0xDF, 0x22};
constexpr std::array<std::uint8_t, 2> kTagAddress = {0xDF, 0x23};
constexpr std::array<std::uint8_t, 2> kTagBirthDate = {0xDF, 0x24};
constexpr std::array<std::uint8_t, 2> kTagSex = {0xDF, 0x25};
constexpr std::size_t kOffsetCount = 4;     // DF22..DF25
constexpr std::size_t kDateSize = 8;        // YYYYMMDD
constexpr std::size_t kMyNumberFiller = 2;  // two FF after the 15-byte object (§1.7)
constexpr std::uint8_t kFiller = 0xFF;

bool all_digits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Bytes tlv(ByteView tag, std::string_view value) {
  Bytes out;
  ber::append_tlv(out, tag, ber::text_bytes(value));
  return out;
}

void put_u16(Bytes& out, std::size_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value & 0xFF));
}

}  // namespace

std::optional<int> my_number_check_digit(std::string_view first_eleven) {
  if (first_eleven.size() != kMyNumberDigits - 1 || !all_digits(first_eleven)) return std::nullopt;
  int sum = 0;
  for (std::size_t n = 1; n <= first_eleven.size(); ++n) {
    const int p = first_eleven[first_eleven.size() - n] - '0';  // n-th digit from the right
    const int q = n <= 6 ? static_cast<int>(n) + 1 : static_cast<int>(n) - 5;
    sum += p * q;
  }
  const int r = sum % 11;
  return r <= 1 ? 0 : 11 - r;
}

bool my_number_valid(std::string_view my_number) {
  if (my_number.size() != kMyNumberDigits || !all_digits(my_number)) return false;
  const auto expected = my_number_check_digit(my_number.substr(0, kMyNumberDigits - 1));
  return expected && my_number.back() - '0' == *expected;
}

Bytes my_number_ef(std::string_view my_number) {
  Bytes out;
  ber::append_tlv(out, kTagMyNumber, ber::text_bytes(my_number));
  out.insert(out.end(), kMyNumberFiller, kFiller);
  return out;
}

Result<Bytes> basic_four_ef(const BasicFour& data, Layout layout) {
  if (data.birth_date.size() != kDateSize) {
    return fail(Errc::invalid_argument, "the birth date must be 8 bytes (YYYYMMDD)");
  }
  if (data.sex.size() != 1) return fail(Errc::invalid_argument, "the sex must be 1 byte");
  const Bytes name = tlv(kTagName, data.name);
  const Bytes address = tlv(kTagAddress, data.address);
  const Bytes birth = tlv(kTagBirthDate, data.birth_date);
  const Bytes sex = tlv(kTagSex, data.sex);
  const std::size_t offsets_size = kTagOffsets.size() + 1 + 2 * kOffsetCount;
  const std::size_t content =
      offsets_size + name.size() + address.size() + birth.size() + sex.size();
  const std::size_t prefix = layout == Layout::y2023 ? kLayout2023Prefix.size() : 0;
  const std::size_t header = prefix + kTagBasicFour.size() + ber::length_size(content);
  if (content > ber::kMaxLength || header + content > kBasicFourEfSize) {
    return fail(Errc::invalid_argument,
                fmt::format("the 基本4情報 record needs {} bytes, more than the {}-byte EF",
                            header + content, kBasicFourEfSize));
  }

  Bytes out;
  out.reserve(kBasicFourEfSize);
  if (layout == Layout::y2023) {
    out.insert(out.end(), kLayout2023Prefix.begin(), kLayout2023Prefix.end());
  }
  out.insert(out.end(), kTagBasicFour.begin(), kTagBasicFour.end());
  ber::append_length(out, content);
  // DF21: where each following tag starts, counted from the file start (§1.7).
  out.insert(out.end(), kTagOffsets.begin(), kTagOffsets.end());
  out.push_back(static_cast<std::uint8_t>(2 * kOffsetCount));
  std::size_t at = header + offsets_size;
  for (const Bytes* field : {&name, &address, &birth, &sex}) {
    put_u16(out, at);
    at += field->size();
  }
  for (const Bytes* field : {&name, &address, &birth, &sex}) {
    out.insert(out.end(), field->begin(), field->end());
  }
  out.resize(kBasicFourEfSize, kFiller);
  return out;
}

}  // namespace onshi::sim::kenmen
