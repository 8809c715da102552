// The local API's route table: method + path pattern ("/v1/verifications/{id}") → handler. The
// table is also what the OpenAPI document is checked against (tests/server/openapi_test.cpp), so
// a route cannot exist without being documented, nor the other way round.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "onshi/api/http_types.hpp"

namespace onshi::api {

using PathParams = std::map<std::string, std::string, std::less<>>;
using Handler = std::function<HttpResponse(const HttpRequest&, const PathParams&)>;

struct RouteSpec {
  std::string method;
  std::string pattern;  // "/v1/verifications/{id}"
};

class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler);
  // 404 api_not_found for an unknown path, 405 api_method_not_allowed (with Allow) for a known
  // path and another method. A handler that throws answers 500 internal, never a crash.
  HttpResponse dispatch(const HttpRequest& request) const;
  std::vector<RouteSpec> routes() const;

 private:
  struct Route {
    RouteSpec spec;
    std::vector<std::string> segments;
    Handler handler;
  };
  static bool match(const Route& route, const std::vector<std::string_view>& segments,
                    PathParams& params);
  std::vector<Route> routes_;
};

// {"error":{"code":…,"message":…}} with the status of the code's table entry: the one place the
// server layer writes an error body (routes use onshi/api/api_error.hpp for theirs).
HttpResponse error_response(int status, std::string_view code, std::string_view message);
HttpResponse json_response(int status, std::string body);

}  // namespace onshi::api
