// onshictl's exit codes, the same for every command (README "onshictl").
#pragma once

#include "onshi/error.hpp"

namespace onshi::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;      // CLI11's own
inline constexpr int kExitNoService = 3;  // pcscd is not running
inline constexpr int kExitPin = 4;        // PIN wrong, blocked, refused (last try), or malformed
inline constexpr int kExitNoCard = 5;     // no card, or not a card this command can use

inline int exit_code_for(Errc code) {
  switch (code) {
    case Errc::pcsc_no_service:
      return kExitNoService;
    case Errc::pin_format:
    case Errc::pin_wrong:
    case Errc::pin_blocked:
    case Errc::pin_last_try:
    case Errc::pin_not_set:
    case Errc::pin_state_unknown:
      return kExitPin;
    case Errc::card_absent:
    case Errc::card_removed:
    case Errc::card_unsupported:
    case Errc::pcsc_no_readers:
      return kExitNoCard;
    default:
      return kExitFailure;
  }
}

}  // namespace onshi::ctl
