// A persona: everything that makes one emulated card differ from another (ATR, transport
// behaviour, files), loaded from JSON. The format is described in tests/sim/cardsim/README.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "onshi/bytes.hpp"
#include "onshi/result.hpp"
#include "onshi/sim/file_tree.hpp"
#include "onshi/sim/hpki.hpp"
#include "onshi/sim/jpki.hpp"
#include "onshi/sim/kenmen.hpp"

namespace onshi::sim {

// How the card frames its answers, to exercise the host's T=0-style handling
// (cards-and-readers.md §1.6 "6Cxx / 61xx").
struct Behaviour {
  // 0: answers carry all their data. N (1..256): an answer with more than N data bytes is
  // replaced by `61 xx` without data, xx = min(remaining, 256) & 0xFF; the host collects it
  // with GET RESPONSE `00 C0 00 00 xx`, N bytes (at most Ne) per call, each intermediate chunk
  // ending in 61xx and the last one in the original status word (normally 9000). Any other
  // command discards what is still pending; GET RESPONSE with nothing pending answers 6985.
  std::uint16_t get_response_chunk = 0;
  // false: READ BINARY with Le larger than what is left returns the rest and 6282.
  // true: a short READ BINARY whose Le exceeds what is left answers `6C xx` (xx = the exact
  // length left) without data, and the host must re-send with Le = xx. Extended-length Le keeps
  // the 6282 behaviour, since 6Cxx can only name 1..256 bytes.
  bool strict_le = false;
};

struct Persona {
  std::string name;
  Bytes atr;
  Behaviour behaviour;
  FileTree files;
  // The "jpki" section: Card registers a JpkiHandler on the JPKI DF, which the loader added to
  // `files` with the certificate, token-info and key/PIN EFs.
  std::optional<jpki::JpkiPersona> jpki;
  // The "kenmen" section: Card registers a KenmenHandler on the 券面事項入力補助AP's DF, which
  // the loader added with EFs 0001, 0002 and (unless PIN-less) 0011.
  std::optional<kenmen::KenmenPersona> kenmen;
  // The "hpki" section: Card registers an HpkiHandler on each application DF (signature and/or
  // authentication) the loader added with the profile's EFs.
  std::optional<hpki::HpkiPersona> hpki;
};

// Limits that keep a hostile or mistaken persona from exhausting memory or the stack.
inline constexpr std::size_t kMaxPersonaDepth = 8;    // DF nesting below the MF
inline constexpr std::size_t kMaxPersonaFiles = 256;  // DFs + EFs
// Bytes per EF: READ BINARY's 15-bit offset reaches 0..7FFF (cards-and-readers.md §1.6), and
// so any READ BINARY answer fits one vpcd frame (at most 65535 bytes).
inline constexpr std::size_t kMaxEfSize = 0x8000;

// Parses and validates a persona. Fails with Errc::config_invalid and a message naming the
// offending field by its JSON path, e.g. `files[0].children[1].fid: expected 2 bytes of hex`.
// Relative file names in the "jpki", "kenmen" and "hpki" sections are taken from `base_dir`
// (default: the working directory).
Result<Persona> parse_persona(std::string_view json_text,
                              const std::filesystem::path& base_dir = {});

// Reads `path` and parses it, relative file names taken from its directory;
// Errc::config_not_found when the file cannot be read.
Result<Persona> load_persona_file(const std::filesystem::path& path);

}  // namespace onshi::sim
