#include "ledger_commands.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

#include "exit_codes.hpp"
#include "onshi/japan_calendar.hpp"
#include "onshi/japan_time.hpp"
#include "onshi/ledger/record_file.hpp"
#include "onshi/tls/certificate_store.hpp"
#include "printable.hpp"

namespace onshi::ctl {
namespace {

using json = nlohmann::ordered_json;
using std::chrono::sys_days;
using std::chrono::sys_seconds;

sys_seconds now_seconds() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::string dump(const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace); }

json error_json(const Error& e) {
  return {{"code", std::string(errc_name(e.code))}, {"message", e.message}};
}

int exit_for(const Error& e) {
  if (e.code == Errc::invalid_argument) return kExitUsage;
  return exit_code_for(e.code);
}

// What to do about a ledger error, beyond its message.
std::string hint_for(const Error& e) {
  switch (e.code) {
    case Errc::ledger_locked:
      return "another terminal is writing this record right now: run the command again";
    case Errc::ledger_conflict:
      return "the record changed under this command; nothing was written: run it again";
    case Errc::ledger_invalid:
      return "the record file is damaged or was edited by hand: compare it with the portal's "
             "status page (電子証明書申請状況照会) and fix or remove it";
    default:
      return {};
  }
}

int report(const Error& e, bool as_json) {
  const std::string hint = hint_for(e);
  if (as_json) {
    json j{{"error", error_json(e)}};
    if (!hint.empty()) j["error"]["hint"] = hint;
    std::puts(dump(j).c_str());
  } else {
    fmt::print(stderr, "onshictl: {}\n", printable(e.to_string()));
    if (!hint.empty()) fmt::print(stderr, "hint: {}\n", hint);
  }
  return exit_for(e);
}

json optional_date(const std::optional<sys_days>& d) {
  return d ? json(format_iso_date(*d)) : json(nullptr);
}

// 1500 → "1,500".
std::string yen(int amount) {
  const std::string digits = std::to_string(amount);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0 && digits[i - 1] != '-') out += ',';
    out += digits[i];
  }
  return out;
}

std::string or_dash(const std::optional<sys_days>& d) { return d ? format_iso_date(*d) : "-"; }

Result<sys_days> date_argument(const std::optional<std::string>& text, std::string_view option,
                               std::optional<sys_days> fallback) {
  if (!text) {
    if (fallback) return *fallback;
    return fail(Errc::invalid_argument, fmt::format("give the date: {} YYYY-MM-DD", option));
  }
  auto d = parse_iso_date(*text);
  if (!d) {
    return fail(Errc::invalid_argument,
                fmt::format("{} {}: not a date; write it YYYY-MM-DD (Japan), e.g. 2026-12-02",
                            option, *text));
  }
  return *d;
}

Result<std::string> institution_argument(const config::Config& config,
                                         const std::optional<std::string>& wanted) {
  if (wanted) {
    if (config.institution(*wanted) == nullptr) {
      std::string codes;
      for (const auto& i : config.institutions) codes += (codes.empty() ? "" : ", ") + i.code;
      return fail(Errc::invalid_argument,
                  fmt::format("--institution {}: not a configured institution (configured: {})",
                              *wanted, codes));
    }
    return *wanted;
  }
  if (config.institutions.size() == 1) return config.institutions.front().code;
  return fail(Errc::invalid_argument,
              "several institutions are configured: choose one with --institution CODE");
}

struct Loaded {
  config::Config config;
  ledger::Recording at;
};

Result<Loaded> load(const LedgerCommandOptions& o) {
  auto config = config::load_config_file(o.config_path);
  if (!config) return config.error();
  Loaded l{std::move(*config), {}};
  l.at = ledger::Recording{now_seconds(), terminal_identity(l.config)};
  return l;
}

std::string institution_name(const config::Config& config, const std::string& code) {
  const auto* i = config.institution(code);
  return i != nullptr ? i->name : std::string("(not configured here)");
}

