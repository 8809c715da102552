#include "faults.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace onshi::sim::eligsim {
namespace {

using nlohmann::json;

constexpr std::string_view kVariants[] = {"truncated",   "not_json",    "wrong_root",
                                          "number_leaf", "bad_segment", "no_body"};

std::optional<FaultKind> kind_of(std::string_view name) {
  for (auto k : {FaultKind::latency, FaultKind::status, FaultKind::reset, FaultKind::handshake,
                 FaultKind::slow_body, FaultKind::malformed}) {
    if (fault_kind_name(k) == name) return k;
  }
  return std::nullopt;
}

Error bad(std::size_t i, std::string_view field, std::string_view reason) {
  return Error(Errc::invalid_argument, fmt::format("faults[{}].{}: {}", i, field, reason));
}

}  // namespace

std::string_view fault_kind_name(FaultKind kind) {
  switch (kind) {
    case FaultKind::latency:
      return "latency";
    case FaultKind::status:
      return "status";
    case FaultKind::reset:
      return "reset";
    case FaultKind::handshake:
      return "handshake";
    case FaultKind::slow_body:
      return "slow_body";
    case FaultKind::malformed:
      return "malformed";
  }
  return "?";
}

Result<std::vector<Fault>> parse_faults(std::string_view text) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("faults") || !j["faults"].is_array()) {
    return fail(Errc::invalid_argument, "the body must be {\"faults\": [...]}");
  }
  std::vector<Fault> faults;
  for (std::size_t i = 0; i < j["faults"].size(); ++i) {
    const json& f = j["faults"][i];
    if (!f.is_object()) return fail(bad(i, "", "must be an object"));
    Fault fault;
    for (const auto& [key, value] : f.items()) {
      if (key == "kind") {
        const auto k = value.is_string() ? kind_of(value.get<std::string>()) : std::nullopt;
        if (!k) {
          return fail(bad(i, key, "latency, status, reset, handshake, slow_body or malformed"));
        }
        fault.kind = *k;
      } else if (key == "routes") {
        if (!value.is_array()) return fail(bad(i, key, "an array of route names"));
        for (const auto& r : value) {
          const bool known =
              r.is_string() && std::find(std::begin(kRouteNames), std::end(kRouteNames),
                                         r.get<std::string>()) != std::end(kRouteNames);
          if (!known) {
            return fail(bad(i, key, "auth, search, challenge, verify, bulk_submit, bulk_fetch"));
          }
          fault.routes.insert(r.get<std::string>());
        }
      } else if (key == "count") {
        if (!value.is_number_unsigned()) return fail(bad(i, key, "a count, 0 for until cleared"));
        fault.remaining = value.get<std::uint64_t>();
      } else if (key == "ms") {
        if (!value.is_number_unsigned() || value.get<std::uint64_t>() > 120000) {
          return fail(bad(i, key, "0 to 120000"));
        }
        fault.ms = std::chrono::milliseconds(value.get<std::uint64_t>());
      } else if (key == "status") {
        if (!value.is_number_unsigned() || value.get<std::uint64_t>() < 500 ||
            value.get<std::uint64_t>() > 599) {
          return fail(bad(i, key, "500 to 599"));
        }
        fault.status = static_cast<int>(value.get<std::uint64_t>());
      } else if (key == "bytes") {
        if (!value.is_number_unsigned() || value.get<std::uint64_t>() < 1 ||
            value.get<std::uint64_t>() > 65536) {
          return fail(bad(i, key, "1 to 65536"));
        }
        fault.bytes = value.get<std::size_t>();
      } else if (key == "variant") {
        const bool known =
            value.is_string() && std::find(std::begin(kVariants), std::end(kVariants),
                                           value.get<std::string>()) != std::end(kVariants);
        if (!known) {
          return fail(
              bad(i, key, "truncated, not_json, wrong_root, number_leaf, bad_segment or no_body"));
        }
        fault.variant = value.get<std::string>();
      } else {
        return fail(bad(i, key, "unknown field"));
      }
    }
    if (!f.contains("kind")) return fail(bad(i, "kind", "required"));
    if (fault.kind == FaultKind::handshake && !fault.routes.empty()) {
      return fail(bad(i, "routes", "a handshake fault applies to connections, not routes"));
    }
    faults.push_back(std::move(fault));
  }
  return faults;
}

std::optional<Fault> FaultSet::take(FaultKind kind, std::string_view route) {
  std::optional<Fault> taken;
  for (auto it = faults_.begin(); it != faults_.end();) {
    const bool applies =
        it->kind == kind && (it->routes.empty() || it->routes.find(route) != it->routes.end());
    if (!applies) {
      ++it;
      continue;
    }
    if (!taken) taken = *it;
    if (it->remaining == 1) {
      it = faults_.erase(it);
      continue;
    }
    if (it->remaining > 1) --it->remaining;
    ++it;
  }
  return taken;
}

std::string FaultSet::to_json() const {
  json list = json::array();
  for (const auto& f : faults_) {
    list.push_back(json{{"kind", fault_kind_name(f.kind)},
                        {"routes", std::vector<std::string>(f.routes.begin(), f.routes.end())},
                        {"remaining", f.remaining},
                        {"ms", f.ms.count()},
                        {"status", f.status},
                        {"bytes", f.bytes},
                        {"variant", f.variant}});
  }
  return json{{"faults", list}}.dump();
}

}  // namespace onshi::sim::eligsim
