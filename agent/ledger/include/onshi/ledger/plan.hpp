// What this terminal needs from the portal, before anyone applies: per configured institution the
// application form's 都道府県コード, 点数表 and 分類, whether the code's check digit holds, what
// the ledger already has, how many certificates to apply for and the fee (eligibility-system.md §2,
// §3.1, §3.3: one certificate per terminal and per 医療機関コード, 1,500 yen each at issue).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "onshi/ledger/assessment.hpp"
#include "onshi/ledger/record.hpp"

namespace onshi::ledger {

struct Prefecture {
  std::string_view code;    // "30" (JIS X 0401)
  std::string_view name;    // "和歌山県"
  std::string_view romaji;  // "wakayama", as the form lists it ("30:和歌山県,wakayama")
};
// The prefecture of a JIS code "01".."47", or nullopt.
std::optional<Prefecture> prefecture(std::string_view code);

// 点数表 digit → "医科", "歯科", "調剤", "訪問看護"; nullopt for another digit.
std::optional<std::string_view> score_table_name(char digit);

struct PlanInstitution {
  std::string code;
  std::string name;
};

struct PlanInput {
  std::string terminal_name;
  TerminalId self;
  std::vector<PlanInstitution> institutions;
  std::vector<std::pair<char, std::string>> categories;  // 点数表 digit → 分類 (config)
  std::vector<Record> ledger;                            // every terminal's records
  // This terminal's certificate store: institution code → its current certificate. One the ledger
  // does not know counts as adopted (and is reported), so a terminal set up before the ledger is
  // not told to apply again.
  std::vector<std::pair<std::string, CertificateFacts>> installed;
  std::chrono::sys_seconds now{};
};

struct PlannedCertificate {
  std::string code;
  std::string name;
  std::optional<Prefecture> prefecture;
  char score_table = '?';
  std::optional<std::string_view> score_table_name;
  std::optional<std::string> category;  // nullopt: "check on the form"
  std::optional<std::string> code_problem;
  TerminalAssessment ledger;  // this terminal's certificate for the code
  bool apply = false;         // an application is needed now
};

struct PlanProblem {
  enum class Severity { warning, error } severity = Severity::warning;
  std::string institution;  // may be empty
  std::string message;
};

struct Plan {
  std::string terminal_name;
  std::vector<PlannedCertificate> certificates;  // one per configured institution
  int certificates_needed = 0;                   // on this terminal: one per code
  int applications_needed = 0;
  int fee_yen = 0;  // for the applications needed
  std::vector<PlanProblem> problems;
};

Plan make_plan(const PlanInput& input);

}  // namespace onshi::ledger