// Applies one step to the record --request-id names and prints the outcome.
int step_command(const LedgerCommandOptions& o, std::string_view verb,
                 const std::function<Result<void>(ledger::Record&, const Loaded&)>& step) {
  auto loaded = load(o);
  if (!loaded) return report(loaded.error(), o.json);
  if (!o.request_id) {
    return report(Error(Errc::invalid_argument,
                        "give the record: the request ID (リクエストID) as REQUEST_ID"),
                  o.json);
  }
  auto dir = open_ledger(loaded->config);
  auto written = dir.update(*o.request_id, [&](ledger::Record& r) -> Result<bool> {
    ONSHI_TRY(step(r, *loaded));
    return true;
  });
  if (!written) return report(written.error(), o.json);
  const auto a = ledger::assess(*written, loaded->at.now);
  if (o.json) {
    std::puts(dump(json{{"recorded", verb}, {"record", record_json(*written, a, loaded->at.by)}})
                  .c_str());
    return kExitOk;
  }
  fmt::print("Recorded: {} {} ({} {}), generation {} in {}\n", written->id, verb,
             written->institution,
             printable(institution_name(loaded->config, written->institution)), written->generation,
             printable(dir.directory().string()));
  fmt::print("  stage: {}\n  next:  {}\n", ledger::stage_name(a.stage), printable(a.next_action));
  return kExitOk;
}

// Picks the record an imported certificate belongs to: the one holding its fingerprint, else the
// single application of this terminal and code in progress (matching the expiry date when the
// portal's was recorded).
Result<std::optional<ledger::Record>> record_for_import(const std::vector<ledger::Record>& records,
                                                        const std::string& institution,
                                                        const std::string& terminal_name,
                                                        const ledger::CertificateFacts& facts,
                                                        const std::optional<std::string>& wanted) {
  const ledger::Record* holder = nullptr;
  for (const auto& r : records) {
    if (r.certificate && r.certificate->sha256 == facts.sha256) holder = &r;
  }
  if (wanted) {
    if (holder != nullptr && holder->id != *wanted) {
      return fail(
          Errc::invalid_argument,
          fmt::format("this certificate is recorded as {} already, not {}", holder->id, *wanted));
    }
    for (const auto& r : records) {
      if (r.id != *wanted) continue;
      if (r.institution != institution || r.terminal_name != terminal_name) {
        return fail(Errc::invalid_argument,
                    fmt::format("the record {} is for {}, 端末名称 \"{}\"; this certificate is "
                                "{}'s on \"{}\"",
                                r.id, r.institution, r.terminal_name, institution, terminal_name));
      }
      return std::optional<ledger::Record>(r);
    }
    return fail(Errc::invalid_argument, fmt::format("the ledger has no record \"{}\"", *wanted));
  }
  if (holder != nullptr) return std::optional<ledger::Record>(*holder);
  // The applications of this terminal and code this certificate may belong to (an older backup
  // imported again does not close a renewal's application: it gets a record of its own).
  std::vector<const ledger::Record*> pending;
  for (const auto& r : records) {
    if (r.institution == institution && r.terminal_name == terminal_name &&
        (r.state == ledger::State::applied || r.state == ledger::State::issued) &&
        !ledger::certificate_mismatch(r, facts)) {
      pending.push_back(&r);
    }
  }
  if (pending.size() > 1) {
    std::vector<const ledger::Record*> same_expiry;
    for (const auto* r : pending) {
      if (r->expires_on && *r->expires_on == japan_day(facts.not_after)) same_expiry.push_back(r);
    }
    if (same_expiry.size() == 1) pending = same_expiry;
  }
  if (pending.size() > 1) {
    std::string ids;
    for (const auto* r : pending) ids += (ids.empty() ? "" : ", ") + r->id;
    return fail(Errc::invalid_argument,
                fmt::format("several applications of {} for this terminal are in progress ({}): "
                            "say which one this certificate is with `onshictl cert imported "
                            "--institution {} REQUEST_ID`",
                            institution, ids, institution));
  }
  if (pending.empty()) return std::optional<ledger::Record>{};
  return std::optional<ledger::Record>(*pending.front());
}

