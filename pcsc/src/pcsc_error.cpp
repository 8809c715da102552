#include "onshi/pcsc/pcsc_error.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace onshi::pcsc {
namespace {

struct CodeInfo {
  LONG rv;
  std::string_view name;
  Errc errc;
};

// Only the codes pcsc-lite and WinSCard return to clients (cards-and-readers.md §4.2).
constexpr CodeInfo kCodes[] = {
    {SCARD_S_SUCCESS, "SCARD_S_SUCCESS", Errc::internal},
    {SCARD_F_INTERNAL_ERROR, "SCARD_F_INTERNAL_ERROR", Errc::pcsc_failure},
    {SCARD_E_CANCELLED, "SCARD_E_CANCELLED", Errc::cancelled},
    {SCARD_E_INVALID_HANDLE, "SCARD_E_INVALID_HANDLE", Errc::pcsc_no_service},
    {SCARD_E_INVALID_PARAMETER, "SCARD_E_INVALID_PARAMETER", Errc::invalid_argument},
    {SCARD_E_NO_MEMORY, "SCARD_E_NO_MEMORY", Errc::pcsc_failure},
    {SCARD_E_INSUFFICIENT_BUFFER, "SCARD_E_INSUFFICIENT_BUFFER", Errc::pcsc_failure},
    {SCARD_E_UNKNOWN_READER, "SCARD_E_UNKNOWN_READER", Errc::pcsc_unknown_reader},
    {SCARD_E_TIMEOUT, "SCARD_E_TIMEOUT", Errc::timeout},
    {SCARD_E_SHARING_VIOLATION, "SCARD_E_SHARING_VIOLATION", Errc::pcsc_sharing_violation},
    {SCARD_E_NO_SMARTCARD, "SCARD_E_NO_SMARTCARD", Errc::card_absent},
    {SCARD_E_PROTO_MISMATCH, "SCARD_E_PROTO_MISMATCH", Errc::pcsc_protocol},
    {SCARD_E_NOT_READY, "SCARD_E_NOT_READY", Errc::pcsc_reader_unavailable},
    {SCARD_E_INVALID_VALUE, "SCARD_E_INVALID_VALUE", Errc::invalid_argument},
    {SCARD_F_COMM_ERROR, "SCARD_F_COMM_ERROR", Errc::pcsc_no_service},
    {SCARD_F_UNKNOWN_ERROR, "SCARD_F_UNKNOWN_ERROR", Errc::pcsc_failure},
    {SCARD_E_INVALID_ATR, "SCARD_E_INVALID_ATR", Errc::card_unresponsive},
    {SCARD_E_NOT_TRANSACTED, "SCARD_E_NOT_TRANSACTED", Errc::pcsc_failure},
    {SCARD_E_READER_UNAVAILABLE, "SCARD_E_READER_UNAVAILABLE", Errc::pcsc_reader_unavailable},
    {SCARD_E_NO_SERVICE, "SCARD_E_NO_SERVICE", Errc::pcsc_no_service},
    {SCARD_E_SERVICE_STOPPED, "SCARD_E_SERVICE_STOPPED", Errc::pcsc_service_mismatch},
    {SCARD_E_UNSUPPORTED_FEATURE, "SCARD_E_UNSUPPORTED_FEATURE", Errc::not_supported},
    {SCARD_E_NO_READERS_AVAILABLE, "SCARD_E_NO_READERS_AVAILABLE", Errc::pcsc_no_readers},
    {SCARD_E_NO_ACCESS, "SCARD_E_NO_ACCESS", Errc::pcsc_access_denied},
    {SCARD_W_UNSUPPORTED_CARD, "SCARD_W_UNSUPPORTED_CARD", Errc::card_unresponsive},
    {SCARD_W_UNRESPONSIVE_CARD, "SCARD_W_UNRESPONSIVE_CARD", Errc::card_unresponsive},
    {SCARD_W_UNPOWERED_CARD, "SCARD_W_UNPOWERED_CARD", Errc::card_unresponsive},
    {SCARD_W_RESET_CARD, "SCARD_W_RESET_CARD", Errc::card_reset},
    {SCARD_W_REMOVED_CARD, "SCARD_W_REMOVED_CARD", Errc::card_removed},
    {SCARD_W_SECURITY_VIOLATION, "SCARD_W_SECURITY_VIOLATION", Errc::pcsc_access_denied},
};

const CodeInfo* find(LONG rv) {
  for (const auto& c : kCodes) {
    if (c.rv == rv) return &c;
  }
  return nullptr;
}

}  // namespace

std::string_view pcsc_code_name(LONG rv) noexcept {
  const auto* c = find(rv);
  return c != nullptr ? c->name : "SCARD_?";
}

Error pcsc_error(LONG rv, std::string_view what) {
  const auto* c = find(rv);
  const Errc code = c != nullptr ? c->errc : Errc::pcsc_failure;
  // Error::native keeps the 32-bit code as printed by pcsc-lite and Windows (0x8010xxxx).
  const auto native = static_cast<std::int64_t>(static_cast<std::uint32_t>(rv));
  return Error{code, fmt::format("{} failed: {}", what, pcsc_code_name(rv)), native};
}

bool context_is_lost(LONG rv) noexcept {
  return rv == SCARD_E_NO_SERVICE || rv == SCARD_F_COMM_ERROR || rv == SCARD_E_INVALID_HANDLE;
}

}  // namespace onshi::pcsc
