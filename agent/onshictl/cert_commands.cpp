#include "cert_commands.hpp"

#include <fmt/format.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "agent_client.hpp"
#include "exit_codes.hpp"
#include "ledger_commands.hpp"
#include "onshi/japan_time.hpp"
#include "onshi/tls/client_identity.hpp"
#include "onshi/tls/subject_matcher.hpp"
#include "onshi/tls/trust.hpp"
#include "pin_input.hpp"
#include "printable.hpp"

namespace onshi::ctl {
namespace {

using json = nlohmann::ordered_json;
namespace fs = std::filesystem;

constexpr std::size_t kMaxBundle = 1 << 20;  // a PKCS#12 bundle is a few kilobytes
constexpr SecretKind kPassword{"password", 1024, Errc::invalid_argument, true};

std::chrono::sys_seconds now_seconds() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::string dump(const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace); }

std::string import_command(const std::string& code) {
  return fmt::format("onshictl cert import FILE.p12 --institution {}", code);
}

std::string rollback_command(const std::string& code) {
  return fmt::format("onshictl cert rollback --institution {}", code);
}

// In cert commands an invalid argument is a usage problem (an unknown --institution, a choice
// only the technician can make, no terminal to ask for the password on).
int exit_for(const Error& e) {
  return e.code == Errc::invalid_argument ? kExitUsage : exit_code_for(e.code);
}

// What a technician can do about an error, beyond its message.
std::string hint_for(const Error& e) {
  switch (e.code) {
    case Errc::cert_wrong_password:
      return "wrong password (the bundle opened far enough to tell): type it again, or check "
             "which password belongs to this file";
    case Errc::cert_legacy_encryption:
      return "legacy encryption (RC2/3DES), and the password may well be right: install OpenSSL's "
             "legacy provider, or ask for the bundle again with AES encryption";
    case Errc::cert_wrong_institution:
      return "import the certificate issued for this 医療機関コード, or check [certificates] "
             "subject_match";
    default:
      return {};
  }
}

// Prints an error (JSON on stdout with --json, else on stderr) and returns the exit code.
int report(const Error& e, bool as_json, json extra = json::object(), std::string note = {}) {
  const std::string hint = hint_for(e);
  if (as_json) {
    json j = std::move(extra);
    j["error"] = {{"code", std::string(errc_name(e.code))}, {"message", e.message}};
    if (!hint.empty()) j["error"]["hint"] = hint;
    std::puts(dump(j).c_str());
  } else {
    fmt::print(stderr, "onshictl: {}\n", printable(e.to_string()));
    if (!hint.empty()) fmt::print(stderr, "hint: {}\n", hint);
    if (!note.empty()) fmt::print(stderr, "{}\n", note);
  }
  return exit_for(e);
}

Result<std::optional<tls::StoreOwner>> store_owner(const config::Config& config,
                                                   const std::string& config_path) {
  if (::geteuid() != 0) return std::optional<tls::StoreOwner>{};
  const std::string& name = config.certificates.owner;
  const passwd* pw = ::getpwnam(name.c_str());
  if (pw == nullptr) {
    return fail(Errc::config_invalid,
                fmt::format("{}: certificates.owner: the user \"{}\" does not exist; onshictl runs "
                            "as root and hands the certificate store to onshid's user: create "
                            "that user, or name the user onshid runs as in [certificates] owner",
                            config_path, name));
  }
  return std::optional<tls::StoreOwner>(tls::StoreOwner{pw->pw_uid, pw->pw_gid});
}

Result<Bytes> read_bundle(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(Errc::io, fmt::format("{}: cannot read the file: {}", path,
                                      std::error_code(errno, std::generic_category()).message()));
  }
  Bytes data;
  char buf[4096];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    data.insert(data.end(), buf, buf + in.gcount());
    if (data.size() > kMaxBundle) {
      return fail(Errc::cert_malformed,
                  fmt::format("{}: larger than {} bytes, not a PKCS#12 bundle", path, kMaxBundle));
    }
  }
  return data;
}

