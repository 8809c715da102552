// Byte buffers, hex conversion, and buffers for secrets that wipe themselves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace onshi {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// "3B E0 00" style (upper case, single spaces) or compact "3BE000".
std::string to_hex(ByteView bytes, bool spaced = false);

// Accepts hex digits with optional spaces, colons or dashes between bytes; nullopt on anything else.
std::optional<Bytes> from_hex(std::string_view text);

// Overwrites memory in a way the optimiser may not remove (OPENSSL_cleanse-like).
void secure_wipe(void* data, std::size_t size) noexcept;

// A byte buffer for PINs and keys: wiped when it is cleared, shrunk or destroyed, never copied.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(ByteView bytes) : bytes_(bytes.begin(), bytes.end()) {}
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& other) noexcept : bytes_(std::move(other.bytes_)) {}
  SecretBytes& operator=(SecretBytes&& other) noexcept {
    if (this != &other) {
      clear();
      bytes_ = std::move(other.bytes_);
    }
    return *this;
  }
  ~SecretBytes() { clear(); }

  void clear() noexcept {
    secure_wipe(bytes_.data(), bytes_.size());
    bytes_.clear();
  }
  ByteView view() const noexcept { return bytes_; }
  std::size_t size() const noexcept { return bytes_.size(); }
  bool empty() const noexcept { return bytes_.empty(); }

 private:
  Bytes bytes_;
};

}  // namespace onshi
