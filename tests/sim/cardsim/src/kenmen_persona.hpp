// The persona's optional "kenmen" section (format: tests/sim/cardsim/README.md): the
// 券面事項入力補助AP's PIN, My Number, 基本4情報, layout and card-present key. Validated in two
// steps: the section on its own first, then against the "jpki" section (PIN-less, token) when
// the AP's DF is added. Internal header.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "onshi/result.hpp"
#include "onshi/sim/file_tree.hpp"
#include "onshi/sim/jpki.hpp"
#include "onshi/sim/kenmen.hpp"

namespace onshi::sim {

struct KenmenSection {
  std::optional<jpki::PinSpec> pin;
  std::string my_number;  // never put into an error message or a log
  kenmen::BasicFour basic_four;
  kenmen::Layout layout = kenmen::Layout::classic;
  std::shared_ptr<EVP_PKEY> card_present_key;
};

// Everything the section says by itself. Errors are Errc::config_invalid naming the field, e.g.
// `kenmen.my_number: the check digit (the last digit) does not match the first 11`.
Result<KenmenSection> parse_kenmen_section(const nlohmann::json& section, const std::string& path,
                                           const std::filesystem::path& base_dir);

// Checks the section against the card's JPKI AP and adds the 券面事項入力補助AP's DF (§1.2,
// §1.7) below the MF of `files`.
Result<kenmen::KenmenPersona> add_kenmen_ap(KenmenSection section, const std::string& path,
                                            const jpki::JpkiPersona& jpki, FileTree& files);

}  // namespace onshi::sim
