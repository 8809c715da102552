#include "onshi/ledger/record.hpp"

#include <fmt/format.h>

#include <array>
#include <utility>

#include "onshi/japan_time.hpp"

namespace onshi::ledger {
namespace {

constexpr std::array<std::pair<State, std::string_view>, 6> kStates{{
    {State::applied, "applied"},
    {State::issued, "issued"},
    {State::imported, "imported"},
    {State::revoked, "revoked"},
    {State::cancelled, "cancelled"},
    {State::replaced, "replaced"},
}};

constexpr std::array<std::pair<StepKind, std::string_view>, 8> kSteps{{
    {StepKind::applied, "applied"},
    {StepKind::edited, "edited"},
    {StepKind::issued, "issued"},
    {StepKind::imported, "imported"},
    {StepKind::revoked, "revoked"},
    {StepKind::cancelled, "cancelled"},
    {StepKind::replaced, "replaced"},
    {StepKind::reinstated, "reinstated"},
}};

bool is_id_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

}  // namespace

std::string_view state_name(State state) {
  for (const auto& [s, name] : kStates) {
    if (s == state) return name;
  }
  return "unknown";
}

std::string_view step_name(StepKind kind) {
  for (const auto& [k, name] : kSteps) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::optional<State> parse_state(std::string_view name) {
  for (const auto& [s, n] : kStates) {
    if (n == name) return s;
  }
  return std::nullopt;
}

std::optional<StepKind> parse_step(std::string_view name) {
  for (const auto& [k, n] : kSteps) {
    if (n == name) return k;
  }
  return std::nullopt;
}

std::optional<std::string> record_id_problem(std::string_view id) {
  if (id.empty()) return "is empty";
  if (id.size() > 64) return fmt::format("is {} characters long; at most 64", id.size());
  const char first = id.front();
  if (first == '.' || first == '_' || first == '-') {
    return "must start with a letter or a digit";
  }
  for (const char c : id) {
    if (!is_id_char(c)) {
      return "may hold only letters A-Z a-z, digits and . _ - (it is also a file name on a share)";
    }
  }
  // Names Windows reserves for devices, with any extension: a share served by Windows cannot
  // hold CON.json.
  std::string stem(id.substr(0, id.find('.')));
  for (char& c : stem) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  const bool numbered = stem.size() == 4 && (stem.starts_with("COM") || stem.starts_with("LPT")) &&
                        stem[3] >= '1' && stem[3] <= '9';
  if (stem == "CON" || stem == "PRN" || stem == "AUX" || stem == "NUL" || numbered) {
    return "is a device name Windows reserves (a file of that name cannot exist on its shares)";
  }
  return std::nullopt;
}

std::optional<std::chrono::sys_days> expiry_day(const Record& record) {
  if (record.certificate) return japan_day(record.certificate->not_after);
  return record.expires_on;
}

}  // namespace onshi::ledger