Result<SecretBytes> read_password(const PasswordSource& source, const std::string& file) {
  if (source.file) return read_secret_file(*source.file, kPassword);
  if (!source.from_stdin && ::isatty(STDIN_FILENO) != 1) {
    return fail(Errc::invalid_argument,
                "no terminal to ask for the password on: give --password-stdin (one line on "
                "standard input) or --password-file FILE");
  }
  return read_secret(fmt::format("Password of {}: ", fs::path(file).filename().string()),
                     kPassword);
}

std::string names_of(const config::Config& config) {
  std::string out;
  for (const auto& i : config.institutions) {
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", i.code, i.name);
  }
  return out;
}

AgentNotice notify_agent(const CertCommandOptions& o, std::string_view what) {
  return notify_agent_reload(agent_socket(o.socket, o.config_path), what);
}

json certificate_fields(const tls::Certificate& leaf, std::chrono::sys_seconds now) {
  const auto status = tls::expiry_status(leaf.not_before(), leaf.not_after(), now);
  return json{{"subject", leaf.subject()},
              {"issuer", leaf.issuer()},
              {"serial", leaf.serial_hex()},
              {"not_before", format_japan_time(leaf.not_before())},
              {"not_after", format_japan_time(leaf.not_after())},
              {"days_left", status.days_left},
              {"warning_stage", std::string(tls::expiry_stage_name(status.stage))},
              {"next_action", status.next_action},
              {"key", leaf.key_description()},
              {"fingerprint_sha256", tls::hex(leaf.fingerprint())}};
}

void print_certificate(const json& c, std::string_view indent) {
  auto s = [&](const char* key) { return printable(c.value(key, std::string())); };
  fmt::print("{}subject:   {}\n", indent, s("subject"));
  fmt::print("{}issuer:    {}\n", indent, s("issuer"));
  fmt::print("{}serial:    {}\n", indent, s("serial"));
  fmt::print("{}valid:     {} to {} (Japan time)\n", indent, s("not_before"), s("not_after"));
  fmt::print("{}days left: {} (warning stage {})\n", indent, c.value("days_left", 0),
             s("warning_stage"));
  fmt::print("{}key:       {}\n", indent, s("key"));
  fmt::print("{}SHA-256:   {}\n", indent, s("fingerprint_sha256"));
  if (c.contains("imported_at")) {
    fmt::print("{}imported:  {} from {}{}\n", indent,
               c["imported_at"].is_string() ? s("imported_at") : std::string("(unknown)"),
               s("source"),
               c.value("legacy_encryption", false) ? " (a bundle with legacy encryption)" : "");
  }
}

// A one-line description of a certificate, for "replaced" and "previous".
std::string summary(const json& c) {
  return fmt::format("{}, serial {}, valid to {} ({} days left)",
                     printable(c.value("subject", std::string())), c.value("serial", std::string()),
                     c.value("not_after", std::string()), c.value("days_left", 0));
}

void print_notice(const AgentNotice& notice) { fmt::print("{}\n", notice.message); }

// What `cert import`/`cert rollback` did to the ledger (record_store_certificate's answer).
void print_ledger_note(const json& note) {
  if (note.contains("error")) {
    fmt::print("Ledger NOT updated: {}\n  {}\n",
               printable(note["error"].value("message", std::string())),
               note.value("hint", std::string()));
    return;
  }
  const std::string step = note.value("step", std::string());
  const std::string record = note.value("record", std::string());
  if (step == "unchanged") {
    fmt::print("Ledger:      {} already records this certificate\n", record);
  } else if (step == "adopted") {
    fmt::print("Ledger:      no application on record: adopted as {}\n", record);
  } else {
    fmt::print("Ledger:      {} {}\n", record, step);
  }
  for (const auto& id : note.value("replaced", json::array())) {
    fmt::print("             {} marked replaced\n", id.get<std::string>());
  }
  if (note.contains("replace_error")) {
    fmt::print("             {}\n",
               printable(note["replace_error"].value("message", std::string())));
  }
}

}  // namespace

