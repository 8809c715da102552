// Status words (ISO/IEC 7816-4 §5.6, and those seen on Japanese cards: cards-and-readers.md
// §1.10): a text for people and traces, and the onshi error for an unexpected one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "onshi/error.hpp"

namespace onshi::pcsc {

// "SW=63C2 (verification failed, 2 tries remaining)", in the vocabulary technicians know from
// opensc-tool and pcsc_scan (anchors-and-conventions.md §3.1).
std::string describe_sw(std::uint16_t sw);

// Just the explanation, without the "SW=xxxx" prefix.
std::string sw_text(std::uint16_t sw);

// 63Cx: the retry counter the card reports with a failed or empty VERIFY.
std::optional<int> sw_retries(std::uint16_t sw) noexcept;

// An Errc::card_status error naming the command and the status word (native = SW), with
// retries_remaining set for 63Cx.
Error sw_error(std::uint16_t sw, std::string_view command);

}  // namespace onshi::pcsc
