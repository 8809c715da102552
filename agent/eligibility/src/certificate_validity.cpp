#include "certificate_validity.hpp"

#include <fmt/format.h>

#include "onshi/japan_time.hpp"

namespace onshi::eligibility::detail {

Status check_client_certificate(const std::optional<tls::Certificate>& leaf,
                                std::string_view institution, std::chrono::sys_seconds now) {
  if (!leaf) {
    return Error(Errc::cert_not_found,
                 fmt::format("institution {} has no client certificate: nothing was sent to the "
                             "eligibility system",
                             institution));
  }
  if (now < leaf->not_before()) {
    return Error(Errc::cert_not_yet_valid,
                 fmt::format("the client certificate of institution {} is valid only from {} "
                             "(notBefore): nothing was sent to the eligibility system",
                             institution, format_japan_time(leaf->not_before())));
  }
  if (now > leaf->not_after()) {
    return Error(Errc::cert_expired,
                 fmt::format("the client certificate of institution {} expired at {} (notAfter): "
                             "nothing was sent to the eligibility system",
                             institution, format_japan_time(leaf->not_after())));
  }
  return {};
}

}  // namespace onshi::eligibility::detail
