#include "onshi/ledger/record_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "onshi/check_digit.hpp"
#include "onshi/japan_calendar.hpp"
#include "onshi/japan_time.hpp"
#include "onshi/ledger/steps.hpp"

namespace onshi::ledger {
namespace {

using json = nlohmann::ordered_json;
using std::chrono::sys_days;
using std::chrono::sys_seconds;

// The first problem found, with the key path it is at.
struct Invalid {
  std::string message;
};

[[noreturn]] void invalid(std::string_view path, std::string_view why) {
  throw Invalid{fmt::format("{}: {}", path, why)};
}

std::string join(std::string_view parent, std::string_view key) {
  return parent.empty() ? std::string(key) : fmt::format("{}.{}", parent, key);
}

const json* member(const json& object, std::string_view key) {
  const auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::string text(const json& object, std::string_view parent, std::string_view key, bool required,
                 bool may_be_empty = true) {
  const json* v = member(object, key);
  const std::string path = join(parent, key);
  if (v == nullptr) {
    if (required) invalid(path, "missing");
    return {};
  }
  if (!v->is_string()) invalid(path, "not a string");
  const auto& s = v->get_ref<const std::string&>();
  if (auto p = text_problem(s, may_be_empty)) invalid(path, *p);
  return s;
}

// A string member that `parse` turns into a T; `form` says what was expected.
template <typename T, typename Parse>
std::optional<T> parsed(const json& object, std::string_view parent, std::string_view key,
                        bool required, Parse parse, std::string_view form) {
  const json* v = member(object, key);
  const std::string path = join(parent, key);
  if (v == nullptr) {
    if (required) invalid(path, "missing");
    return std::nullopt;
  }
  if (!v->is_string()) invalid(path, "not a string");
  std::optional<T> value = parse(v->get_ref<const std::string&>());
  if (!value) invalid(path, form);
  return value;
}

std::optional<sys_days> date(const json& object, std::string_view parent, std::string_view key,
                             bool required = false) {
  return parsed<sys_days>(object, parent, key, required, parse_iso_date, "not a date (YYYY-MM-DD)");
}

// "2026-12-02T10:15:00+09:00" (format_japan_time) or any other "±HH:MM" offset or "Z".
std::optional<sys_seconds> parse_time(std::string_view s) {
  if (s.size() != 20 && s.size() != 25) return std::nullopt;
  auto d = parse_iso_date(s.substr(0, 10));
  if (!d || s[10] != 'T' || s[13] != ':' || s[16] != ':') return std::nullopt;
  auto two = [&](std::size_t at) -> int {
    const char a = s[at], b = s[at + 1];
    if (a < '0' || a > '9' || b < '0' || b > '9') return -1;
    return (a - '0') * 10 + (b - '0');
  };
  const int h = two(11), m = two(14), sec = two(17);
  if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59) return std::nullopt;
  int offset = 0;
  if (s.size() == 20) {
    if (s[19] != 'Z') return std::nullopt;
  } else {
    const int oh = two(20), om = two(23);
    if ((s[19] != '+' && s[19] != '-') || s[22] != ':' || oh < 0 || oh > 14 || om < 0 || om > 59) {
      return std::nullopt;
    }
    offset = (oh * 60 + om) * 60 * (s[19] == '-' ? -1 : 1);
  }
  return sys_seconds(*d) + std::chrono::seconds(h * 3600 + m * 60 + sec - offset);
}

std::optional<sys_seconds> time(const json& object, std::string_view parent, std::string_view key,
                                bool required = false) {
  // Its Japanese day must be one a file can hold again (format_japan_time writes it so).
  auto in_range = [](std::string_view s) -> std::optional<sys_seconds> {
    auto t = parse_time(s);
    if (!t) return std::nullopt;
    const std::chrono::year_month_day ymd{japan_day(*t)};
    if (ymd.year() < std::chrono::year{1900} || ymd.year() > std::chrono::year{9999}) {
      return std::nullopt;
    }
    return t;
  };
  return parsed<sys_seconds>(object, parent, key, required, in_range,
                             "not a time (YYYY-MM-DDTHH:MM:SS+09:00, years 1900-9999 in Japan)");
}

const json* object_at(const json& parent, std::string_view parent_path, std::string_view key,
                      bool required) {
  const json* v = member(parent, key);
  if (v == nullptr) {
    if (required) invalid(join(parent_path, key), "missing");
    return nullptr;
  }
  if (!v->is_object()) invalid(join(parent_path, key), "not an object");
  return v;
}

TerminalId terminal(const json& object, std::string_view path) {
  TerminalId t;
  t.machine_id = text(object, path, "machine_id", true, false);
  t.host = text(object, path, "host", false);
  return t;
}

CertificateFacts certificate(const json& object, std::string_view path) {
  CertificateFacts c;
  c.sha256 = text(object, path, "sha256", true, false);
  if (c.sha256.size() != 64 ||
      c.sha256.find_first_not_of("0123456789abcdef") != std::string::npos) {
    invalid(join(path, "sha256"), "not 64 lowercase hex digits");
  }
  c.subject = text(object, path, "subject", false);
  c.serial = text(object, path, "serial", false);
  c.not_before = *time(object, path, "not_before", true);
  c.not_after = *time(object, path, "not_after", true);
  if (c.not_after <= c.not_before) invalid(join(path, "not_after"), "not after not_before");
  return c;
}

// The fields each state needs, so that a hand-edited or half-written file is refused rather than
// shown wrong.
void check_consistency(const Record& r) {
  auto need = [&](bool present, std::string_view key) {
    if (!present)
      invalid(key, fmt::format("missing for a record in state {}", state_name(r.state)));
  };
  switch (r.state) {
    case State::applied:
      need(r.applied_on.has_value(), "applied_on");
      break;
    case State::issued:
      need(r.issued_on.has_value(), "issued_on");
      break;
    case State::imported:
      need(r.certificate.has_value(), "certificate");
      need(r.imported_by.has_value(), "imported");
      break;
    case State::revoked:
      need(r.revoked_on.has_value(), "revoked_on");
      break;
    case State::cancelled:
      need(r.cancelled_on.has_value(), "cancelled_on");
      break;
    case State::replaced:
      need(r.replaced_by.has_value(), "replaced_by");
      need(r.certificate.has_value(), "certificate");
      break;
  }
  if (r.request_id.empty() && !r.certificate) {
    invalid("request_id", "missing, and there is no certificate either");
  }
  if (r.applied_on && r.issued_on && *r.issued_on < *r.applied_on) {
    invalid("issued_on", "before applied_on");
  }
  if (r.history.empty()) invalid("history", "empty: every record starts with a step");
}

Record read(const json& doc) {
  if (!doc.is_object()) invalid("(file)", "not a JSON object");
  const json* format = member(doc, "onshi_ledger");
  if (format == nullptr) invalid("onshi_ledger", "missing: not an onshi ledger record");
  if (!format->is_number_integer()) invalid("onshi_ledger", "not an integer");
  const auto version = format->get<std::int64_t>();
  if (version > kRecordFormat) {
    invalid("onshi_ledger", fmt::format("format {} is newer than this onshi's ({}); update onshi "
                                        "on this terminal",
                                        version, kRecordFormat));
  }
  if (version < 1) invalid("onshi_ledger", "not a format version");
  Record r;
  const json* generation = member(doc, "generation");
  if (generation == nullptr) invalid("generation", "missing");
  // At most 2^53: every write adds one, and JSON readers elsewhere hold numbers as doubles.
  if (!generation->is_number_unsigned() || generation->get<std::uint64_t>() == 0 ||
      generation->get<std::uint64_t>() > (std::uint64_t{1} << 53)) {
    invalid("generation", "not a positive integer up to 2^53");
  }
  r.generation = generation->get<std::uint64_t>();
  r.id = text(doc, "", "id", true, false);
  if (auto p = record_id_problem(r.id)) invalid("id", *p);
  r.request_id = text(doc, "", "request_id", false);
  if (!r.request_id.empty()) {
    if (auto p = record_id_problem(r.request_id)) invalid("request_id", *p);
  }
  r.institution = text(doc, "", "institution", true, false);
  if (auto p = institution_code_problem(r.institution)) invalid("institution", *p);
  r.terminal_name = text(doc, "", "terminal_name", true, false);
  if (const json* contact = object_at(doc, "", "contact", false)) {
    r.contact.department_person = text(*contact, "contact", "department_person", false);
    r.contact.phone = text(*contact, "contact", "phone", false);
    r.contact.email = text(*contact, "contact", "email", false);
  }
  const std::string state = text(doc, "", "state", true, false);
  const auto parsed_state = parse_state(state);
  if (!parsed_state) invalid("state", fmt::format("unknown state \"{}\"", state));
  r.state = *parsed_state;
  r.applied_on = date(doc, "", "applied_on");
  if (const json* notice = object_at(doc, "", "notice_expected", false)) {
    r.notice_earliest = date(*notice, "notice_expected", "earliest", true);
    r.notice_latest = date(*notice, "notice_expected", "latest", true);
    if (*r.notice_latest < *r.notice_earliest) {
      invalid("notice_expected.latest", "before notice_expected.earliest");
    }
    if (r.applied_on && *r.notice_earliest <= *r.applied_on) {
      invalid("notice_expected.earliest", "not after applied_on");
    }
  }
  r.issued_on = date(doc, "", "issued_on");
  r.expires_on = date(doc, "", "expires_on");
  r.revoked_on = date(doc, "", "revoked_on");
  r.cancelled_on = date(doc, "", "cancelled_on");
  if (const json* c = object_at(doc, "", "certificate", false)) {
    r.certificate = certificate(*c, "certificate");
  }
  if (const json* imported = object_at(doc, "", "imported", false)) {
    r.imported_by = terminal(*imported, "imported");
    r.imported_at = time(*imported, "imported", "at", true);
  }
  if (const json* by = member(doc, "replaced_by")) {
    if (!by->is_string()) invalid("replaced_by", "not a string");
    if (auto p = record_id_problem(by->get_ref<const std::string&>())) invalid("replaced_by", *p);
    r.replaced_by = by->get<std::string>();
  }
  const json* history = member(doc, "history");
  if (history == nullptr) invalid("history", "missing");
  if (!history->is_array()) invalid("history", "not an array");
  if (history->size() > kMaxHistory) {
    invalid("history", fmt::format("{} steps; at most {}", history->size(), kMaxHistory));
  }
  for (std::size_t i = 0; i < history->size(); ++i) {
    const std::string path = fmt::format("history[{}]", i);
    const json& item = (*history)[i];
    if (!item.is_object()) invalid(path, "not an object");
    Step step;
    const std::string kind = text(item, path, "step", true, false);
    const auto parsed = parse_step(kind);
    if (!parsed) invalid(join(path, "step"), fmt::format("unknown step \"{}\"", kind));
    step.kind = *parsed;
    step.date = *date(item, path, "date", true);
    step.recorded_at = *time(item, path, "recorded_at", true);
    step.recorded_by = terminal(item, path);
    step.detail = text(item, path, "detail", false);
    r.history.push_back(std::move(step));
  }
  check_consistency(r);
  return r;
}

json terminal_json(const TerminalId& t) { return {{"machine_id", t.machine_id}, {"host", t.host}}; }

void put_date(json& j, std::string_view key, const std::optional<sys_days>& d) {
  if (d) j[std::string(key)] = format_iso_date(*d);
}

// Where a text that is not JSON goes wrong, for the message: the key path open at the error
// ("history[1].detail") and its line and column, so that a person with a text editor finds it
// (a raw byte that is not UTF-8 stops the JSON parser before any key is looked at).
class WhereItFails : public nlohmann::json_sax<json> {
 public:
  explicit WhereItFails(std::string_view text) : text_(text) {}