void print_problems(const std::vector<Error>& problems) {
  for (const auto& p : problems) fmt::print("  unreadable: {}\n", printable(p.message));
}

}  // namespace

ledger::TerminalId terminal_identity(const config::Config& config) {
  ledger::TerminalId id = ledger::this_terminal();
  if (config.test_mode) {
    if (const char* m = std::getenv("ONSHI_MACHINE_ID"); m != nullptr && *m != '\0') {
      id.machine_id = m;
    }
    if (const char* h = std::getenv("ONSHI_HOST"); h != nullptr && *h != '\0') id.host = h;
  }
  return id;
}

ledger::LedgerDirectory open_ledger(const config::Config& config) {
  ledger::LedgerOptions options;
  options.directory = config.ledger_directory();
  options.lock_stale_after = config.ledger.lock_stale_after;
  options.lock_wait = config.ledger.lock_wait;
  options.self = terminal_identity(config);
  options.directory_may_be_missing = !config.ledger.directory.has_value();
  return ledger::LedgerDirectory(std::move(options));
}

ledger::CertificateFacts certificate_facts(const tls::Certificate& leaf) {
  return {tls::hex(leaf.fingerprint()), leaf.subject(), leaf.serial_hex(), leaf.not_before(),
          leaf.not_after()};
}

json record_store_certificate(const config::Config& config, const std::string& institution,
                              const tls::Certificate& leaf, sys_seconds now,
                              const std::optional<std::string>& request_id) {
  const std::string hint = fmt::format(
      "the certificate itself is imported and in use; once the ledger is reachable, record it "
      "with `onshictl cert imported --institution {}`",
      institution);
  auto failed = [&](const Error& e) {
    return json{{"updated", false}, {"error", error_json(e)}, {"hint", hint}};
  };
  auto dir = open_ledger(config);
  const ledger::Recording at{now, terminal_identity(config)};
  const ledger::CertificateFacts facts = certificate_facts(leaf);
  auto listing = dir.list();
  if (!listing) return failed(listing.error());
  auto target =
      record_for_import(listing->records, institution, config.terminal_name, facts, request_id);
  if (!target) return failed(target.error());
  json out{{"updated", false}, {"directory", dir.directory().string()}};
  std::string id;
  if (*target) {
    id = (*target)->id;
    std::string step = "unchanged";
    auto written = dir.update(id, [&](ledger::Record& r) -> Result<bool> {
      const bool was_replaced = r.state == ledger::State::replaced;
      ONSHI_TRY_ASSIGN(const bool changed, ledger::record_imported(r, facts, at));
      if (changed) step = was_replaced ? "reinstated" : "imported";
      return changed;
    });
    if (!written) return failed(written.error());
    out["step"] = step;
    out["updated"] = step != "unchanged";
  } else {
    auto adopted = ledger::adopt_imported(institution, config.terminal_name, facts, at);
    if (!adopted) return failed(adopted.error());
    id = adopted->id;
    auto created = dir.create(std::move(*adopted));
    if (!created) return failed(created.error());
    out["step"] = "adopted";
    out["updated"] = true;
  }
  out["record"] = id;
  // This terminal's earlier certificate of the code is replaced by this one.
  json replaced = json::array();
  for (const auto& r : listing->records) {
    if (r.id == id || r.institution != institution || r.terminal_name != config.terminal_name ||
        r.state != ledger::State::imported || !r.imported_by ||
        r.imported_by->machine_id != at.by.machine_id) {
      continue;
    }
    auto written = dir.update(r.id, [&](ledger::Record& rec) -> Result<bool> {
      if (rec.state != ledger::State::imported) return false;
      ONSHI_TRY(ledger::record_replaced(rec, id, at));
      return true;
    });
    if (!written) {
      out["replace_error"] = error_json(written.error());
      out["hint"] = fmt::format("record {} as replaced by hand later: it is not in use", r.id);
      continue;
    }
    replaced.push_back(r.id);
  }
  out["replaced"] = std::move(replaced);
  return out;
}

