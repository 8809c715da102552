#include "onshi/sim/pin_object.hpp"

#include <openssl/crypto.h>

#include <algorithm>

namespace onshi::sim {
namespace {

constexpr std::uint16_t kOk = 0x9000;
constexpr std::uint16_t kWrongLength = 0x6700;
constexpr std::uint16_t kTriesLeftBase = 0x63C0;  // 63Cx: x tries left (§1.4)
constexpr std::uint8_t kMaxCounter = 0x0F;        // x is one nibble

std::uint16_t tries_sw(std::uint8_t tries) {
  return static_cast<std::uint16_t>(kTriesLeftBase | std::min(tries, kMaxCounter));
}

}  // namespace

PinObject::PinObject(NodeId df, std::uint8_t reference, std::shared_ptr<const SecretBytes> value,
                     std::uint8_t max_tries, std::uint8_t tries_left, std::uint16_t blocked_sw,
                     PinLength length)
    : df_(df),
      reference_(reference),
      value_(std::move(value)),
      max_tries_(std::min(max_tries, kMaxCounter)),
      tries_left_(std::min(tries_left, max_tries_)),
      blocked_sw_(blocked_sw),
      length_(length) {}

bool PinObject::verified(const SecurityState& security) const {
  return security.verified_references.count({df_, reference_}) != 0;
}

void PinObject::consume(SecurityState& security) const {
  security.verified_references.erase({df_, reference_});
}

std::uint16_t PinObject::query(const SecurityState& security) const {
  if (verified(security)) return kOk;
  return tries_sw(tries_left_);
}

std::uint16_t PinObject::verify(ByteView presented, SecurityState& security) {
  if (presented.size() < length_.min || presented.size() > length_.max) return kWrongLength;
  if (tries_left_ == 0) return blocked_sw_;
  const ByteView expected = value_ ? value_->view() : ByteView{};
  // Constant-time comparison: the emulator should not teach timing leaks by example.
  const bool right = !expected.empty() && presented.size() == expected.size() &&
                     CRYPTO_memcmp(presented.data(), expected.data(), expected.size()) == 0;
  if (right) {
    tries_left_ = max_tries_;
    security.verified_references.insert({df_, reference_});
    return kOk;
  }
  // ISO 7816-4 §11.5.6: a failed VERIFY leaves the reference unverified.
  security.verified_references.erase({df_, reference_});
  --tries_left_;
  return tries_sw(tries_left_);
}

}  // namespace onshi::sim