  bool null() override { return scalar(); }
  bool boolean(bool) override { return scalar(); }
  bool number_integer(number_integer_t) override { return scalar(); }
  bool number_unsigned(number_unsigned_t) override { return scalar(); }
  bool number_float(number_float_t, const string_t&) override { return scalar(); }
  bool string(string_t&) override { return scalar(); }
  bool binary(binary_t&) override { return scalar(); }
  bool start_object(std::size_t) override {
    value();
    frames_.push_back({false, 0, 0, {}});
    return true;
  }
  bool key(string_t& k) override {
    if (!frames_.empty()) frames_.back().key = k;
    return true;
  }
  bool end_object() override { return pop(); }
  bool start_array(std::size_t) override {
    value();
    frames_.push_back({true, 0, 0, {}});
    return true;
  }
  bool end_array() override { return pop(); }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& e) override {
    // The innermost levels only: a file of nested brackets must not make a message larger than
    // the file.
    constexpr std::size_t kLevels = 8;
    const std::size_t first = frames_.size() > kLevels ? frames_.size() - kLevels : 0;
    std::string path = first > 0 ? "…" : "";
    for (std::size_t i = first; i < frames_.size(); ++i) {
      const Frame& f = frames_[i];
      if (f.array) {
        if (f.count > 0) path += fmt::format("[{}]", f.index);
      } else if (!f.key.empty()) {
        path = path.empty() || path == "…" ? path + f.key : join(path, f.key);
      }
    }
    // "[json.exception.parse_error.101] parse error at line 7, column 24: syntax error while
    // parsing value - invalid string: ill-formed UTF-8 byte; last read: '…'": the reason only,
    // without the bytes read (they may be the very bytes that are not text).
    std::string_view what = e.what();
    if (const auto dash = what.find(" - "); dash != std::string_view::npos) {
      what.remove_prefix(dash + 3);
    } else if (const auto colon = what.find(": "); colon != std::string_view::npos) {
      what.remove_prefix(colon + 2);
    }
    what = what.substr(0, what.find("; last read"));
    std::string reason;
    for (const char c : what) {
      if (c >= 0x20 && c < 0x7F) reason += c;
    }
    const std::size_t at = std::min(position, text_.size());
    const std::string_view before = text_.substr(0, at);
    const std::size_t line =
        1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
    const std::size_t line_start = before.rfind('\n');
    const std::size_t column = line_start == std::string_view::npos ? at : at - line_start - 1;
    message_ = fmt::format("{}{}not JSON at line {}, column {} ({}){}", path,
                           path.empty() ? "" : ": ", line, std::max<std::size_t>(column, 1),
                           reason.empty() ? "syntax error" : reason,
                           path.empty() ? ": truncated, or not written by onshi" : "");
    return false;
  }