json terminal_ledger_json(const ledger::TerminalAssessment& t) {
  return {{"stage", std::string(ledger::stage_name(t.stage))},
          {"urgency", std::string(ledger::urgency_name(t.urgency))},
          {"in_use", t.in_use ? json(t.in_use->id) : json(nullptr)},
          {"pending", t.pending ? json(t.pending->id) : json(nullptr)},
          {"needs_application", t.needs_application},
          {"next_action", t.next_action}};
}

json record_json(const ledger::Record& r, const ledger::Assessment& a,
                 const ledger::TerminalId& self) {
  json j;
  j["id"] = r.id;
  j["request_id"] = r.request_id.empty() ? json(nullptr) : json(r.request_id);
  j["institution"] = r.institution;
  // The portal's status page columns (eligibility-system.md §3.3).
  j["applied_on"] = optional_date(r.applied_on);                       // 申請日
  j["contact"] = {{"department_person", r.contact.department_person},  // 担当部署/担当者名
                  {"phone", r.contact.phone},
                  {"email", r.contact.email}};
  j["terminal_name"] = r.terminal_name;  // 端末名称等
  j["state"] = std::string(ledger::state_name(r.state));
  // ステータス: only 発行済み is the portal's published wording.
  j["portal_status"] = r.state == ledger::State::issued || r.state == ledger::State::imported
                           ? json("発行済み")
                           : json(nullptr);
  j["issued_on"] = optional_date(r.issued_on);    // 発行日
  j["expires_on"] = optional_date(a.expires_on);  // 証明書有効期限
  j["download_deadline"] = r.issued_on
                               ? json(format_iso_date(ledger::download_deadline(*r.issued_on)))
                               : json(nullptr);  // ダウンロード有効期限
  // onshi's own columns.
  j["stage"] = std::string(ledger::stage_name(a.stage));
  j["urgency"] = std::string(ledger::urgency_name(a.urgency));
  j["warning"] = a.warning.empty() ? json(nullptr) : json(a.warning);
  j["days_left"] = a.days_left ? json(*a.days_left) : json(nullptr);
  j["notice_expected"] = a.notice_earliest ? json{{"earliest", format_iso_date(*a.notice_earliest)},
                                                  {"latest", format_iso_date(*a.notice_latest)}}
                                           : json(nullptr);
  j["next_action"] = a.next_action;
  if (r.certificate) {
    j["certificate"] = {{"sha256", r.certificate->sha256},
                        {"subject", r.certificate->subject},
                        {"serial", r.certificate->serial},
                        {"not_after", format_japan_time(r.certificate->not_after)}};
  } else {
    j["certificate"] = nullptr;
  }
  j["imported_by"] = r.imported_by
                         ? json{{"host", r.imported_by->host},
                                {"this_terminal", r.imported_by->machine_id == self.machine_id}}
                         : json(nullptr);
  j["replaced_by"] = r.replaced_by ? json(*r.replaced_by) : json(nullptr);
  j["steps"] = r.history.size();
  j["generation"] = r.generation;
  return j;
}

json plan_json(const ledger::Plan& plan, const config::Config& config) {
  json certs = json::array();
  for (const auto& c : plan.certificates) {
    json j;
    j["code"] = c.code;
    j["name"] = c.name;
    j["code_check"] = c.code_problem ? json(*c.code_problem) : json("ok");
    j["prefecture"] = c.prefecture
                          ? json{{"code", std::string(c.prefecture->code)},
                                 {"name", std::string(c.prefecture->name)},
                                 {"form", fmt::format("{}:{},{}", c.prefecture->code,
                                                      c.prefecture->name, c.prefecture->romaji)}}
                          : json(nullptr);
    j["score_table"] = {
        {"digit", std::string(1, c.score_table)},
        {"name", c.score_table_name ? json(std::string(*c.score_table_name)) : json(nullptr)}};
    j["category"] = c.category ? json(*c.category) : json(nullptr);
    j["category_note"] =
        c.category ? json(nullptr)
                   : json(
                         "check on the form: only 2:保険医療機関（歯科） is public; add the value "
                         "seen on the form to [ledger.categories]");
    j["form"] = {{"医療機関コード", c.code},
                 {"医療機関(薬局)名称", c.name},
                 {"端末名称等", plan.terminal_name}};
    j["ledger"] = terminal_ledger_json(c.ledger);
    j["apply"] = c.apply;
    certs.push_back(std::move(j));
  }
  json problems = json::array();
  for (const auto& p : plan.problems) {
    problems.push_back(
        {{"severity", p.severity == ledger::PlanProblem::Severity::error ? "error" : "warning"},
         {"institution", p.institution.empty() ? json(nullptr) : json(p.institution)},
         {"message", p.message}});
  }
  return {{"terminal_name", plan.terminal_name},
          {"ledger", config.ledger_directory().string()},
          {"certificates", std::move(certs)},
          {"certificates_needed", plan.certificates_needed},
          {"applications_needed", plan.applications_needed},
          {"fee_yen", plan.fee_yen},
          {"problems", std::move(problems)}};
}

