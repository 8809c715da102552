// onshictl cert …: the terminal's client certificates (one per 医療機関コード) — import a PKCS#12
// bundle after every check, show where each certificate stands, and roll back to the previous one.
// The store is <state_dir>/certs (tls/certificate_store.hpp); a running onshid is told to reload.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "onshi/config/config.hpp"
#include "onshi/ledger/ledger_directory.hpp"
#include "onshi/result.hpp"
#include "onshi/tls/certificate_status.hpp"
#include "onshi/tls/certificate_store.hpp"

namespace onshi::ctl {

struct CertCommandOptions {
  std::string config_path = "/etc/onshi/onshi.toml";
  std::optional<std::string> socket;       // onshid's API socket (for the reload)
  std::optional<std::string> institution;  // 医療機関コード
  bool json = false;
};

// Where the PKCS#12 password comes from: never the command line.
struct PasswordSource {
  bool from_stdin = false;          // --password-stdin: one line on stdin
  std::optional<std::string> file;  // --password-file: the file's first line
};

// onshictl cert import FILE.p12
int cert_import(const CertCommandOptions& o, const std::string& file,
                const PasswordSource& password);
// onshictl cert status
int cert_status(const CertCommandOptions& o);
// onshictl cert rollback --institution CODE
int cert_rollback(const CertCommandOptions& o);

// What a running onshid said to "reload the certificates".
struct AgentNotice {
  bool reloaded = false;
  std::string message;  // for the technician: reloaded, not running (loads it at start), refused
};
// Asks onshid on `socket` to load the certificate store again (POST /v1/certificates/reload).
// `what` names the certificate in the message ("the new certificate"). Never an error: without a
// running onshid the certificate is loaded when it starts.
AgentNotice notify_agent_reload(const std::filesystem::path& socket, std::string_view what);

// --- The parts with no I/O, for the unit tests ---

// "ok", "warning" (90 days to the last day), "expired", "not_yet_valid".
std::string_view certificate_state(tls::ExpiryStage stage);

// The institution a bundle is imported for: `wanted` when given (it must be configured);
// otherwise the one configured institution, or the one configured institution whose code
// `matches` the certificate (subject matcher). Errors: invalid_argument for an unknown code or
// when several match (choose with --institution), cert_wrong_institution when none matches.
Result<std::string> choose_institution(const config::Config& config,
                                       const std::optional<std::string>& wanted,
                                       const std::function<bool(const std::string&)>& matches,
                                       std::string_view subject);

// What `cert status --json` prints: per configured institution, its current and previous
// certificate, days left, warning stage and next action (see README "onshictl").
// With `ledger` (the ledger's listing, or why it cannot be read), each institution also gets the
// ledger's view of this terminal's certificate and its next action.
nlohmann::ordered_json status_report(const config::Config& config,
                                     const tls::CertificateStore& store,
                                     std::chrono::sys_seconds now,
                                     const Result<ledger::Listing>* ledger = nullptr);

// 0 when every institution's state is ok or warning, kExitCertificate otherwise.
int status_exit_code(const nlohmann::ordered_json& report);

// One stored certificate as JSON (subject, issuer, serial, JST validity, days left, stage, …).
nlohmann::ordered_json stored_certificate_json(const tls::StoredCertificate& stored,
                                               std::chrono::sys_seconds now);

}  // namespace onshi::ctl