AgentNotice notify_agent_reload(const std::filesystem::path& socket, std::string_view what) {
  const AgentClient client(socket);
  auto reply = client.request("POST", "/v1/certificates/reload");
  if (!reply) {
    return {false, fmt::format("onshid is not running (nothing answers on {}); it will load {} "
                               "when it starts",
                               reply.error().message, what)};
  }
  if (reply->status >= 200 && reply->status < 300) {
    return {true, fmt::format("onshid ({}) reloaded the certificates: new connections use {}; "
                              "requests already running finish on the old one",
                              socket.string(), what)};
  }
  const std::string body = reply->body.substr(0, 200);
  return {false, fmt::format("onshid ({}) answered {} to POST /v1/certificates/reload{}{}; "
                             "restart it to load {}",
                             socket.string(), reply->status, body.empty() ? "" : ": ",
                             printable(body), what)};
}

std::string_view certificate_state(tls::ExpiryStage stage) {
  switch (stage) {
    case tls::ExpiryStage::ok:
      return "ok";
    case tls::ExpiryStage::expired:
      return "expired";
    case tls::ExpiryStage::not_yet_valid:
      return "not_yet_valid";
    default:
      return "warning";
  }
}

Result<std::string> choose_institution(const config::Config& config,
                                       const std::optional<std::string>& wanted,
                                       const std::function<bool(const std::string&)>& matches,
                                       std::string_view subject) {
  if (wanted) {
    if (config.institution(*wanted) == nullptr) {
      return fail(Errc::invalid_argument,
                  fmt::format("--institution {}: not a configured institution (configured: {})",
                              *wanted, names_of(config)));
    }
    return *wanted;
  }
  if (config.institutions.size() == 1) return config.institutions.front().code;
  std::vector<std::string> found;
  for (const auto& i : config.institutions) {
    if (matches(i.code)) found.push_back(i.code);
  }
  if (found.size() == 1) return found.front();
  if (found.empty()) {
    return fail(Errc::cert_wrong_institution,
                fmt::format("the certificate \"{}\" belongs to none of the configured "
                            "institutions ({}) by the subject rules ([certificates] "
                            "subject_match); import the certificate issued for one of them, or "
                            "name the institution with --institution CODE",
                            subject, names_of(config)));
  }
  std::string codes;
  for (const auto& c : found) codes += (codes.empty() ? "" : ", ") + c;
  return fail(Errc::invalid_argument,
              fmt::format("the certificate \"{}\" matches several configured institutions ({}): "
                          "choose one with --institution CODE",
                          subject, codes));
}

json stored_certificate_json(const tls::StoredCertificate& stored, std::chrono::sys_seconds now) {
  json j = certificate_fields(stored.leaf, now);
  j["imported_at"] = stored.imported_at == std::chrono::sys_seconds{}
                         ? json(nullptr)
                         : json(format_japan_time(stored.imported_at));
  j["source"] = stored.source;
  j["legacy_encryption"] = stored.legacy_encryption;
  j["directory"] = stored.directory.string();
  return j;
}

