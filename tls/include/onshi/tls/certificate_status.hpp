// Where a client certificate stands in its life, in a clinic's words: days left in Japan time,
// the warning stage of the certificate authority's own schedule (eligibility-system.md §3.1:
// warnings at 90/60/30/15/7 days, then daily), and the next thing to do.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "onshi/tls/certificate.hpp"

namespace onshi::tls {

enum class ExpiryStage {
  ok,       // more than 90 days left
  days_90,  // 90..61
  days_60,  // 60..31
  days_30,  // 30..16
  days_15,  // 15..8
  days_7,   // 7..2
  daily,    // the last day (1 or 0 days left, still valid)
  expired,
  not_yet_valid,
};

std::string_view expiry_stage_name(ExpiryStage stage);  // "ok", "90_days", …, "expired"

struct ExpiryStatus {
  ExpiryStage stage = ExpiryStage::ok;
  int days_left = 0;  // Japanese calendar days from today to the expiry date (negative: past)
  std::string next_action;
};

// The stage from the days left, with 90/60/30/15/7 as the boundaries of §3.1's schedule. Days are
// counted between the Japanese calendar dates of `now` and of notAfter.
ExpiryStatus expiry_status(std::chrono::sys_seconds not_before, std::chrono::sys_seconds not_after,
                           std::chrono::sys_seconds now);

}  // namespace onshi::tls