int cert_plan(const LedgerCommandOptions& o) {
  auto loaded = load(o);
  if (!loaded) return report(loaded.error(), o.json);
  const auto& config = loaded->config;
  auto listing = open_ledger(config).list();
  if (!listing) return report(listing.error(), o.json);
  ledger::PlanInput in;
  in.terminal_name = config.terminal_name;
  in.self = loaded->at.by;
  for (const auto& i : config.institutions) in.institutions.push_back({i.code, i.name});
  in.categories = config.ledger.categories;
  in.ledger = listing->records;
  in.now = loaded->at.now;
  const tls::CertificateStore store(config.certificate_store());
  for (const auto& i : config.institutions) {
    if (auto current = store.current(i.code)) {
      in.installed.emplace_back(i.code, certificate_facts(current->leaf));
    }
  }
  const ledger::Plan plan = ledger::make_plan(in);
  bool errors = false;
  for (const auto& p : plan.problems) {
    errors = errors || p.severity == ledger::PlanProblem::Severity::error;
  }
  const int code = errors ? kExitFailure : kExitOk;
  if (o.json) {
    json j = plan_json(plan, config);
    json unreadable = json::array();
    for (const auto& p : listing->problems) unreadable.push_back(error_json(p));
    j["unreadable"] = std::move(unreadable);
    std::puts(dump(j).c_str());
    return code;
  }
  fmt::print("Certificates for the terminal \"{}\" (one per 医療機関コード on this terminal)\n",
             printable(plan.terminal_name));
  for (const auto& c : plan.certificates) {
    fmt::print("\n{} {}\n", c.code, printable(c.name));
    fmt::print("  検証番号:     {}\n", c.code_problem ? "WRONG: " + *c.code_problem : "ok");
    fmt::print("  都道府県コード: {}\n", c.prefecture
                                             ? fmt::format("{}:{},{}", c.prefecture->code,
                                                           c.prefecture->name, c.prefecture->romaji)
                                             : std::string("(not a prefecture code)"));
    fmt::print("  点数表:       {}{}\n", c.score_table,
               c.score_table_name ? fmt::format(" ({})", *c.score_table_name) : " (unknown)");
    fmt::print("  分類:         {}\n",
               c.category ? *c.category
                          : std::string("check on the form (only 2:保険医療機関（歯科） is "
                                        "public; add yours to [ledger.categories])"));
    fmt::print("  ledger:       {}{}\n", ledger::stage_name(c.ledger.stage),
               c.apply ? " — apply for a certificate" : "");
    fmt::print("  next:         {}\n", printable(c.ledger.next_action));
  }
  fmt::print(
      "\nCertificates needed on this terminal: {}; to apply for now: {}; fee {} yen "
      "({} yen each, charged when issued)\n",
      plan.certificates_needed, plan.applications_needed, yen(plan.fee_yen), yen(ledger::kFeeYen));
  for (const auto& p : plan.problems) {
    fmt::print("{}: {}\n",
               p.severity == ledger::PlanProblem::Severity::error ? "PROBLEM" : "warning",
               printable(p.message));
  }
  print_problems(listing->problems);
  return code;
}

