// How the server turns bytes into an HttpRequest and what it answers to bytes that are not one:
// shared by the connections (server.cpp) and the fuzz target (tests/fuzz/fuzz_api_http.cpp), so
// the fuzzer exercises exactly the server's limits and refusals.
#pragma once

#include <optional>
#include <string_view>

#include "onshi/api/http_types.hpp"
#include "onshi/api/server.hpp"

namespace onshi::api {

struct ParsedRequest {
  std::optional<HttpRequest> request;   // a whole request
  std::optional<HttpResponse> refusal;  // 400, 413 or 431 with a JSON error
  bool incomplete = false;              // the bytes end before the request does
};

ParsedRequest parse_request_bytes(std::string_view bytes, const ServerLimits& limits);

}  // namespace onshi::api
