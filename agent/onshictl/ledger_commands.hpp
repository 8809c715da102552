// onshictl cert plan|applied|issued|revoked|cancelled|edit|imported|ledger: the client
// certificates' ledger (agent/ledger) from the application on the portal to revocation, in the
// directory [ledger] names (possibly shared by the clinic's terminals). `cert import` and
// `cert rollback` record their step here too (record_store_certificate).
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "onshi/config/config.hpp"
#include "onshi/ledger/assessment.hpp"
#include "onshi/ledger/ledger_directory.hpp"
#include "onshi/ledger/plan.hpp"
#include "onshi/ledger/steps.hpp"
#include "onshi/tls/certificate.hpp"

namespace onshi::ctl {

struct LedgerCommandOptions {
  std::string config_path = "/etc/onshi/onshi.toml";
  std::optional<std::string> institution;
  std::optional<std::string> request_id;  // or a record id ("import-…")
  std::optional<std::string> date;        // YYYY-MM-DD, Japan
  bool json = false;
};

// `cert applied`: the contact fields and an optional 証明書有効期限 for `cert issued`.
struct LedgerStepArgs {
  ledger::ContactChange contact;
  std::optional<std::string> expires;  // YYYY-MM-DD
};

int cert_plan(const LedgerCommandOptions& o);
int cert_applied(const LedgerCommandOptions& o, const LedgerStepArgs& args);
int cert_issued(const LedgerCommandOptions& o, const LedgerStepArgs& args);
int cert_revoked(const LedgerCommandOptions& o);
int cert_cancelled(const LedgerCommandOptions& o);
int cert_edit(const LedgerCommandOptions& o, const LedgerStepArgs& args);
// `cert imported`: records the store's current certificate of --institution in the ledger.
int cert_imported(const LedgerCommandOptions& o);
int cert_ledger(const LedgerCommandOptions& o);

// --- Shared with cert import/rollback/status, and the parts with no I/O, for the unit tests ---

// This terminal as the ledger knows it: /etc/machine-id and the host name; in test mode the
// environment's ONSHI_MACHINE_ID and ONSHI_HOST (two "terminals" on one test machine).
ledger::TerminalId terminal_identity(const config::Config& config);
ledger::LedgerDirectory open_ledger(const config::Config& config);

ledger::CertificateFacts certificate_facts(const tls::Certificate& leaf);

// Records that `leaf` is now the current certificate of `institution` on this terminal: moves the
// matching application forward (or adopts the certificate in a new record, or reinstates it after
// a rollback) and marks this terminal's earlier certificate of the code replaced. Returns what was
// done as JSON ({"updated": true|false, "record": id, "step": …, "replaced": [ids]} or
// {"updated": false, "error": {…}, "hint": …}); never fails the import itself.
nlohmann::ordered_json record_store_certificate(const config::Config& config,
                                                const std::string& institution,
                                                const tls::Certificate& leaf,
                                                std::chrono::sys_seconds now,
                                                const std::optional<std::string>& request_id = {});

// The ledger's view of this terminal's certificate for one institution, for `cert status`.
nlohmann::ordered_json terminal_ledger_json(const ledger::TerminalAssessment& t);

nlohmann::ordered_json plan_json(const ledger::Plan& plan, const config::Config& config);
nlohmann::ordered_json record_json(const ledger::Record& record, const ledger::Assessment& a,
                                   const ledger::TerminalId& self);

}  // namespace onshi::ctl
