#include "onshi/base64.hpp"

#include <openssl/evp.h>

#include <string>

namespace onshi {

// OpenSSL decodes; re-encoding and comparing enforces the canonical spelling (padding present,
// unused bits zero, no whitespace), which EVP_DecodeBlock alone does not.
std::string to_base64(ByteView bytes) {
  std::string text((bytes.size() + 2) / 3 * 4 + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()), bytes.data(),
                                static_cast<int>(bytes.size()));
  text.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return text;
}

std::optional<Bytes> from_base64(std::string_view text, std::size_t max_text) {
  if (text.empty()) return Bytes{};
  if (text.size() % 4 != 0 || text.size() > max_text) return std::nullopt;
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
  if (m < 0 || std::string_view(again.data(), static_cast<std::size_t>(m)) != text)
    return std::nullopt;
  return decoded;
}

}  // namespace onshi
