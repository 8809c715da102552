// PC/SC return codes: names, onshi error codes, and which ones mean "the context is dead".
#pragma once

#include <winscard.h>

#include <string_view>

#include "onshi/error.hpp"

namespace onshi::pcsc {

// "SCARD_W_REMOVED_CARD"; "SCARD_?" for a code this table does not know.
std::string_view pcsc_code_name(LONG rv) noexcept;

// The onshi error for a failed PC/SC call; `what` names the call and its subject, e.g.
// "SCardConnect(\"Reader 00 00\")". The raw code travels in Error::native.
Error pcsc_error(LONG rv, std::string_view what);

// pcscd went away or was restarted: the context must be released and re-established
// (cards-and-readers.md §4.3). SCARD_E_SERVICE_STOPPED is not one of them on pcsc-lite: there it
// means a client/daemon protocol mismatch, which a new context does not cure.
bool context_is_lost(LONG rv) noexcept;

}  // namespace onshi::pcsc
