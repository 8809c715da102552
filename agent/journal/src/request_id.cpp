#include "request_id.hpp"

#include <openssl/err.h>
#include <openssl/rand.h>

#include <array>
#include <cstdint>

namespace onshi::journal::detail {
namespace {

constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz234567";

}  // namespace

Result<std::string> new_request_id() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    return Error(Errc::internal, "journal: OpenSSL's random generator failed to make an id",
                 static_cast<std::int64_t>(e));
  }
  // The 128 bits as one big-endian number in 26 base32 digits, the first carrying the top 3.
  std::uint64_t hi = 0, lo = 0;
  for (int i = 0; i < 8; ++i) hi = (hi << 8) | bytes[static_cast<std::size_t>(i)];
  for (int i = 8; i < 16; ++i) lo = (lo << 8) | bytes[static_cast<std::size_t>(i)];
  std::string id(kIdPrefix);
  id.resize(kIdPrefix.size() + kIdDigits);
  for (std::size_t d = 0; d < kIdDigits; ++d) {
    id[id.size() - 1 - d] = kAlphabet[lo & 31];
    lo = (lo >> 5) | (hi << 59);
    hi >>= 5;
  }
  return id;
}

bool is_request_id(std::string_view id) noexcept {
  if (id.size() != kIdPrefix.size() + kIdDigits || !id.starts_with(kIdPrefix)) return false;
  const std::string_view digits = id.substr(kIdPrefix.size());
  if (digits[0] < 'a' || digits[0] > 'h') return false;
  return digits.find_first_not_of(kAlphabet) == std::string_view::npos;
}

}  // namespace onshi::journal::detail