  const std::string& message() const { return message_; }

 private:
  struct Frame {
    bool array;
    std::size_t count;  // elements begun (arrays)
    std::size_t index;  // the element being read (arrays)
    std::string key;    // the member being read (objects)
  };

  // A value begins: in an array, it is the next element.
  bool value() {
    if (!frames_.empty() && frames_.back().array) frames_.back().index = frames_.back().count++;
    return true;
  }
  // A value is read whole: an error after it is no longer at its key.
  void done() {
    if (!frames_.empty() && !frames_.back().array) frames_.back().key.clear();
  }
  bool scalar() {
    value();
    done();
    return true;
  }
  bool pop() {
    if (!frames_.empty()) frames_.pop_back();
    done();
    return true;
  }

  std::string_view text_;
  std::vector<Frame> frames_;
  std::string message_;
};

std::string not_json(std::string_view text) {
  WhereItFails where(text);
  (void)json::sax_parse(text.begin(), text.end(), &where, nlohmann::detail::input_format_t::json,
                        true);
  return where.message().empty() ? std::string("not JSON (truncated, or not written by onshi)")
                                 : where.message();
}

}  // namespace

Result<Record> parse_record(std::string_view text_in) {
  if (text_in.size() > kMaxRecordFileBytes) {
    return fail(Errc::ledger_invalid, fmt::format("{} bytes; a ledger record is at most {}",
                                                  text_in.size(), kMaxRecordFileBytes));
  }
  json doc = json::parse(text_in.begin(), text_in.end(), nullptr, false);
  if (doc.is_discarded()) {
    return fail(Errc::ledger_invalid, not_json(text_in));
  }
  try {
    Record record = read(doc);
    // What is read must also be writable: the ledger writes a record back (indented) at its next
    // step, and a file written more tightly by another tool may grow past the limit then.
    if (const std::size_t written = serialize_record(record).size();
        written > kMaxRecordFileBytes) {
      invalid("history", fmt::format("{} steps, {} bytes once written back; a ledger record is at "
                                     "most {} bytes",
                                     record.history.size(), written, kMaxRecordFileBytes));
    }
    return record;
  } catch (const Invalid& e) {
    return fail(Errc::ledger_invalid, e.message);
  } catch (const json::exception& e) {
    return fail(Errc::ledger_invalid, fmt::format("unexpected value: {}", e.what()));
  }
}