json status_report(const config::Config& config, const tls::CertificateStore& store,
                   std::chrono::sys_seconds now, const Result<ledger::Listing>* ledger_listing) {
  json out{{"store", store.root().string()}, {"institutions", json::array()}};
  const ledger::Listing* ledger = nullptr;
  const ledger::TerminalId self = terminal_identity(config);
  if (ledger_listing != nullptr) {
    if (*ledger_listing) {
      ledger = &**ledger_listing;
      out["ledger"] = {{"directory", config.ledger_directory().string()}, {"error", nullptr}};
    } else {
      out["ledger"] = {{"directory", config.ledger_directory().string()},
                       {"error",
                        {{"code", std::string(errc_name(ledger_listing->error().code))},
                         {"message", ledger_listing->error().message}}}};
    }
  }
  for (const auto& institution : config.institutions) {
    const std::string& code = institution.code;
    json e{{"code", code}, {"name", institution.name}};
    auto current = store.current(code);
    json certificate = nullptr;
    json days_left = nullptr;
    json stage = nullptr;
    std::string next_action;
    if (current) {
      const auto status =
          tls::expiry_status(current->leaf.not_before(), current->leaf.not_after(), now);
      e["state"] = std::string(certificate_state(status.stage));
      certificate = stored_certificate_json(*current, now);
      days_left = status.days_left;
      stage = std::string(tls::expiry_stage_name(status.stage));
      next_action = status.next_action;
    } else if (current.error().code == Errc::cert_not_found) {
      e["state"] = "missing";
      next_action = fmt::format(
          "Import this institution's client certificate (the PKCS#12 file from the certificate "
          "authority) with `{}`.",
          import_command(code));
    } else {
      e["state"] = "invalid";
      e["message"] = current.error().to_string();
      next_action = fmt::format("The stored certificate cannot be used: import it again with `{}`.",
                                import_command(code));
    }
    e["certificate"] = std::move(certificate);
    std::optional<ledger::CertificateFacts> installed;
    if (current) installed = certificate_facts(current->leaf);
    auto previous = store.previous(code);
    if (previous) {
      e["previous"] = stored_certificate_json(*previous, now);
    } else if (previous.error().code == Errc::cert_not_found) {
      e["previous"] = nullptr;
    } else {
      e["previous"] = {{"error",
                        {{"code", std::string(errc_name(previous.error().code))},
                         {"message", previous.error().message}}}};
    }
    e["days_left"] = std::move(days_left);
    e["warning_stage"] = std::move(stage);
    e["next_action"] = next_action;
    if (ledger) {
      e["ledger"] = terminal_ledger_json(
          ledger::assess_terminal(ledger->records, code, config.terminal_name, now, &self,
                                  installed ? &*installed : nullptr));
    } else {
      e["ledger"] = nullptr;
    }
    out["institutions"].push_back(std::move(e));
  }
  json others = json::array();
  for (const auto& code : store.institutions()) {
    if (config.institution(code) == nullptr) others.push_back(code);
  }
  out["unconfigured_in_store"] = std::move(others);
  return out;
}

int status_exit_code(const json& report) {
  if (!report.contains("institutions")) return kExitCertificate;
  for (const auto& e : report["institutions"]) {
    const std::string state = e.value("state", std::string());
    if (state != "ok" && state != "warning") return kExitCertificate;
  }
  return kExitOk;
}

int cert_status(const CertCommandOptions& o) {
  auto config = config::load_config_file(o.config_path);
  if (!config) return report(config.error(), o.json);
  const tls::CertificateStore store(config->certificate_store());
  const Result<ledger::Listing> listing = open_ledger(*config).list();
  const json out = status_report(*config, store, now_seconds(), &listing);
  if (o.json) {
    std::puts(dump(out).c_str());
    return status_exit_code(out);
  }
  fmt::print("Client certificates in {} (times in Japan time, +09:00)\n",
             printable(store.root().string()));
  for (const auto& e : out["institutions"]) {
    const std::string state = e["state"];
    std::string upper = state;
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](char c) { return static_cast<char>(std::toupper(static_cast<int>(c))); });
    fmt::print("\n{} {}: {}\n", e["code"].get<std::string>(),
               printable(e["name"].get<std::string>()), upper);
    if (e.contains("message"))
      fmt::print("  problem:   {}\n", printable(e["message"].get<std::string>()));
    if (e["certificate"].is_object()) print_certificate(e["certificate"], "  ");
    fmt::print("  next:      {}\n", e["next_action"].get<std::string>());
    if (e["ledger"].is_object()) {
      fmt::print("  ledger:    {} ({}): {}\n", e["ledger"]["stage"].get<std::string>(),
                 e["ledger"]["urgency"].get<std::string>(),
                 printable(e["ledger"]["next_action"].get<std::string>()));
    }
    if (e["previous"].is_object()) {
      if (e["previous"].contains("error")) {
        fmt::print("  previous:  unusable: {}\n",
                   printable(e["previous"]["error"].value("message", std::string())));
      } else {
        fmt::print("  previous:  {}\n             `{}` makes it current again\n",
                   summary(e["previous"]), rollback_command(e["code"].get<std::string>()));
      }
    }
  }
  if (!out["unconfigured_in_store"].empty()) {
    std::string codes;
    for (const auto& c : out["unconfigured_in_store"]) {
      codes += (codes.empty() ? "" : ", ") + c.get<std::string>();
    }
    fmt::print("\nAlso in the store, for institutions not in the configuration: {}\n", codes);
  }
  if (out.contains("ledger") && out["ledger"]["error"].is_object()) {
    fmt::print("\nThe ledger {} cannot be read: {}\n",
               out["ledger"]["directory"].get<std::string>(),
               printable(out["ledger"]["error"]["message"].get<std::string>()));
  }
  return status_exit_code(out);
}