int cert_applied(const LedgerCommandOptions& o, const LedgerStepArgs& args) {
  auto loaded = load(o);
  if (!loaded) return report(loaded.error(), o.json);
  const auto& config = loaded->config;
  auto code = institution_argument(config, o.institution);
  if (!code) return report(code.error(), o.json);
  auto day = date_argument(o.date, "--date", japan_day(loaded->at.now));
  if (!day) return report(day.error(), o.json);
  if (!o.request_id) {
    return report(Error(Errc::invalid_argument,
                        "give the request ID (リクエストID) the portal's status page shows"),
                  o.json);
  }
  ledger::Application application;
  application.request_id = *o.request_id;
  application.institution = *code;
  application.terminal_name = config.terminal_name;
  application.contact.department_person = args.contact.department_person.value_or("");
  application.contact.phone = args.contact.phone.value_or("");
  application.contact.email = args.contact.email.value_or("");
  application.applied_on = *day;
  auto record = ledger::new_application(application, loaded->at);
  if (!record) return report(record.error(), o.json);
  auto dir = open_ledger(config);
  auto created = dir.create(std::move(*record));
  if (!created) return report(created.error(), o.json);
  const auto a = ledger::assess(*created, loaded->at.now);
  if (o.json) {
    std::puts(
        dump(json{{"recorded", "applied"}, {"record", record_json(*created, a, loaded->at.by)}})
            .c_str());
    return kExitOk;
  }
  fmt::print("Recorded: application {} for {} {} on {}, terminal \"{}\" in {}\n", created->id,
             *code, printable(institution_name(config, *code)), format_iso_date(*day),
             printable(config.terminal_name), dir.directory().string());
  fmt::print("  notice expected: {} to {} (registered mail)\n", or_dash(a.notice_earliest),
             or_dash(a.notice_latest));
  fmt::print("  next:  {}\n", printable(a.next_action));
  return kExitOk;
}

int cert_issued(const LedgerCommandOptions& o, const LedgerStepArgs& args) {
  return step_command(o, "issued", [&](ledger::Record& r, const Loaded& l) -> Result<void> {
    ONSHI_TRY_ASSIGN(const sys_days day, date_argument(o.date, "--date", std::nullopt));
    std::optional<sys_days> expires;
    if (args.expires) {
      ONSHI_TRY_ASSIGN(expires, date_argument(args.expires, "--expires", std::nullopt));
    }
    return ledger::record_issued(r, day, expires, l.at);
  });
}

int cert_revoked(const LedgerCommandOptions& o) {
  return step_command(o, "revoked", [&](ledger::Record& r, const Loaded& l) -> Result<void> {
    ONSHI_TRY_ASSIGN(const sys_days day, date_argument(o.date, "--date", japan_day(l.at.now)));
    return ledger::record_revoked(r, day, l.at);
  });
}

int cert_cancelled(const LedgerCommandOptions& o) {
  return step_command(o, "cancelled", [&](ledger::Record& r, const Loaded& l) -> Result<void> {
    ONSHI_TRY_ASSIGN(const sys_days day, date_argument(o.date, "--date", japan_day(l.at.now)));
    return ledger::record_cancelled(r, day, l.at);
  });
}

int cert_edit(const LedgerCommandOptions& o, const LedgerStepArgs& args) {
  return step_command(o, "edited", [&](ledger::Record& r, const Loaded& l) -> Result<void> {
    return ledger::record_contact_edit(r, args.contact, l.at);
  });
}

