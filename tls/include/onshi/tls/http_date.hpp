// HTTP dates (RFC 9110 §5.6.7): the server's Date header is onshi's clock-skew check, because a
// wrong terminal clock silently breaks every certificate check.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace onshi::tls {

// Accepts IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") and the two obsolete forms recipients
// must accept: RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37 1994").
std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view text);
std::string format_http_date(std::chrono::sys_seconds t);

}  // namespace onshi::tls