int cert_import(const CertCommandOptions& o, const std::string& file,
                const PasswordSource& password_source) {
  auto config = config::load_config_file(o.config_path);
  if (!config) return report(config.error(), o.json);
  const std::string untouched = "Nothing was imported: the current certificate stays in use.";
  const json not_imported{{"imported", false}};

  // Everything that does not need the bundle first, so no password is asked for in vain.
  if (!config->certificates.ca_file) {
    return report(
        Error{Errc::config_invalid,
              fmt::format("{}: [certificates] ca_file is not set: it names the certificate "
                          "authority (共通認証局) a client certificate must chain to (its root "
                          "and intermediate certificates, PEM); set it and import again",
                          o.config_path)},
        o.json, not_imported, untouched);
  }
  auto trust =
      tls::TrustAnchors::load(*config->certificates.ca_file, config->certificates.crl_file);
  if (!trust) return report(trust.error(), o.json, not_imported, untouched);
  auto matcher = tls::SubjectMatcher::parse(config->certificates.subject_match);
  if (!matcher) return report(matcher.error(), o.json, not_imported, untouched);
  auto owner = store_owner(*config, o.config_path);
  if (!owner) return report(owner.error(), o.json, not_imported, untouched);
  if (o.institution && config->institution(*o.institution) == nullptr) {
    auto chosen = choose_institution(*config, o.institution, {}, {});
    return report(chosen.error(), o.json, not_imported, untouched);
  }
  auto bundle = read_bundle(file);
  if (!bundle) return report(bundle.error(), o.json, not_imported, untouched);

  Result<tls::ClientIdentity> identity = [&]() -> Result<tls::ClientIdentity> {
    ONSHI_TRY_ASSIGN(auto password, read_password(password_source, file));
    auto opened = tls::open_pkcs12(*bundle, password.view());
    password.clear();
    return opened;
  }();
  if (!identity) return report(identity.error(), o.json, not_imported, untouched);

  const std::string subject = identity->leaf.subject();
  auto code = choose_institution(
      *config, o.institution,
      [&](const std::string& c) {
        return !matcher->mismatch(identity->leaf, c, config->terminal_name).has_value();
      },
      subject);
  if (!code) return report(code.error(), o.json, not_imported, untouched);
  const auto now = now_seconds();
  const tls::ImportChecks checks{&*trust, &*matcher, *code, config->terminal_name, now};
  if (auto s = tls::check_client_identity(*identity, checks); !s) {
    json extra = not_imported;
    extra["institution"] = *code;
    return report(
        s.error(), o.json, extra,
        fmt::format("Nothing was imported: the current certificate of {} stays in use.", *code));
  }

  tls::CertificateStore store(config->certificate_store(), *owner);
  const std::string source = fs::path(file).filename().string();
  auto outcome = store.install(*identity, *code, source, now);
  if (!outcome) return report(outcome.error(), o.json, not_imported, untouched);

  const auto* institution = config->institution(*code);
  json out{{"imported", !outcome->unchanged},
           {"result", outcome->unchanged ? "unchanged" : "installed"},
           {"institution", {{"code", *code}, {"name", institution->name}}},
           {"certificate", stored_certificate_json(outcome->installed, now)},
           {"legacy_encryption", identity->legacy_encryption},
           {"replaced",
            outcome->replaced ? stored_certificate_json(*outcome->replaced, now) : json(nullptr)},
           {"rollback", outcome->replaced ? json(rollback_command(*code)) : json(nullptr)}};
  out["ledger"] = record_store_certificate(*config, *code, outcome->installed.leaf, now);
  std::optional<AgentNotice> notice;
  if (!outcome->unchanged) notice = notify_agent(o, "the new certificate");
  out["agent"] =
      notice ? json{{"reloaded", notice->reloaded}, {"message", notice->message}} : json(nullptr);
  if (o.json) {
    std::puts(dump(out).c_str());
    return kExitOk;
  }
  if (outcome->unchanged) {
    fmt::print("Unchanged: {} holds the certificate that is already current for {} {}.\n",
               printable(source), *code, printable(institution->name));
    print_certificate(out["certificate"], "  ");
    print_ledger_note(out["ledger"]);
    return kExitOk;
  }
  fmt::print("Imported {} for {} {}:\n", printable(source), *code, printable(institution->name));
  print_certificate(out["certificate"], "  ");
  if (identity->legacy_encryption) {
    fmt::print(
        "  note:      the bundle used legacy encryption (RC2/3DES, as Windows exports do); "
        "OpenSSL's legacy provider opened it for this import only. Ask for an AES export next "
        "time.\n");
  }
  fmt::print("  stored in: {} (key.pem readable by its owner only)\n",
             printable(outcome->installed.directory.string()));
  if (outcome->replaced) {
    fmt::print(
        "Replaced:    {}\n             kept as the previous certificate: `{}` makes it "
        "current again\n",
        summary(out["replaced"]), rollback_command(*code));
  }
  print_ledger_note(out["ledger"]);
  print_notice(*notice);
  return kExitOk;
}

