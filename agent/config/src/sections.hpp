// Readers for the optional sections ([api], [upstream], ...), each filling its part of Config.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "onshi/config/config.hpp"
#include "table_reader.hpp"

namespace onshi::config::detail {

// Facts that checks in other sections depend on. Each is nullopt when the fact is itself in
// error, so one mistake is reported once, not again by every check built on it.
struct Facts {
  std::optional<bool> test_mode;
  std::optional<std::vector<std::string>> institution_codes;
};

// Reports each value equal to an earlier one, at the later one.
void report_duplicates(const std::vector<Located<std::string>>& items, Problems& problems);

// Each reads the section `root` has under its name, if any; defaults stay otherwise.
void read_api(TableReader& root, Api& api);
void read_certificates(TableReader& root, Certificates& certificates);
void read_upstream(TableReader& root, Upstream& upstream, const Facts& facts);
void read_readers(TableReader& root, Readers& readers, const Facts& facts);
// [face_reader] (one reader) or [[face_reader]] (one entry per reader), in document order.
void read_face_readers(TableReader& root, std::vector<FaceReader>& face_readers,
                       const Facts& facts);
void read_ledger(TableReader& root, Ledger& ledger);
void read_journal(TableReader& root, Journal& journal);
void read_log(TableReader& root, Logging& logging);

}  // namespace onshi::config::detail