std::string serialize_record(const Record& r) {
  json j;
  j["onshi_ledger"] = kRecordFormat;
  j["generation"] = r.generation;
  j["id"] = r.id;
  if (!r.request_id.empty()) j["request_id"] = r.request_id;
  j["institution"] = r.institution;
  j["terminal_name"] = r.terminal_name;
  j["contact"] = {{"department_person", r.contact.department_person},
                  {"phone", r.contact.phone},
                  {"email", r.contact.email}};
  j["state"] = state_name(r.state);
  put_date(j, "applied_on", r.applied_on);
  if (r.notice_earliest && r.notice_latest) {
    j["notice_expected"] = {{"earliest", format_iso_date(*r.notice_earliest)},
                            {"latest", format_iso_date(*r.notice_latest)}};
  }
  put_date(j, "issued_on", r.issued_on);
  put_date(j, "expires_on", r.expires_on);
  put_date(j, "revoked_on", r.revoked_on);
  put_date(j, "cancelled_on", r.cancelled_on);
  if (r.certificate) {
    const auto& c = *r.certificate;
    j["certificate"] = {{"sha256", c.sha256},
                        {"subject", c.subject},
                        {"serial", c.serial},
                        {"not_before", format_japan_time(c.not_before)},
                        {"not_after", format_japan_time(c.not_after)}};
  }
  if (r.imported_by) {
    json imported = terminal_json(*r.imported_by);
    if (r.imported_at) imported["at"] = format_japan_time(*r.imported_at);
    j["imported"] = std::move(imported);
  }
  if (r.replaced_by) j["replaced_by"] = *r.replaced_by;
  json history = json::array();
  for (const auto& step : r.history) {
    json s = {{"step", step_name(step.kind)},
              {"date", format_iso_date(step.date)},
              {"recorded_at", format_japan_time(step.recorded_at)}};
    s.update(terminal_json(step.recorded_by));
    if (!step.detail.empty()) s["detail"] = step.detail;
    history.push_back(std::move(s));
  }
  j["history"] = std::move(history);
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace onshi::ledger