int cert_rollback(const CertCommandOptions& o) {
  auto config = config::load_config_file(o.config_path);
  if (!config) return report(config.error(), o.json);
  if (!o.institution) {
    return report(Error{Errc::invalid_argument, "give the institution: --institution CODE"},
                  o.json);
  }
  if (config->institution(*o.institution) == nullptr) {
    auto chosen = choose_institution(*config, o.institution, {}, {});
    return report(chosen.error(), o.json);
  }
  auto owner = store_owner(*config, o.config_path);
  if (!owner) return report(owner.error(), o.json);
  tls::CertificateStore store(config->certificate_store(), *owner);
  const std::string& code = *o.institution;
  auto restored = store.rollback(code);
  if (!restored) {
    return report(restored.error(), o.json, json::object(),
                  restored.error().code == Errc::cert_not_found
                      ? "There is no previous certificate to go back to; the current one stays "
                        "in use."
                      : "");
  }
  const auto now = now_seconds();
  auto previous = store.previous(code);
  const auto status =
      tls::expiry_status(restored->leaf.not_before(), restored->leaf.not_after(), now);
  const AgentNotice notice = notify_agent(o, "the restored certificate");
  const json ledger_note = record_store_certificate(*config, code, restored->leaf, now);
  json out{{"institution", {{"code", code}, {"name", config->institution(code)->name}}},
           {"state", std::string(certificate_state(status.stage))},
           {"certificate", stored_certificate_json(*restored, now)},
           {"previous", previous ? stored_certificate_json(*previous, now) : json(nullptr)},
           {"agent", {{"reloaded", notice.reloaded}, {"message", notice.message}}},
           {"ledger", ledger_note}};
  if (o.json) {
    std::puts(dump(out).c_str());
    return kExitOk;
  }
  fmt::print("Rolled back {} {}: the previous certificate is current again:\n", code,
             printable(config->institution(code)->name));
  print_certificate(out["certificate"], "  ");
  if (status.stage == tls::ExpiryStage::expired ||
      status.stage == tls::ExpiryStage::not_yet_valid) {
    fmt::print("  WARNING:   {}\n", status.next_action);
  }
  if (previous) {
    fmt::print("Now previous: {}\n              `{}` again undoes this rollback\n",
               summary(out["previous"]), rollback_command(code));
  }
  print_ledger_note(ledger_note);
  print_notice(notice);
  return kExitOk;
}

}  // namespace onshi::ctl
