// The persona's optional "jpki" section (format: tests/sim/cardsim/README.md): certificates,
// keys, PINs and token variant of the JPKI AP, validated and turned into the AP's DF and EFs.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "onshi/result.hpp"
#include "onshi/sim/file_tree.hpp"
#include "onshi/sim/jpki.hpp"

namespace onshi::sim {

// Adds the JPKI DF (cards-and-readers.md §1.2/§1.3) below the MF of `files` and returns what
// the handler needs. Errors are Errc::config_invalid naming the field, e.g.
// `jpki.auth_key: does not match the public key of jpki.auth_cert`.
Result<jpki::JpkiPersona> parse_jpki_section(const nlohmann::json& section,
                                             const std::string& path,
                                             const std::filesystem::path& base_dir,
                                             FileTree& files);

}  // namespace onshi::sim
