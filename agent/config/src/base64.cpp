#include "base64.hpp"

#include <openssl/evp.h>

#include <string>

namespace onshi::config::detail {

// OpenSSL decodes; re-encoding and comparing enforces the canonical spelling (padding present,
// unused bits zero, no whitespace), which EVP_DecodeBlock alone does not.
std::optional<Bytes> decode_base64(std::string_view text) {
  if (text.empty()) return Bytes{};
  if (text.size() % 4 != 0 || text.size() > 4096) return std::nullopt;
  Bytes decoded(text.size() / 4 * 3);
  const int n = EVP_DecodeBlock(decoded.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  std::size_t padding = 0;
  if (text.back() == '=') ++padding;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++padding;
  decoded.resize(static_cast<std::size_t>(n) - padding);  // EVP_DecodeBlock counts padding as zeros

  std::string again(text.size() + 1, '\0');
  const int m = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(again.data()), decoded.data(),
                                static_cast<int>(decoded.size()));
  if (m < 0 || std::string_view(again.data(), static_cast<std::size_t>(m)) != text) return std::nullopt;
  return decoded;
}

}  // namespace onshi::config::detail
