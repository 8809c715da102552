#include "request_conversion.hpp"

#include <fmt/format.h>

#include <cctype>

#include "onshi/api/router.hpp"

namespace onshi::api {

namespace http = boost::beast::http;

void configure_parser(http::request_parser<http::string_body>& parser, const ServerLimits& limits) {
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.body_limit(limits.max_body_bytes);
}

HttpResponse refusal_for(boost::system::error_code ec, const ServerLimits& limits) {
  if (ec == http::error::body_limit) {
    return error_response(413, "api_too_large",
                          fmt::format("the body is larger than {} bytes", limits.max_body_bytes));
  }
  if (ec == http::error::header_limit) {
    return error_response(
        431, "api_too_large",
        fmt::format("the header is larger than {} bytes", limits.max_header_bytes));
  }
  return error_response(400, "api_bad_request", "malformed HTTP request: " + ec.message());
}

HttpRequest to_http_request(BeastRequest message) {
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    request.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  request.body = std::move(message.body());
  return request;
}

}  // namespace onshi::api
