// onshictl: the technician's tool. Every command asks the onshid agent first (its API socket) and
// acts on the hardware itself only when onshid does not answer, and says which it did.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "agent_client.hpp"
#include "card_commands.hpp"
#include "cert_commands.hpp"
#include "exit_codes.hpp"
#include "ledger_commands.hpp"
#include "onshi/bytes.hpp"
#include "onshi/config/config.hpp"
#include "onshi/pcsc/context.hpp"
#include "onshi/pcsc/reader_scan.hpp"
#include "reader_json.hpp"
#include "tls_commands.hpp"

namespace {

using namespace onshi::ctl;

int cmd_readers(const CardCommandOptions& o) {
  const bool json = o.json;
  const AgentClient client(agent_socket(o.socket, o.config_path));
  auto attempt = try_agent(client, o.direct, "GET", "/v1/readers");
  if (attempt.reply) {
    fmt::print("Via: onshid ({})\n{}\n", client.socket().string(), attempt.reply->body);
    return attempt.reply->status < 300 ? kExitOk : kExitFailure;
  }
  const std::string via = fmt::format("hardware directly ({})", attempt.why_direct);
  auto context = onshi::pcsc::Context::establish();
  if (!context) {
    const auto& e = context.error();
    if (json) {
      std::puts(
          nlohmann::json{{"source", "pcscd"},
                         {"via", via},
                         {"error", {{"code", onshi::errc_name(e.code)}, {"message", e.message}}}}
              .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
              .c_str());
    } else {
      fmt::print(stderr, "onshictl: {}\n", e.to_string());
      if (e.code == onshi::Errc::pcsc_no_service) {
        fmt::print(stderr, "hint: start pcscd (systemctl start pcscd.socket) and try again\n");
      }
    }
    return e.code == onshi::Errc::pcsc_no_service ? kExitNoService : kExitFailure;
  }
  auto shared = std::make_shared<onshi::pcsc::Context>(std::move(context).value());
  auto readers = onshi::pcsc::scan_readers(shared);
  if (!readers) {
    fmt::print(stderr, "onshictl: {}\n", readers.error().to_string());
    return readers.error().code == onshi::Errc::pcsc_no_service ? kExitNoService : kExitFailure;
  }
  if (json) {
    nlohmann::json out{{"source", "pcscd"}, {"via", via}, {"readers", nlohmann::json::array()}};
    for (const auto& r : *readers) out["readers"].push_back(reader_json(r));
    std::puts(out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return kExitOk;
  }
  fmt::print("Via: {}\n", via);
  if (readers->empty()) {
    fmt::print("No readers found.\n");
    return kExitOk;
  }
  for (std::size_t i = 0; i < readers->size(); ++i) {
    const auto& r = (*readers)[i];
    fmt::print("{}: {}\n", i, r.identity.display_name);
    fmt::print("   identity: {}{}{}\n", r.identity.stable_key(),
               r.identity.is_usb() ? " (USB)" : " (not USB)",
               r.identity.pin_pad ? ", PIN pad" : "");
    if (r.card_present) {
      fmt::print("   card: present{}{}\n", r.card_in_use ? ", in use" : "",
                 r.card_mute ? ", mute" : "");
      fmt::print("   ATR: {}\n", onshi::to_hex(r.atr, true));
    } else {
      fmt::print("   card: none\n");
    }
  }
  return kExitOk;
}

// Checks a configuration file the way onshid will read it, for technicians before a restart.
int cmd_config_check(const std::string& path) {
  auto config = onshi::config::load_config_file(path);
  if (!config) {
    fmt::print(stderr, "{}\n", config.error().to_string());
    return kExitFailure;
  }
  fmt::print("{}: OK — terminal \"{}\", {} institution(s){}\n", path, config->terminal_name,
             config->institutions.size(), config->test_mode ? ", TEST MODE" : "");
  for (const auto& i : config->institutions) fmt::print("  {} {}\n", i.code, i.name);
  return kExitOk;
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{
      "onshictl: readers, cards, client certificates, TLS and the onshi agent, for "
      "technicians"};
  app.require_subcommand(1);
  app.footer(kExitCodesHelp);
  CardCommandOptions o;
  std::optional<std::string> socket;
  app.add_option("--socket", socket,
                 "onshid's API socket (default: [api] socket of the configuration)");
  app.add_option("--config", o.config_path, "Configuration file (default /etc/onshi/onshi.toml)");
  app.add_flag("--direct", o.direct, "Act on the hardware even when onshid answers");

  auto* readers =
      app.add_subcommand("readers", "List card readers, their identity and the card's ATR");
  readers->add_flag("--json", o.json, "Machine-readable output");

  auto* card =
      app.add_subcommand("card", "The card in a reader: information, PIN check, test signature");
  card->require_subcommand(1);
  auto add_common = [&](CLI::App* sub) {
    sub->add_option("--reader,-r", o.reader,
                    "Reader name, identity or index (default: the one reader with a card)");
    sub->add_flag("--json", o.json, "Machine-readable output");
  };
  auto* info =
      card->add_subcommand("info", "Kind, ATR, certificate, PIN tries left (never spends a try)");
  add_common(info);
  std::string pin_ref = "auth";
  auto* verify = card->add_subcommand("verify-pin",
                                      "Check a PIN (read from the terminal or stdin, never argv)");
  add_common(verify);
  verify
      ->add_option("--which", pin_ref,
                   "Which PIN: auth (JPKI 0018), sign (JPKI 001B), kenmen (券面事項入力補助 0011)")
      ->check(CLI::IsMember({"auth", "sign", "kenmen"}));
  verify->add_flag("--use-last-try", o.use_last_try,
                   "Allow spending the last try (the card locks if it is wrong)");
  const auto pin_entry_help =
      "auto: the reader's PIN pad when it has one and the PIN can be typed there (the PIN never "
      "reaches this PC; the JPKI sign password, with letters, stays on the terminal; an HPKI PIN "
      "with letters needs host), else the terminal; pad: the pad or an error; host: the terminal";
  verify->add_option("--pin-entry", o.pin_entry, pin_entry_help)
      ->check(CLI::IsMember({"auto", "pad", "host"}));
  std::string key = "auth";
  std::optional<std::string> in;
  std::optional<std::string> out;
  auto* sign = card->add_subcommand(
      "sign", "A test signature with a JPKI key (PIN from the terminal or stdin)");
  add_common(sign);
  sign->add_option("--key", key, "auth (利用者証明用) or sign (署名用)")
      ->check(CLI::IsMember({"auth", "sign"}));
  sign->add_option("--in", in, "File to sign (default: 32 random bytes)");
  sign->add_option("--out", out, "Write the raw signature here");
  sign->add_flag("--use-last-try", o.use_last_try,
                 "Allow spending the last try (the card locks if it is wrong)");
  sign->add_option("--pin-entry", o.pin_entry, pin_entry_help)
      ->check(CLI::IsMember({"auto", "pad", "host"}));
  bool hpki = false;
  std::string hpki_app = "signature";
  std::optional<std::string> digest;
  sign->add_flag("--hpki", hpki,
                 "Sign with an HPKI card (医師資格証等) instead of a My Number card");
  sign->add_option("--app", hpki_app, "With --hpki: signature or authentication")
      ->check(CLI::IsMember({"signature", "authentication"}));
  sign->add_option("--digest", digest, "With --hpki: the SHA-256 hash to sign, 64 hex digits");
  std::string which = "auth";
  auto* cert =
      card->add_subcommand("cert", "The JPKI certificate, PEM on stdout or DER to --out (no PIN)");
  add_common(cert);
  cert->add_option("--which", which, "auth, auth-ca or sign-ca")
      ->check(CLI::IsMember({"auth", "auth-ca", "sign-ca"}));
  cert->add_option("--out", out, "Write DER here instead of PEM to stdout");

  auto* config = app.add_subcommand("config", "Configuration file");
  config->require_subcommand(1);
  std::string config_path = "/etc/onshi/onshi.toml";
  auto* check = config->add_subcommand("check", "Check a configuration file and say what is wrong");
  check->add_option("file", config_path, "The file (default /etc/onshi/onshi.toml)");
  // The terminal's client certificates (one per 医療機関コード) in <state_dir>/certs.
  auto* certs = app.add_subcommand(
      "cert",
      "The terminal's client certificates: plan and record the portal's steps, import a PKCS#12 "
      "file, status, rollback, the ledger");
  certs->require_subcommand(1);
  CertCommandOptions co;
  auto add_cert_common = [&](CLI::App* sub) {
    sub->add_option("--config", o.config_path,
                    "Configuration file (default /etc/onshi/onshi.toml)");
    sub->add_flag("--json", co.json, "Machine-readable output");
  };
  std::string p12_file;
  PasswordSource password;
  auto* cert_import_cmd = certs->add_subcommand(
      "import",
      "Check a PKCS#12 bundle (password from the terminal, stdin or a file, never argv) and make "
      "it the institution's current certificate; the one it replaces is kept for rollback");
  add_cert_common(cert_import_cmd);
  cert_import_cmd->add_option("file", p12_file, "The PKCS#12 file (.p12/.pfx)")->required();
  cert_import_cmd->add_option(
      "--institution", co.institution,
      "医療機関コード (default: the one configured institution, or the one the subject matches)");
  auto* password_file = cert_import_cmd->add_option(
      "--password-file", password.file, "Read the password from the first line of this file");
  auto* password_stdin = cert_import_cmd->add_flag("--password-stdin", password.from_stdin,
                                                   "Read the password as one line from stdin");
  password_file->excludes(password_stdin);
  auto* cert_status_cmd = certs->add_subcommand(
      "status",
      "Per institution: the certificate, its validity in Japan time, days left, warning stage "
      "and what to do next (exit 6 unless every certificate is usable)");
  add_cert_common(cert_status_cmd);
  auto* cert_rollback_cmd = certs->add_subcommand(
      "rollback", "Make the previous certificate of an institution current again");
  add_cert_common(cert_rollback_cmd);
  cert_rollback_cmd->add_option("--institution", co.institution, "医療機関コード")->required();

  // The ledger of the client certificates, from the application on the portal to revocation.
  LedgerCommandOptions lo;
  LedgerStepArgs step_args;
  auto add_ledger_common = [&](CLI::App* sub) {
    sub->add_option("--config", o.config_path,
                    "Configuration file (default /etc/onshi/onshi.toml)");
    sub->add_flag("--json", lo.json, "Machine-readable output");
  };
  auto add_record_id = [&](CLI::App* sub) {
    sub->add_option("request_id", lo.request_id,
                    "The request ID (リクエストID), or the record id `cert ledger` shows")
        ->required();
  };
  auto add_contact = [&](CLI::App* sub) {
    sub->add_option("--contact", step_args.contact.department_person,
                    "担当部署/担当者名 (the registered mail's addressee)");
    sub->add_option("--phone", step_args.contact.phone, "電話番号");
    sub->add_option("--email", step_args.contact.email, "メールアドレス");
  };
  auto* cert_plan_cmd = certs->add_subcommand(
      "plan",
      "What to apply for on the portal: per institution 都道府県コード, 点数表, 分類, the check "
      "digit, the ledger's state, how many certificates and the fee (exit 1 on a problem)");
  add_ledger_common(cert_plan_cmd);
  auto* cert_applied_cmd = certs->add_subcommand(
      "applied", "Record an application made on the portal (申請日, リクエストID, contact)");
  add_ledger_common(cert_applied_cmd);
  add_record_id(cert_applied_cmd);
  add_contact(cert_applied_cmd);
  cert_applied_cmd->add_option("--institution", lo.institution,
                               "医療機関コード (default: the one configured institution)");
  cert_applied_cmd->add_option("--date", lo.date, "申請日 YYYY-MM-DD (default: today, Japan)");
  auto* cert_issued_cmd = certs->add_subcommand(
      "issued",
      "Record that the portal issued the certificate (発行日 from the notice or the "
      "status page); the 180-day download period starts");
  add_ledger_common(cert_issued_cmd);
  add_record_id(cert_issued_cmd);
  cert_issued_cmd->add_option("--date", lo.date, "発行日 YYYY-MM-DD")->required();
  cert_issued_cmd->add_option("--expires", step_args.expires,
                              "証明書有効期限 YYYY-MM-DD, as the status page shows it");
  auto* cert_revoked_cmd =
      certs->add_subcommand("revoked", "Record that the certificate was revoked (失効)");
  add_ledger_common(cert_revoked_cmd);
  add_record_id(cert_revoked_cmd);
  cert_revoked_cmd->add_option("--date", lo.date, "YYYY-MM-DD (default: today, Japan)");
  auto* cert_cancelled_cmd = certs->add_subcommand(
      "cancelled", "Record that an application not yet issued was cancelled on the portal");
  add_ledger_common(cert_cancelled_cmd);
  add_record_id(cert_cancelled_cmd);
  cert_cancelled_cmd->add_option("--date", lo.date, "YYYY-MM-DD (default: today, Japan)");
  auto* cert_edit_cmd = certs->add_subcommand(
      "edit", "Record a change of the application's contact made on the portal");
  add_ledger_common(cert_edit_cmd);
  add_record_id(cert_edit_cmd);
  add_contact(cert_edit_cmd);
  auto* cert_imported_cmd = certs->add_subcommand(
      "imported",
      "Record the store's current certificate in the ledger (`cert import` does this "
      "itself; use it when the ledger was unreachable then)");
  add_ledger_common(cert_imported_cmd);
  cert_imported_cmd->add_option("--institution", lo.institution,
                                "医療機関コード (default: the one configured institution)");
  cert_imported_cmd->add_option("request_id", lo.request_id,
                                "The application it came from, when several are in progress");
  auto* cert_ledger_cmd = certs->add_subcommand(
      "ledger",
      "Every certificate in the ledger, in the portal's columns (申請日, 担当部署/担当者名, "
      "端末名称等, ステータス, リクエストID, 発行日, 証明書有効期限, ダウンロード有効期限) plus "
      "days "
      "left, the warning stage and the next action");
  add_ledger_common(cert_ledger_cmd);
  cert_ledger_cmd->add_option("--institution", lo.institution, "Only this 医療機関コード");

  // The mutual-TLS path to the eligibility system.
  auto* tls = app.add_subcommand("tls", "The TLS path to the eligibility system: pins, checks");
  tls->require_subcommand(1);
  TlsCommandOptions to;
  std::string tls_server;
  std::optional<std::string> ca_file;
  CLI::Option* tls_config_options[2] = {};
  auto* tls_pin_cmd = tls->add_subcommand(
      "pin", "The pin (sha256//…) of every certificate of a server's verified chain");
  tls_pin_cmd->add_option("server", tls_server, "HOST:PORT, [IPv6]:PORT or an https:// URL")
      ->required();
  tls_pin_cmd->add_option("--ca-file", ca_file,
                          "CA certificates (PEM) to verify the server with (default: [upstream] "
                          "server_ca_file, else the system's trust store)");
  tls_config_options[0] = tls_pin_cmd->add_option(
      "--config", o.config_path,
      "Configuration file for the proxy and server CA (default /etc/onshi/onshi.toml, if any)");
  tls_pin_cmd->add_flag("--json", to.json, "Machine-readable output");
  auto* tls_check_cmd = tls->add_subcommand(
      "check",
      "The whole path of [upstream] with the current client certificate: name resolution, TCP, "
      "proxy, TLS handshake, pins, one request, each with its time");
  tls_config_options[1] = tls_check_cmd->add_option(
      "--config", o.config_path, "Configuration file (default /etc/onshi/onshi.toml)");
  tls_check_cmd->add_option("--institution", to.institution,
                            "Whose client certificate (default: the first institution)");
  tls_check_cmd->add_option("--path", to.path, "The request target (default /)");
  tls_check_cmd->add_flag("--json", to.json, "Machine-readable output");
  auto* global_config = app.get_option("--config");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help prints and exits 0; every usage error is exit 2 (CLI11's own codes vary).
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  o.socket = socket;
  if (readers->parsed()) return cmd_readers(o);
  if (info->parsed()) return card_info(o);
  if (verify->parsed()) return card_verify_pin(o, pin_ref);
  if (sign->parsed())
    return hpki ? card_sign_hpki(o, hpki_app, digest, in, out) : card_sign(o, key, in, out);
  if (cert->parsed()) return card_certificate(o, which, out);
  if (check->parsed()) return cmd_config_check(config_path);
  co.config_path = o.config_path;
  co.socket = socket;
  if (cert_import_cmd->parsed()) return cert_import(co, p12_file, password);
  if (cert_status_cmd->parsed()) return cert_status(co);
  if (cert_rollback_cmd->parsed()) return cert_rollback(co);
  lo.config_path = o.config_path;
  if (cert_plan_cmd->parsed()) return cert_plan(lo);
  if (cert_applied_cmd->parsed()) return cert_applied(lo, step_args);
  if (cert_issued_cmd->parsed()) return cert_issued(lo, step_args);
  if (cert_revoked_cmd->parsed()) return cert_revoked(lo);
  if (cert_cancelled_cmd->parsed()) return cert_cancelled(lo);
  if (cert_edit_cmd->parsed()) return cert_edit(lo, step_args);
  if (cert_imported_cmd->parsed()) return cert_imported(lo);
  if (cert_ledger_cmd->parsed()) return cert_ledger(lo);
  to.config_path = o.config_path;
  to.config_given = global_config->count() > 0 || tls_config_options[0]->count() > 0 ||
                    tls_config_options[1]->count() > 0;
  if (tls_pin_cmd->parsed()) return tls_pin(to, tls_server, ca_file);
  if (tls_check_cmd->parsed()) return tls_check(to);
  return kExitFailure;
}

int main(int argc, char** argv) {
  // No exception may end the tool with a core dump (a card's bytes reach JSON and text output).
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    fmt::print(stderr, "onshictl: internal error: {}\n", e.what());
    return kExitFailure;
  }
}
