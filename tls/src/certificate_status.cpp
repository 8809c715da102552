#include "onshi/tls/certificate_status.hpp"

#include <fmt/format.h>

#include "onshi/japan_time.hpp"

namespace onshi::tls {

std::string_view expiry_stage_name(ExpiryStage stage) {
  switch (stage) {
    case ExpiryStage::ok:
      return "ok";
    case ExpiryStage::days_90:
      return "90_days";
    case ExpiryStage::days_60:
      return "60_days";
    case ExpiryStage::days_30:
      return "30_days";
    case ExpiryStage::days_15:
      return "15_days";
    case ExpiryStage::days_7:
      return "7_days";
    case ExpiryStage::daily:
      return "daily";
    case ExpiryStage::expired:
      return "expired";
    case ExpiryStage::not_yet_valid:
      return "not_yet_valid";
  }
  return "unknown";
}

ExpiryStatus expiry_status(std::chrono::sys_seconds not_before, std::chrono::sys_seconds not_after,
                           std::chrono::sys_seconds now) {
  ExpiryStatus out;
  out.days_left = static_cast<int>((japan_day(not_after) - japan_day(now)).count());
  const std::string expiry = format_japan_date(not_after);
  // The portal issues a new certificate about 5 business days after the application
  // (eligibility-system.md §3.3), then it must be downloaded and imported.
  constexpr std::string_view kApply =
      "apply for a new certificate on the portal (医療機関等向けポータルサイト); the download "
      "notice arrives by registered mail about 5 business days later; then import it with "
      "`onshictl cert import`";
  if (now < not_before) {
    out.stage = ExpiryStage::not_yet_valid;
    out.next_action = fmt::format(
        "The certificate is valid only from {}: check this terminal's clock; if the clock is "
        "right, keep the current certificate until then.",
        format_japan_time(not_before));
  } else if (now >= not_after) {
    out.stage = ExpiryStage::expired;
    out.next_action =
        fmt::format("Expired on {}: the terminal cannot connect to the eligibility system. Now {}.",
                    expiry, kApply);
  } else if (out.days_left > 90) {
    out.stage = ExpiryStage::ok;
    out.next_action =
        fmt::format("Nothing to do. Renewal starts {} (90 days before the expiry on {}).",
                    format_japan_date(not_after - std::chrono::days{90}), expiry);
  } else {
    if (out.days_left > 60) {
      out.stage = ExpiryStage::days_90;
    } else if (out.days_left > 30) {
      out.stage = ExpiryStage::days_60;
    } else if (out.days_left > 15) {
      out.stage = ExpiryStage::days_30;
    } else if (out.days_left > 7) {
      out.stage = ExpiryStage::days_15;
    } else if (out.days_left > 1) {
      out.stage = ExpiryStage::days_7;
    } else {
      out.stage = ExpiryStage::daily;
    }
    out.next_action =
        fmt::format("{}Expires on {} ({} day{} left): {}.", out.days_left <= 15 ? "URGENT: " : "",
                    expiry, out.days_left, out.days_left == 1 ? "" : "s", kApply);
  }
  return out;
}

}  // namespace onshi::tls
