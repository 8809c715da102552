#include "routes.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <optional>
#include <string_view>

namespace onshi::sim::tlsserver {
namespace {

using nlohmann::json;

std::optional<unsigned> parse_unsigned(std::string_view digits) {
  unsigned value = 0;
  const auto* end = digits.data() + digits.size();
  const auto [ptr, ec] = std::from_chars(digits.data(), end, value);
  if (digits.empty() || ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

// The value of `name` in a query string "a=1&b=2".
std::optional<std::string_view> query_value(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

json nullable(const std::optional<std::string>& value) {
  return value ? json(*value) : json(nullptr);
}

Reply json_reply(const Request& request, http::status status, const json& body) {
  Reply reply;
  reply.response = Response(status, request.version());
  reply.response.set(http::field::content_type, "application/json");
  // Request bodies may be any bytes: invalid UTF-8 is replaced, never thrown on.
  reply.response.body() = body.dump(-1, ' ', false, json::error_handler_t::replace);
  const auto code = reply.response.result_int();
  if (code == 204 || code == 304) {
    reply.response.body().clear();  // these statuses carry no body (RFC 9110 §15.3.5, §15.4.5)
  } else {
    reply.response.prepare_payload();
  }
  return reply;
}

Reply error_reply(const Request& request, http::status status, std::string_view message) {
  return json_reply(request, status, json{{"error", message}});
}

Reply echo(const Request& request, const ConnectionInfo& connection) {
  const json body{
      {"method", std::string(request.method_string())},
      {"target", std::string(request.target())},
      {"body", request.body()},
      {"client_subject", nullable(connection.peer.subject)},
      {"client_fingerprint_sha256", nullable(connection.peer.fingerprint_sha256)},
      {"tls_version", connection.tls_version},
      {"resumed", connection.resumed},
      {"connection_id", connection.connection_id},
      {"request_on_connection", connection.request_on_connection},
  };
  return json_reply(request, http::status::ok, body);
}

Reply status(const Request& request, std::string_view digits) {
  const auto code = parse_unsigned(digits);
  if (digits.size() != 3 || !code || *code < 200 || *code > 599) {
    return error_reply(request, http::status::not_found, "use /status/200 to /status/599");
  }
  const auto result = static_cast<http::status>(*code);
  return json_reply(request, result, json{{"status", *code}});
}

Reply slow(const Request& request, std::string_view query) {
  const auto text = query_value(query, "ms");
  const auto ms = text ? parse_unsigned(*text) : std::nullopt;
  if (!ms || std::chrono::milliseconds(*ms) > kMaxSlow) {
    return error_reply(request, http::status::bad_request, "use /slow?ms=N, N up to 120000");
  }
  Reply reply = json_reply(request, http::status::ok, json{{"slept_ms", *ms}});
  reply.delay = std::chrono::milliseconds(*ms);
  return reply;
}

Reply stats_reply(const Request& request, const ServerStats& stats) {
  return json_reply(request, http::status::ok,
                    json{{"connections", stats.connections},
                         {"handshakes", stats.handshakes},
                         {"resumed_handshakes", stats.resumed_handshakes},
                         {"failed_handshakes", stats.failed_handshakes},
                         {"requests", stats.requests}});
}

}  // namespace

Reply route(const Request& request, const ConnectionInfo& connection, const ServerStats& stats) {
  const std::string_view target(request.target().data(), request.target().size());
  const auto question = target.find('?');
  const auto path = target.substr(0, question);
  const auto query =
      question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
  const auto method = request.method();
  const bool get = method == http::verb::get;

  if (path == "/echo" && (get || method == http::verb::post)) return echo(request, connection);
  if (get && path.starts_with("/status/")) return status(request, path.substr(8));
  if (get && path == "/slow") return slow(request, query);
  if (get && path == "/stats") return stats_reply(request, stats);
  return error_reply(request, http::status::not_found, "no such route");
}

}  // namespace onshi::sim::tlsserver
