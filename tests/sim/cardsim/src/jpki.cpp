#include "onshi/sim/jpki.hpp"

#include <algorithm>
#include <string_view>

namespace onshi::sim::jpki {
namespace {

// CK_TOKEN_INFO layout (PKCS#11 v2.40 §3.2, 32-bit CK_ULONG as on the card, §1.3): label 32,
// manufacturerID 32, model 16, serialNumber 16, then 11 CK_ULONGs, two CK_VERSIONs, utcTime 16.
constexpr std::size_t kManufacturerOffset = 32;
constexpr std::size_t kModelOffset = 64;
constexpr std::size_t kSerialOffset = 80;
constexpr std::size_t kUlongsOffset = 96;
constexpr std::size_t kUtcTimeOffset = 144;

void put_text(Bytes& out, std::size_t offset, std::size_t size, std::string_view text) {
  std::fill(out.begin() + static_cast<std::ptrdiff_t>(offset),
            out.begin() + static_cast<std::ptrdiff_t>(offset + size), ' ');
  std::copy_n(text.begin(), std::min(size, text.size()),
              out.begin() + static_cast<std::ptrdiff_t>(offset));
}

}  // namespace

std::string_view token_label(TokenVariant variant) noexcept {
  switch (variant) {
    case TokenVariant::card:
      return "JPKIAPICCTOKEN2";
    case TokenVariant::android:
      return "JPKIAPGPSETOKEN";
    case TokenVariant::ios:
      return "JPKIAPIOSTOKEN";
  }
  return "JPKIAPICCTOKEN2";
}

std::string_view token_name(TokenVariant variant) noexcept {
  switch (variant) {
    case TokenVariant::card:
      return "card";
    case TokenVariant::android:
      return "android";
    case TokenVariant::ios:
      return "ios";
  }
  return "card";
}

std::optional<TokenVariant> token_from_name(std::string_view name) noexcept {
  for (auto variant : {TokenVariant::card, TokenVariant::android, TokenVariant::ios}) {
    if (token_name(variant) == name) return variant;
  }
  return std::nullopt;
}

Bytes pin_less_marker() {
  Bytes out(kPinLessMarkerText.begin(), kPinLessMarkerText.end());
  out.push_back(kPinLessMarkerVersion);
  return out;
}

Bytes token_info(TokenVariant variant) {
  Bytes out(kTokenInfoSize, 0x00);  // CK_ULONGs and versions: zero
  put_text(out, 0, kTokenLabelSize, token_label(variant));
  // Emulator values: the real ones are not in the docs, and nothing is known to read them.
  put_text(out, kManufacturerOffset, kModelOffset - kManufacturerOffset, "onshi-cardsim TEST");
  put_text(out, kModelOffset, kSerialOffset - kModelOffset, "emulated");
  put_text(out, kSerialOffset, kUlongsOffset - kSerialOffset, "0000000000000000");
  put_text(out, kUtcTimeOffset, kTokenInfoSize - kUtcTimeOffset, "");
  return out;
}

}  // namespace onshi::sim::jpki
