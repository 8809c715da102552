#include "onshi/error.hpp"

#include <array>
#include <fmt/format.h>

namespace onshi {
namespace {

constexpr std::array kTable{
    ErrcInfo{Errc::internal, "internal", "internal error"},
    ErrcInfo{Errc::invalid_argument, "invalid_argument", "invalid argument"},
    ErrcInfo{Errc::timeout, "timeout", "the operation did not finish before its deadline"},
    ErrcInfo{Errc::cancelled, "cancelled", "the operation was cancelled"},
    ErrcInfo{Errc::busy, "busy", "the resource is still busy with an earlier call"},
    ErrcInfo{Errc::not_supported, "not_supported", "not supported"},
    ErrcInfo{Errc::io, "io", "input/output error"},
    ErrcInfo{Errc::config_not_found, "config_not_found", "configuration file not found"},
    ErrcInfo{Errc::config_syntax, "config_syntax", "configuration file is not valid TOML"},
    ErrcInfo{Errc::config_invalid, "config_invalid", "configuration value is invalid"},
    ErrcInfo{Errc::pcsc_no_service, "pcsc_no_service", "the PC/SC service (pcscd) is not running"},
    ErrcInfo{Errc::pcsc_service_mismatch, "pcsc_service_mismatch",
             "the PC/SC client library and pcscd speak different protocol versions"},
    ErrcInfo{Errc::pcsc_no_readers, "pcsc_no_readers", "no card reader is connected"},
    ErrcInfo{Errc::pcsc_unknown_reader, "pcsc_unknown_reader", "the reader is not known to pcscd"},
    ErrcInfo{Errc::pcsc_reader_unavailable, "pcsc_reader_unavailable",
             "the reader is unavailable (unplugged or failed)"},
    ErrcInfo{Errc::pcsc_access_denied, "pcsc_access_denied",
             "pcscd refused access (polkit or permissions)"},
    ErrcInfo{Errc::pcsc_sharing_violation, "pcsc_sharing_violation",
             "another program holds the card exclusively"},
    ErrcInfo{Errc::pcsc_protocol, "pcsc_protocol", "no common protocol with the card"},
    ErrcInfo{Errc::pcsc_failure, "pcsc_failure", "PC/SC call failed"},
    ErrcInfo{Errc::card_absent, "card_absent", "no card in the reader"},
    ErrcInfo{Errc::card_removed, "card_removed", "the card was removed"},
    ErrcInfo{Errc::card_reset, "card_reset",
             "the card was reset by another program: select and verify again"},
    ErrcInfo{Errc::card_unresponsive, "card_unresponsive", "the card does not answer"},
    ErrcInfo{Errc::apdu_invalid, "apdu_invalid", "the command APDU cannot be encoded"},
    ErrcInfo{Errc::apdu_malformed_response, "apdu_malformed_response",
             "the card's response is malformed"},
    ErrcInfo{Errc::card_status, "card_status", "the card answered with an error status word"},
    ErrcInfo{Errc::card_unsupported, "card_unsupported",
             "the card is not a supported card, or lacks the needed application"},
    ErrcInfo{Errc::card_data_invalid, "card_data_invalid",
             "data read from the card is malformed"},
    ErrcInfo{Errc::pin_format, "pin_format",
             "the PIN has the wrong format (it was not sent to the card)"},
    ErrcInfo{Errc::pin_wrong, "pin_wrong", "the PIN is wrong"},
    ErrcInfo{Errc::pin_blocked, "pin_blocked",
             "the PIN is blocked; only the municipal office can unblock it"},
    ErrcInfo{Errc::pin_last_try, "pin_last_try",
             "only one PIN try is left: refused without an explicit use-last-try flag"},
    ErrcInfo{Errc::pin_not_set, "pin_not_set",
             "the card has no PIN for this function (a PIN-less card)"},
    ErrcInfo{Errc::pin_state_unknown, "pin_state_unknown",
             "the card does not report its PIN retry counter"},
};

constexpr bool table_is_dense() {
  for (std::size_t i = 0; i < kTable.size(); ++i) {
    if (static_cast<std::size_t>(kTable[i].code) != i) return false;
  }
  return true;
}
static_assert(table_is_dense(), "kTable must list every Errc in declaration order");
static_assert(kTable.size() == static_cast<std::size_t>(Errc::pin_state_unknown) + 1,
              "kTable must cover every Errc");

}  // namespace

const ErrcInfo& errc_info(Errc code) noexcept {
  const auto i = static_cast<std::size_t>(code);
  return i < kTable.size() ? kTable[i] : kTable[0];
}

std::string_view errc_name(Errc code) noexcept { return errc_info(code).name; }

std::string Error::to_string() const {
  std::string out = fmt::format("{}: {}", errc_name(code), message.empty() ? errc_info(code).text : message);
  if (native) out += fmt::format(" (0x{:X})", static_cast<std::uint64_t>(*native));
  if (retries_remaining) out += fmt::format(" [{} {} left]", *retries_remaining, *retries_remaining == 1 ? "try" : "tries");
  return out;
}

}  // namespace onshi
