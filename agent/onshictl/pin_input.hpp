// Reading a PIN for onshictl: from the terminal without echo, or one line from standard input
// (for scripts and test rigs). Never from the command line, where `ps` and shell history see it.
#pragma once

#include <string_view>

#include "onshi/bytes.hpp"
#include "onshi/result.hpp"

namespace onshi::ctl {

// `prompt` goes to stderr when stdin is a terminal (echo is off while typing, and comes back on
// Ctrl-C too); the line ending is dropped. At most 64 characters.
// The PIN lives only in the returned SecretBytes; every intermediate buffer is wiped.
Result<SecretBytes> read_pin(std::string_view prompt);

}  // namespace onshi::ctl
