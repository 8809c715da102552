// The journal's files on disk: the directory (0700 for every level the journal creates), the
// database file and SQLite's -wal and -shm beside it (0600: the entries name patients' insurance
// details). SQLite creates -wal and -shm with the database file's mode; these checks make sure of
// it, and tighten files a looser umask or an older install left behind.
#pragma once

#include <filesystem>

#include "onshi/result.hpp"

namespace onshi::journal::detail {

// Creates the missing directories (0700) and the file (0600, synced into its directory), or
// tightens an existing file to 0600. Refuses a symbolic link, a directory, a device.
Status prepare_journal_file(const std::filesystem::path& file);

// Tightens <file>-wal and <file>-shm to 0600 where they exist.
Status tighten_companion_files(const std::filesystem::path& file);

}  // namespace onshi::journal::detail
