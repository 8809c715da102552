// onshi's one configuration file (TOML). Every feature reads its settings from this Config; later
// features add keys here rather than inventing a second file. See examples/onshi.toml for every
// key.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "onshi/log.hpp"
#include "onshi/result.hpp"

namespace onshi::config {

// One [[institutions]] entry. Certificates are per 医療機関コード (eligibility-system.md §2, §3.1),
// so a 医科歯科併設 clinic lists two institutions, each with its own certificate.
struct Institution {
  std::string code;  // 10-digit 医療機関コード, check digit verified
  std::string name;
};

// [certificates]: how the terminal's client certificates are checked and stored. The store
// itself is <state_dir>/certs (tls/certificate_store.hpp), one slot per institution code.
struct Certificates {
  // The 共通認証局 certificates (root and intermediates, PEM) a client certificate must chain
  // to; required to import one (eligibility-system.md §3.1).
  std::optional<std::filesystem::path> ca_file;
  // CRLs (PEM), one per CA of the chain; when set, a revoked certificate is refused.
  std::optional<std::filesystem::path> crl_file;
  // "ATTR=REGEX" rules with {code} and {terminal} (tls/subject_matcher.hpp): the real subject
  // layout is not public, so which certificate belongs to which institution is configuration.
  std::vector<std::string> subject_match = {"*=(^|[^0-9]){code}([^0-9]|$)"};
  std::string owner = "onshi";  // the agent's user: an import run as root hands the store to it
};

// [api]: the local socket integrators talk to (anchors-and-conventions.md §3.2, §3.5). Names are
// checked for shape only; whether they exist is the API module's business at start-up.
// [api.tcp]: the opt-in listener for receipt software on other PCs (architecture.md, "Who uses
// it"): the same routes over mutual TLS, clients authenticated by certificates of a CA the clinic
// configures. Absent = no TCP listener.
struct ApiTcp {
  std::string listen;                               // "192.0.2.10:8443", "[::]:8443"; port 0 = any
  std::filesystem::path certificate;                // the listener's certificate chain (PEM)
  std::filesystem::path key;                        // its private key (PEM)
  std::filesystem::path client_ca;                  // clients must chain to these (PEM)
  std::optional<std::filesystem::path> client_crl;  // CRLs of client_ca (PEM)
};

struct Api {
  std::filesystem::path socket = "/run/onshi/api.sock";
  std::string socket_group = "onshi";
  std::vector<std::string> allowed_users;
  std::vector<std::string> allowed_groups = {"onshi"};
  std::optional<ApiTcp> tcp;
};

// [journal]: onshid's record of every request (agent/journal), <state_dir>/journal.sqlite3.
struct Journal {
  // How long finished requests (and their Idempotency-Keys) are kept.
  std::chrono::seconds retention{90 * 24 * 3600};
};

// One SPKI pin in curl's "sha256//<base64>" form (anchors-and-conventions.md §3.4).
struct Pin {
  std::string text;                            // as written, e.g. for CURLOPT_PINNEDPUBLICKEY
  std::array<std::uint8_t, 32> spki_sha256{};  // decoded digest, for comparing in OpenSSL
};

// [upstream]: the central system. Without `url` the upstream is not configured.
struct Upstream {
  std::optional<std::string> url;    // https://host[:port][/path]
  std::vector<Pin> pins;             // current + backup, distinct
  std::optional<std::string> proxy;  // http://host:port
  // Hosts reached without the proxy; default: the terminals' bypass list (eligibility-system.md
  // §3.2), tls::default_no_proxy().
  std::vector<std::string> no_proxy;
  // CA certificates (PEM) the server's chain must verify against; default: the system's store.
  std::optional<std::filesystem::path> server_ca_file;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds handshake_timeout{10000};
  std::chrono::milliseconds request_timeout{30000};
  std::chrono::seconds max_clock_skew{300};

  bool configured() const noexcept { return url.has_value(); }
};

// [readers]: which PC/SC readers the agent uses. Empty `include` means all readers.
struct Readers {
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  bool allow_virtual = false;  // only accepted together with test_mode
};

// One face-recognition card reader (USB), from [face_reader] (a single reader) or one
// [[face_reader]] entry each. vid and pid come together or not at all. Each reader serves one
// medical institution: `institution` is one of the configured codes, required when more than one
// institution is configured. With more than one reader each has a serial, and serials are unique.
struct FaceReader {
  std::optional<std::string> serial;
  std::optional<std::uint16_t> vid;
  std::optional<std::uint16_t> pid;
  std::optional<std::string> institution;  // one of the configured institutions' codes
};

// [ledger]: the client certificates' ledger (agent/ledger), one small file per certificate. Several
// terminals of a clinic may share one directory (often an SMB share), so records are locked with
// lock files, never flock, and written with a generation check.
struct Ledger {
  std::optional<std::filesystem::path> directory;  // default <state_dir>/ledger
  std::chrono::seconds lock_stale_after{120};      // a lock older than this was left by a crash
  std::chrono::seconds lock_wait{10};              // how long to wait for another writer
  // 分類 on the portal's application form, per 点数表 digit ('1' 医科, '3' 歯科, '4' 調剤). Only
  // one value is public (eligibility-system.md §3.3); the others say "check on the form".
  std::vector<std::pair<char, std::string>> categories = {{'3', "2:保険医療機関（歯科）"}};
};

struct Logging {
  log::Level level = log::Level::info;  // debug, info, warning or error
};

struct Config {
  // 端末名称, as on the certificate application (eligibility-system.md §3.1).
  std::string terminal_name;
  std::filesystem::path state_dir = "/var/lib/onshi";
  bool test_mode = false;  // enables virtual readers and relaxes the upstream pin count
  std::vector<Institution> institutions;  // at least one, codes unique
  Certificates certificates;
  Api api;
  Upstream upstream;
  Readers readers;
  std::vector<FaceReader> face_readers;  // in document order; empty without [face_reader]
  Ledger ledger;
  Journal journal;
  Logging log;

  std::filesystem::path certificate_store() const { return state_dir / "certs"; }
  std::filesystem::path ledger_directory() const {
    return ledger.directory.value_or(state_dir / "ledger");
  }
  std::filesystem::path journal_file() const { return state_dir / "journal.sqlite3"; }
  const Institution* institution(std::string_view code) const;
};

// Parses and validates configuration text; `source_name` (usually the file path) prefixes every
// message. Errors: Errc::config_syntax ("<source>:<line>:<column>: <description>") for TOML that
// does not parse, Errc::config_invalid ("<source>: <key path> (line L): <reason>") for the first
// problem in document order otherwise (a missing key counts as at its table's header, a missing
// top-level key as after everything, without "(line L)"). Never throws (short of bad_alloc).
Result<Config> parse_config(std::string_view text, std::string_view source_name);

// Reads and parses a file. Errc::config_not_found when it cannot be opened or read (the message
// names the path and the system's reason), otherwise as parse_config.
Result<Config> load_config_file(const std::filesystem::path& path);

}  // namespace onshi::config
