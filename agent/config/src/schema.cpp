#include "schema.hpp"

#include <fmt/format.h>

#include "sections.hpp"

namespace onshi::config::detail {
namespace {

void read_top_level(TableReader& root, Config& config, Facts& facts) {
  if (auto name = root.string("terminal_name", terminal_name_problem, Need::required)) {
    config.terminal_name = std::move(name->value);
  }
  if (auto dir = root.string("state_dir", absolute_path_problem)) config.state_dir = dir->value;
  const auto test_mode = root.boolean("test_mode");
  if (test_mode) config.test_mode = test_mode->value;
  if (test_mode || !root.contains("test_mode")) facts.test_mode = config.test_mode;
}

Institution read_institution(TableReader& reader, std::optional<Located<std::string>>& code) {
  Institution institution;
  code = reader.string("code", institution_code_check, Need::required);
  if (code) institution.code = code->value;
  if (auto name = reader.string("name", text_problem, Need::required)) {
    institution.name = std::move(name->value);
  }
  reader.reject_unknown_keys();
  return institution;
}

void read_institutions(TableReader& root, Config& config, Facts& facts) {
  const toml::array* list = root.tables("institutions", Need::required);
  if (list == nullptr) return;
  const std::string path = root.path_of("institutions");
  if (list->empty()) {
    root.problems().add(path, position_of(*list), "at least one institution is required");
    return;
  }
  std::vector<Located<std::string>> codes;
  bool all_codes_valid = true;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const toml::table* table = (*list)[i].as_table();
    if (table == nullptr) {  // already reported by tables()
      all_codes_valid = false;
      continue;
    }
    TableReader reader(*table, index_path(path, i), position_of(*table), root.problems());
    std::optional<Located<std::string>> code;
    config.institutions.push_back(read_institution(reader, code));
    if (code) {
      codes.push_back(std::move(*code));
    } else {
      all_codes_valid = false;
    }
  }
  // Certificates and settings are per 医療機関コード (eligibility-system.md §3.1), so a code
  // listed twice is a copy-paste mistake, not a second institution.
  report_duplicates(codes, root.problems());
  if (all_codes_valid) {
    std::vector<std::string> values;
    for (const auto& code : codes) values.push_back(code.value);
    facts.institution_codes = std::move(values);
  }
}

}  // namespace

Config read_config(const toml::table& document, Problems& problems) {
  Config config;
  Facts facts;
  TableReader root(document, "", Position{}, problems);
  read_top_level(root, config, facts);
  read_institutions(root, config, facts);
  read_certificates(root, config.certificates);
  read_api(root, config.api);
  read_upstream(root, config.upstream, facts);
  read_readers(root, config.readers, facts);
  read_face_readers(root, config.face_readers, facts);
  read_ledger(root, config.ledger);
  read_journal(root, config.journal);
  read_log(root, config.log);
  root.reject_unknown_keys();
  return config;
}

}  // namespace onshi::config::detail
