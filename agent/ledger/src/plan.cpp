#include "onshi/ledger/plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "onshi/check_digit.hpp"
#include "onshi/ledger/steps.hpp"

namespace onshi::ledger {
namespace {

// JIS X 0401 都道府県コード, the first two digits of a 医療機関コード (eligibility-system.md §2);
// the romaji as the application form lists them ("30:和歌山県,wakayama", §3.3).
constexpr std::array<Prefecture, 47> kPrefectures{{
    {"01", "北海道", "hokkaido"},    {"02", "青森県", "aomori"},     {"03", "岩手県", "iwate"},
    {"04", "宮城県", "miyagi"},      {"05", "秋田県", "akita"},      {"06", "山形県", "yamagata"},
    {"07", "福島県", "fukushima"},   {"08", "茨城県", "ibaraki"},    {"09", "栃木県", "tochigi"},
    {"10", "群馬県", "gunma"},       {"11", "埼玉県", "saitama"},    {"12", "千葉県", "chiba"},
    {"13", "東京都", "tokyo"},       {"14", "神奈川県", "kanagawa"}, {"15", "新潟県", "niigata"},
    {"16", "富山県", "toyama"},      {"17", "石川県", "ishikawa"},   {"18", "福井県", "fukui"},
    {"19", "山梨県", "yamanashi"},   {"20", "長野県", "nagano"},     {"21", "岐阜県", "gifu"},
    {"22", "静岡県", "shizuoka"},    {"23", "愛知県", "aichi"},      {"24", "三重県", "mie"},
    {"25", "滋賀県", "shiga"},       {"26", "京都府", "kyoto"},      {"27", "大阪府", "osaka"},
    {"28", "兵庫県", "hyogo"},       {"29", "奈良県", "nara"},       {"30", "和歌山県", "wakayama"},
    {"31", "鳥取県", "tottori"},     {"32", "島根県", "shimane"},    {"33", "岡山県", "okayama"},
    {"34", "広島県", "hiroshima"},   {"35", "山口県", "yamaguchi"},  {"36", "徳島県", "tokushima"},
    {"37", "香川県", "kagawa"},      {"38", "愛媛県", "ehime"},      {"39", "高知県", "kochi"},
    {"40", "福岡県", "fukuoka"},     {"41", "佐賀県", "saga"},       {"42", "長崎県", "nagasaki"},
    {"43", "熊本県", "kumamoto"},    {"44", "大分県", "oita"},       {"45", "宮崎県", "miyazaki"},
    {"46", "鹿児島県", "kagoshima"}, {"47", "沖縄県", "okinawa"},
}};

// The FAQ's example of a name the portal refuses (eligibility-system.md §3.1: "Windows10" does not
// say which PC gets the certificate).
bool generic_terminal_name(std::string_view name) {
  std::string lower;
  for (const char c : name) {
    if (c != ' ' && c != '-' && c != '_') {
      lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
  }
  static const std::set<std::string, std::less<>> kGeneric{
      "windows", "windows10", "windows11", "win10", "win11", "pc", "localhost", "desktop"};
  return kGeneric.count(lower) != 0;
}

bool live(const Record& r, std::chrono::sys_seconds now) {
  return !is_closed(assess(r, now).stage);
}

}  // namespace

std::optional<Prefecture> prefecture(std::string_view code) {
  for (const auto& p : kPrefectures) {
    if (p.code == code) return p;
  }
  return std::nullopt;
}

std::optional<std::string_view> score_table_name(char digit) {
  switch (digit) {
    case '1':
      return "医科";
    case '3':
      return "歯科";
    case '4':
      return "調剤";
    case '6':
      return "訪問看護";
    default:
      return std::nullopt;
  }
}

Plan make_plan(const PlanInput& in) {
  Plan plan;
  plan.terminal_name = in.terminal_name;
  using Severity = PlanProblem::Severity;
  if (generic_terminal_name(in.terminal_name)) {
    plan.problems.push_back(
        {Severity::error, "",
         fmt::format("端末名称 \"{}\" does not say which PC gets the certificate; the portal asks "
                     "for a name like 「XX薬局1号機」: change terminal_name",
                     in.terminal_name)});
  }
  std::set<std::string> configured;
  for (const auto& inst : in.institutions) {
    configured.insert(inst.code);
    PlannedCertificate c;
    c.code = inst.code;
    c.name = inst.name;
    c.code_problem = institution_code_problem(inst.code);
    if (inst.code.size() >= 3) {
      c.prefecture = prefecture(std::string_view(inst.code).substr(0, 2));
      c.score_table = inst.code[2];
      c.score_table_name = score_table_name(c.score_table);
    }
    for (const auto& [digit, label] : in.categories) {
      if (digit == c.score_table) c.category = label;
    }
    if (c.code_problem) {
      plan.problems.push_back({Severity::error, inst.code,
                               fmt::format("{}: {}; the portal refuses a code that does not "
                                           "check",
                                           inst.code, *c.code_problem)});
    } else if (!c.score_table_name) {
      plan.problems.push_back(
          {Severity::warning, inst.code,
           fmt::format("{}: 点数表 {} is none of 1 医科, 3 歯科, 4 調剤: check the code and the "
                       "form",
                       inst.code, c.score_table)});
    }
    const CertificateFacts* installed = nullptr;
    for (const auto& [code, facts] : in.installed) {
      if (code == inst.code) installed = &facts;
    }
    // Certificates another machine holds under this name are left out (reported below): this
    // terminal still needs one of its own.
    c.ledger = assess_terminal(in.ledger, inst.code, in.terminal_name, in.now, &in.self, installed);
    if (c.ledger.unrecorded) {
      plan.problems.push_back(
          {Severity::warning, inst.code,
           fmt::format("{}: this terminal's certificate (SHA-256 {}…) is not in the ledger: record "
                       "it with `onshictl cert imported --institution {}`",
                       inst.code, installed->sha256.substr(0, 16), inst.code)});
    }
    c.apply = c.ledger.needs_application;
    if (c.apply) {
      ++plan.applications_needed;
      if (c.ledger.stage == Stage::missing) {
        plan.problems.push_back(
            {Severity::warning, inst.code,
             fmt::format("{}: no certificate for this terminal on record: apply for one",
                         inst.code)});
      }
    }
    plan.certificates.push_back(std::move(c));
  }
  plan.certificates_needed = static_cast<int>(in.institutions.size());
  plan.fee_yen = plan.applications_needed * kFeeYen;

  // Two terminals with one name: the portal tells certificates apart by 端末名称, so two PCs
  // holding certificates of the same code and name is a mix-up waiting to happen.
  std::map<std::pair<std::string, std::string>, std::map<std::string, std::string>> holders;
  for (const auto& r : in.ledger) {
    if (r.state != State::imported || !r.imported_by || !live(r, in.now)) continue;
    holders[{r.institution, r.terminal_name}][r.imported_by->machine_id] = r.imported_by->host;
  }
  for (const auto& [key, machines] : holders) {
    if (machines.size() < 2) continue;
    std::string hosts;
    for (const auto& [machine, host] : machines) {
      hosts += fmt::format("{}{}", hosts.empty() ? "" : ", ", host.empty() ? machine : host);
    }
    plan.problems.push_back(
        {Severity::error, key.first,
         fmt::format("{}: {} terminals use the 端末名称 \"{}\" ({}); each terminal needs its own "
                     "name and its own certificate",
                     key.first, machines.size(), key.second, hosts)});
  }
  // This terminal's name on a certificate that another machine holds.
  for (const auto& r : in.ledger) {
    if (r.terminal_name != in.terminal_name || r.state != State::imported || !r.imported_by ||
        !live(r, in.now) || r.imported_by->machine_id == in.self.machine_id) {
      continue;
    }
    if (holders[{r.institution, r.terminal_name}].size() >= 2) continue;  // reported above
    plan.problems.push_back(
        {Severity::error, r.institution,
         fmt::format(
             "{}: the certificate {} for 端末名称 \"{}\" is held by another terminal ({}); "
             "give this terminal its own terminal_name and certificate",
             r.institution, r.id, r.terminal_name,
             r.imported_by->host.empty() ? r.imported_by->machine_id : r.imported_by->host)});
  }
  // Records of this terminal for codes it is not configured with.
  std::set<std::string> reported;
  for (const auto& r : in.ledger) {
    if (r.terminal_name != in.terminal_name || configured.count(r.institution) != 0 ||
        !live(r, in.now) || !reported.insert(r.institution).second) {
      continue;
    }
    plan.problems.push_back(
        {Severity::warning, r.institution,
         fmt::format("{}: the ledger has a live certificate record ({}) for this terminal, but the "
                     "code is not in [[institutions]]: add it, or revoke the certificate",
                     r.institution, r.id)});
  }
  return plan;
}

}  // namespace onshi::ledger
