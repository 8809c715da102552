// Reading a PIN or a password for onshictl: from the terminal without echo, or one line from
// standard input (for scripts and test rigs). Never from the command line, where `ps` and shell
// history see it.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>

#include "onshi/bytes.hpp"
#include "onshi/result.hpp"

namespace onshi::ctl {

// `prompt` goes to stderr when stdin is a terminal (echo is off while typing, and comes back on
// Ctrl-C too); the line ending is dropped. At most 64 characters.
// The PIN lives only in the returned SecretBytes; every intermediate buffer is wiped.
Result<SecretBytes> read_pin(std::string_view prompt);

// What read_secret reads, for its messages and limits.
struct SecretKind {
  std::string_view what = "PIN";  // "PIN", "password", … in messages
  std::size_t max_length = 64;    // longer input is refused, never cut
  Errc error = Errc::pin_format;  // the code of a refused input
  bool allow_empty = false;       // an empty line is a valid secret (not end of input)
};

// One line from stdin, as read_pin, for any kind of secret.
Result<SecretBytes> read_secret(std::string_view prompt, const SecretKind& kind);

// The first line of a file (its line ending dropped), for `--password-file`. The file's bytes are
// wiped from every buffer but the returned one.
Result<SecretBytes> read_secret_file(const std::filesystem::path& path, const SecretKind& kind);

// The first line of `text` (for read_secret_file and its tests): refused when longer than
// kind.max_length, or empty unless kind.allow_empty.
Result<SecretBytes> first_line_secret(ByteView text, const SecretKind& kind);

}  // namespace onshi::ctl
