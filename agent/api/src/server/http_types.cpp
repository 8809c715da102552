#include "onshi/api/http_types.hpp"

#include <fmt/format.h>

namespace onshi::api {

std::string Peer::idempotency_scope() const {
  switch (transport) {
    case Transport::unix_socket:
      return fmt::format("uid:{}", uid.value_or(0));
    case Transport::tls_tcp:
      return "cert:" + certificate_sha256;
    case Transport::in_process:
      break;
  }
  return "in-process";
}

std::string Peer::describe() const {
  switch (transport) {
    case Transport::unix_socket:
      return fmt::format("uid {} gid {} pid {}", uid.value_or(0), gid.value_or(0), pid.value_or(0));
    case Transport::tls_tcp:
      return fmt::format("{} ({})", address, certificate_subject);
    case Transport::in_process:
      break;
  }
  return "in-process";
}

std::string_view HttpRequest::path() const {
  const std::string_view t = target;
  return t.substr(0, t.find('?'));
}

std::string_view HttpRequest::query() const {
  const std::string_view t = target;
  const std::size_t q = t.find('?');
  return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
}

std::optional<std::string> HttpRequest::query_value(std::string_view name) const {
  std::string_view rest = query();
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return std::string(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::optional<std::string_view> HttpRequest::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return std::string_view(value);
  }
  return std::nullopt;
}

}  // namespace onshi::api
