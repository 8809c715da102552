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
#include "onshi/bytes.hpp"
#include "onshi/config/config.hpp"
#include "onshi/pcsc/context.hpp"
#include "onshi/pcsc/reader_scan.hpp"
#include "tls_commands.hpp"

namespace {

using namespace onshi::ctl;

nlohmann::json to_json(const onshi::pcsc::ReaderInfo& r) {
  nlohmann::json j;
  j["name"] = r.identity.display_name;
  j["identity"] = r.identity.stable_key();
  j["usb"] = r.identity.is_usb();
  if (r.identity.vendor_id) j["vendor_id"] = fmt::format("{:04x}", *r.identity.vendor_id);
  if (r.identity.product_id) j["product_id"] = fmt::format("{:04x}", *r.identity.product_id);
  if (r.identity.serial) j["serial"] = *r.identity.serial;
  j["pin_pad"] = r.identity.pin_pad;
  j["card_present"] = r.card_present;
  if (r.card_present) j["atr"] = onshi::to_hex(r.atr, true);
  j["card_in_use"] = r.card_in_use;
  j["card_mute"] = r.card_mute;
  return j;
}

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
    for (const auto& r : *readers) out["readers"].push_back(to_json(r));
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
      "cert", "The terminal's client certificates: import a PKCS#12 file, status, rollback");
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