int cert_imported(const LedgerCommandOptions& o) {
  auto loaded = load(o);
  if (!loaded) return report(loaded.error(), o.json);
  const auto& config = loaded->config;
  auto code = institution_argument(config, o.institution);
  if (!code) return report(code.error(), o.json);
  const tls::CertificateStore store(config.certificate_store());
  auto current = store.current(*code);
  if (!current) return report(current.error(), o.json);
  const json out =
      record_store_certificate(config, *code, current->leaf, loaded->at.now, o.request_id);
  if (o.json) {
    std::puts(dump(out).c_str());
  } else if (out.contains("error")) {
    fmt::print(stderr, "onshictl: {}: {}\n", out["error"]["code"].get<std::string>(),
               printable(out["error"]["message"].get<std::string>()));
  } else {
    fmt::print("Ledger: {} {} ({}){}\n", out["record"].get<std::string>(),
               out["step"].get<std::string>(), *code,
               out["replaced"].empty() ? "" : fmt::format("; replaced {}", out["replaced"].dump()));
  }
  return out.contains("error") ? kExitFailure : kExitOk;
}

int cert_ledger(const LedgerCommandOptions& o) {
  auto loaded = load(o);
  if (!loaded) return report(loaded.error(), o.json);
  const auto& config = loaded->config;
  auto dir = open_ledger(config);
  auto listing = dir.list();
  if (!listing) return report(listing.error(), o.json);
  const auto now = loaded->at.now;
  const int code = listing->problems.empty() ? kExitOk : kExitFailure;
  if (o.json) {
    json records = json::array();
    for (const auto& r : listing->records) {
      if (o.institution && r.institution != *o.institution) continue;
      records.push_back(record_json(r, ledger::assess(r, now), loaded->at.by));
    }
    json unreadable = json::array();
    for (const auto& p : listing->problems) unreadable.push_back(error_json(p));
    std::puts(
        dump(json{{"directory", dir.directory().string()},
                  {"today", format_iso_date(japan_day(now))},
                  {"terminal", {{"name", config.terminal_name}, {"host", loaded->at.by.host}}},
                  {"records", std::move(records)},
                  {"unreadable", std::move(unreadable)}})
            .c_str());
    return code;
  }
  fmt::print("Certificate ledger {} — today {} (Japan)\n", dir.directory().string(),
             format_iso_date(japan_day(now)));
  std::size_t shown = 0;
  for (const auto& r : listing->records) {
    if (o.institution && r.institution != *o.institution) continue;
    ++shown;
    const auto a = ledger::assess(r, now);
    const json j = record_json(r, a, loaded->at.by);
    fmt::print("\n{}  {} {}  端末名称等 \"{}\"{}\n", r.id, r.institution,
               printable(institution_name(config, r.institution)), printable(r.terminal_name),
               r.terminal_name == config.terminal_name ? " (this terminal's name)" : "");
    fmt::print("  ステータス        {}{}  stage {}\n", ledger::state_name(r.state),
               j["portal_status"].is_string() ? " (発行済み)" : "", ledger::stage_name(a.stage));
    fmt::print("  申請日            {}   担当部署/担当者名 {}\n", or_dash(r.applied_on),
               r.contact.department_person.empty() ? "-" : printable(r.contact.department_person));
    fmt::print("  リクエストID      {}\n",
               r.request_id.empty() ? "- (adopted at import)" : r.request_id);
    fmt::print(
        "  発行日            {}   証明書有効期限 {}   ダウンロード有効期限 {}\n",
        or_dash(r.issued_on), or_dash(a.expires_on),
        r.issued_on ? format_iso_date(ledger::download_deadline(*r.issued_on)) : std::string("-"));
    fmt::print("  days left         {}   warning {} ({})\n",
               a.days_left ? std::to_string(*a.days_left) : std::string("-"),
               a.warning.empty() ? "none" : a.warning, ledger::urgency_name(a.urgency));
    if (r.imported_by) {
      fmt::print("  imported on       {}{}\n", printable(r.imported_by->host),
                 r.imported_by->machine_id == loaded->at.by.machine_id ? " (this terminal)" : "");
    }
    fmt::print("  next action       {}\n", printable(a.next_action));
  }
  if (shown == 0) {
    fmt::print(
        "\nNo certificates on record. `onshictl cert plan` says what to apply for; "
        "`onshictl cert applied REQUEST_ID` records an application.\n");
  }
  print_problems(listing->problems);
  return code;
}

}  // namespace onshi::ctl
