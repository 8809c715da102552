// The persona's optional "hpki" section (format: tests/sim/cardsim/README.md): the card's
// profile, its signature and/or authentication application with certificate, CA certificate,
// RSA-2048 key and PIN, validated and turned into the applications' DFs and EFs.
// Internal header.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "onshi/result.hpp"
#include "onshi/sim/file_tree.hpp"
#include "onshi/sim/hpki.hpp"

namespace onshi::sim {

// Adds each application's DF (cards-and-readers.md §2.1 / §2.2) below the MF of `files` and
// returns what the handlers need. Errors are Errc::config_invalid naming the field, e.g.
// `hpki.signature.key: does not match the public key of hpki.signature.cert`; never a PIN.
Result<hpki::HpkiPersona> parse_hpki_section(const nlohmann::json& section, const std::string& path,
                                             const std::filesystem::path& base_dir,
                                             FileTree& files);

}  // namespace onshi::sim
