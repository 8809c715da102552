#include "sections.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "onshi/tls/no_proxy.hpp"
#include "onshi/tls/subject_matcher.hpp"

#include <algorithm>
#include <unordered_map>

namespace onshi::config::detail {
namespace {

std::vector<std::string> values_of(const std::vector<Located<std::string>>& located) {
  std::vector<std::string> out;
  out.reserve(located.size());
  for (const auto& item : located) out.push_back(item.value);
  return out;
}

bool known_false(const std::optional<bool>& fact) { return fact.has_value() && !*fact; }

}  // namespace

void report_duplicates(const std::vector<Located<std::string>>& items, Problems& problems) {
  std::unordered_map<std::string_view, const Located<std::string>*> first;
  for (const auto& item : items) {
    const auto [earlier, inserted] = first.emplace(item.value, &item);
    if (!inserted) {
      problems.add(item.path, item.where, fmt::format("duplicate of {}", earlier->second->path));
    }
  }
}

void read_api(TableReader& root, Api& api) {
  const toml::table* table = root.table("api");
  if (table == nullptr) return;
  TableReader reader(*table, root.path_of("api"), position_of(*table), root.problems());
  if (auto socket = reader.string("socket", socket_path_problem)) api.socket = socket->value;
  if (auto group = reader.string("socket_group", account_name_problem)) {
    api.socket_group = group->value;
  }
  if (auto users = reader.strings("allowed_users", account_name_problem)) {
    api.allowed_users = values_of(*users);
  }
  if (auto groups = reader.strings("allowed_groups", account_name_problem)) {
    api.allowed_groups = values_of(*groups);
  }
  if (const toml::table* tcp_table = reader.table("tcp")) {
    TableReader tcp(*tcp_table, reader.path_of("tcp"), position_of(*tcp_table), root.problems());
    ApiTcp settings;
    // All four are required: without a client CA anyone on the network could query patients'
    // eligibility.
    const auto listen = tcp.string("listen", listen_address_problem, Need::required);
    const auto certificate = tcp.string("certificate", absolute_path_problem, Need::required);
    const auto key = tcp.string("key", absolute_path_problem, Need::required);
    const auto client_ca = tcp.string("client_ca", absolute_path_problem, Need::required);
    if (auto crl = tcp.string("client_crl", absolute_path_problem))
      settings.client_crl = crl->value;
    tcp.reject_unknown_keys();
    if (listen && certificate && key && client_ca) {
      settings.listen = listen->value;
      settings.certificate = certificate->value;
      settings.key = key->value;
      settings.client_ca = client_ca->value;
      api.tcp = std::move(settings);
    }
  }
  reader.reject_unknown_keys();
}

void read_journal(TableReader& root, Journal& journal) {
  const toml::table* table = root.table("journal");
  if (table == nullptr) return;
  TableReader reader(*table, root.path_of("journal"), position_of(*table), root.problems());
  if (auto days = reader.integer("retention_days", 1, 3650)) {
    journal.retention = std::chrono::seconds(days->value * 24 * 3600);
  }
  reader.reject_unknown_keys();
}

void read_certificates(TableReader& root, Certificates& certificates) {
  const toml::table* table = root.table("certificates");
  if (table == nullptr) return;
  TableReader reader(*table, root.path_of("certificates"), position_of(*table), root.problems());
  if (auto ca = reader.string("ca_file", absolute_path_problem)) certificates.ca_file = ca->value;
  if (auto crl = reader.string("crl_file", absolute_path_problem)) {
    certificates.crl_file = crl->value;
  }
  if (auto rules = reader.strings("subject_match", text_problem)) {
    if (auto matcher = tls::SubjectMatcher::parse(values_of(*rules)); !matcher) {
      reader.problems().add(reader.path_of("subject_match"), reader.where_is("subject_match"),
                            matcher.error().message);
    } else {
      certificates.subject_match = values_of(*rules);
    }
  }
  if (auto owner = reader.string("owner", account_name_problem)) {
    certificates.owner = owner->value;
  }
  reader.reject_unknown_keys();
}

void read_upstream(TableReader& root, Upstream& upstream, const Facts& facts) {
  upstream.no_proxy = tls::default_no_proxy();
  const toml::table* table = root.table("upstream");
  if (table == nullptr) return;
  TableReader reader(*table, root.path_of("upstream"), position_of(*table), root.problems());
  const auto url = reader.string("url", https_url_problem);
  if (url) upstream.url = url->value;
  const auto pins = reader.strings("pins", pin_problem);
  if (auto proxy = reader.string("proxy", proxy_url_problem)) upstream.proxy = proxy->value;
  if (auto hosts = reader.strings("no_proxy", no_proxy_pattern_problem)) {
    upstream.no_proxy = values_of(*hosts);
  }
  if (auto ca = reader.string("server_ca_file", absolute_path_problem)) {
    upstream.server_ca_file = ca->value;
  }
  if (auto ms = reader.integer("handshake_timeout_ms", 100, 120000)) {
    upstream.handshake_timeout = std::chrono::milliseconds(ms->value);
  }
  if (auto s = reader.integer("max_clock_skew_s", 5, 3600)) {
    upstream.max_clock_skew = std::chrono::seconds(s->value);
  }
  if (auto ms = reader.integer("connect_timeout_ms", 100, 120000)) {
    upstream.connect_timeout = std::chrono::milliseconds(ms->value);
  }
  if (auto ms = reader.integer("request_timeout_ms", 1000, 300000)) {
    upstream.request_timeout = std::chrono::milliseconds(ms->value);
  }
  reader.reject_unknown_keys();

  if (pins) {
    report_duplicates(*pins, reader.problems());
    for (const auto& pin : *pins) {
      if (auto digest = decode_pin(pin.value)) upstream.pins.push_back(Pin{pin.value, *digest});
    }
  }
  // A current pin plus at least one backup (anchors-and-conventions.md §3.4): with a single pin a
  // server key rotation cuts every clinic off until its config is edited ("HPKP suicide").
  const bool pins_readable = pins.has_value() || !reader.contains("pins");
  if (url && pins_readable && known_false(facts.test_mode)) {
    const std::size_t count = pins ? pins->size() : 0;
    if (count < 2) {
      reader.problems().add(
          reader.path_of("pins"), reader.where_is("pins"),
          fmt::format("at least 2 pins (the current key and a backup) are required when {} is "
                      "set, got {}",
                      reader.path_of("url"), count));
    }
  }
}

void read_readers(TableReader& root, Readers& readers, const Facts& facts) {
  const toml::table* table = root.table("readers");
  if (table == nullptr) return;
  TableReader reader(*table, root.path_of("readers"), position_of(*table), root.problems());
  // Pattern syntax belongs to the reader layer; here they only have to be sane text.
  if (auto include = reader.strings("include", text_problem)) readers.include = values_of(*include);
  if (auto exclude = reader.strings("exclude", text_problem)) readers.exclude = values_of(*exclude);
  if (auto allow = reader.boolean("allow_virtual")) {
    readers.allow_virtual = allow->value;
    // A virtual reader on a clinic machine would let anyone present a fake card.
    if (allow->value && known_false(facts.test_mode)) {
      reader.problems().add(allow->path, allow->where,
                            "virtual readers are only allowed with test_mode = true (a virtual "
                            "reader on a clinic machine accepts fake cards)");
    }
  }
  reader.reject_unknown_keys();
}

namespace {

// One face reader's table. Its serial, when readable, goes to `serial` for the checks across
// readers.
FaceReader read_face_reader(TableReader& reader, std::size_t reader_count, const Facts& facts,
                            std::optional<Located<std::string>>& serial) {
  FaceReader face_reader;
  serial = reader.string("serial", text_problem);
  if (serial) face_reader.serial = serial->value;
  // Several readers are told apart by their USB serial number only.
  if (reader_count > 1 && !reader.contains("serial")) {
    reader.problems().add(reader.path_of("serial"), reader.where(),
                          fmt::format("required when more than one face reader is configured "
                                      "(there are {}): it tells the readers apart",
                                      reader_count));
  }
  if (auto vid = reader.integer("vid", 0, 0xFFFF)) {
    face_reader.vid = static_cast<std::uint16_t>(vid->value);
  }
  if (auto pid = reader.integer("pid", 0, 0xFFFF)) {
    face_reader.pid = static_cast<std::uint16_t>(pid->value);
  }
  const bool has_vid = reader.contains("vid");
  const bool has_pid = reader.contains("pid");
  if (has_vid != has_pid) {
    const std::string_view present = has_vid ? "vid" : "pid";
    const std::string_view missing = has_vid ? "pid" : "vid";
    reader.problems().add(
        reader.path_of(present), reader.where_is(present),
        fmt::format("vid and pid must be given together ({} is missing)", reader.path_of(missing)));
  }
  const auto institution = reader.string("institution", institution_code_check);
  const auto& codes = facts.institution_codes;
  if (institution) {
    face_reader.institution = institution->value;
    if (codes && std::find(codes->begin(), codes->end(), institution->value) == codes->end()) {
      reader.problems().add(
          institution->path, institution->where,
          fmt::format("is not the code of a configured institution (configured: {})",
                      fmt::join(*codes, ", ")));
    }
  } else if (codes && !reader.contains("institution")) {
    // Each reader serves one institution; with one configured it can only be that one, with
    // several nothing tells which (a code listed twice is reported at the institutions).
    std::vector<std::string> distinct = *codes;
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    if (distinct.size() > 1) {
      reader.problems().add(
          reader.path_of("institution"), reader.where(),
          fmt::format("required when more than one institution is configured: which institution "
                      "does this reader serve? (configured: {})",
                      fmt::join(*codes, ", ")));
    }
  }
  reader.reject_unknown_keys();
  return face_reader;
}

// Reports each serial equal to an earlier one, at the later one, naming both.
void report_duplicate_serials(const std::vector<Located<std::string>>& serials,
                              Problems& problems) {
  std::unordered_map<std::string_view, const Located<std::string>*> first;
  for (const auto& serial : serials) {
    const auto [earlier, inserted] = first.emplace(serial.value, &serial);
    if (inserted) continue;
    const Located<std::string>& other = *earlier->second;
    problems.add(serial.path, serial.where,
                 fmt::format("{} is also {} (line {}); each face reader needs its own serial",
                             in_quotes(serial.value), other.path, other.where.line));
  }
}

}  // namespace

void read_face_readers(TableReader& root, std::vector<FaceReader>& face_readers,
                       const Facts& facts) {
  const auto tables = root.table_or_tables("face_reader");
  std::vector<Located<std::string>> serials;
  for (const auto& table : tables) {
    TableReader reader(*table.value, table.path, table.where, root.problems());
    std::optional<Located<std::string>> serial;
    face_readers.push_back(read_face_reader(reader, tables.size(), facts, serial));
    if (serial) serials.push_back(std::move(*serial));
  }
  report_duplicate_serials(serials, root.problems());
}

void read_ledger(TableReader& root, Ledger& ledger) {
  const toml::table* table = root.table("ledger");
  if (table == nullptr) return;
  TableReader reader(*table, root.path_of("ledger"), position_of(*table), root.problems());
  if (auto dir = reader.string("directory", absolute_path_problem)) ledger.directory = dir->value;
  if (auto s = reader.integer("lock_stale_after_s", 10, 3600)) {
    ledger.lock_stale_after = std::chrono::seconds(s->value);
  }
  if (auto s = reader.integer("lock_wait_s", 0, 300)) {
    ledger.lock_wait = std::chrono::seconds(s->value);
  }
  if (ledger.lock_wait >= ledger.lock_stale_after) {
    reader.problems().add(reader.path_of("lock_wait_s"), reader.where_is("lock_wait_s"),
                          "must be shorter than lock_stale_after_s: a writer would otherwise "
                          "wait for a lock it is allowed to break");
  }
  if (const toml::table* categories = reader.table("categories")) {
    TableReader entries(*categories, reader.path_of("categories"), position_of(*categories),
                        reader.problems());
    ledger.categories.clear();
    for (const auto& [key, value] : *categories) {
      const std::string_view digit = key.str();
      if (digit.size() != 1 || digit[0] < '0' || digit[0] > '9') {
        entries.problems().add(entries.path_of(digit), entries.where_is(digit),
                               "must be a 点数表 digit (\"1\" 医科, \"3\" 歯科, \"4\" 調剤)");
        entries.contains(digit);
        continue;
      }
      if (auto label = entries.string(digit, text_problem)) {
        ledger.categories.emplace_back(digit[0], label->value);
      }
    }
    entries.reject_unknown_keys();
  }
  reader.reject_unknown_keys();
}

void read_log(TableReader& root, Logging& logging) {
  const toml::table* table = root.table("log");
  if (table == nullptr) return;
  TableReader reader(*table, root.path_of("log"), position_of(*table), root.problems());
  if (auto level = reader.string("level", log_level_problem)) {
    if (level->value == "debug") logging.level = log::Level::debug;
    if (level->value == "info") logging.level = log::Level::info;
    if (level->value == "warning") logging.level = log::Level::warning;
    if (level->value == "error") logging.level = log::Level::error;
  }
  reader.reject_unknown_keys();
}

}  // namespace onshi::config::detail
