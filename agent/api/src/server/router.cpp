#include "onshi/api/router.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <exception>

namespace onshi::api {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    const std::size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}

}  // namespace

HttpResponse json_response(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse error_response(int status, std::string_view code, std::string_view message) {
  const nlohmann::json body{{"error", {{"code", code}, {"message", message}}}};
  return json_response(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void Router::add(std::string method, std::string pattern, Handler handler) {
  Route route{RouteSpec{std::move(method), std::move(pattern)}, {}, std::move(handler)};
  for (auto s : split_path(route.spec.pattern)) route.segments.emplace_back(s);
  routes_.push_back(std::move(route));
}

bool Router::match(const Route& route, const std::vector<std::string_view>& segments,
                   PathParams& params) {
  if (route.segments.size() != segments.size()) return false;
  PathParams found;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& want = route.segments[i];
    if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
      if (segments[i].empty()) return false;
      found.emplace(want.substr(1, want.size() - 2), std::string(segments[i]));
    } else if (want != segments[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

HttpResponse Router::dispatch(const HttpRequest& request) const {
  const auto segments = split_path(request.path());
  std::string allowed;
  for (const auto& route : routes_) {
    PathParams params;
    if (!match(route, segments, params)) continue;
    if (route.spec.method != request.method) {
      allowed += allowed.empty() ? route.spec.method : ", " + route.spec.method;
      continue;
    }
    try {
      return route.handler(request, params);
    } catch (const std::exception& e) {
      return error_response(500, "internal", fmt::format("the route failed: {}", e.what()));
    } catch (...) {
      return error_response(500, "internal", "the route failed");
    }
  }
  if (!allowed.empty()) {
    HttpResponse r = error_response(405, "api_method_not_allowed",
                                    fmt::format("{} does not accept {}; it accepts {}",
                                                request.path(), request.method, allowed));
    r.headers.emplace_back("Allow", allowed);
    return r;
  }
  return error_response(
      404, "api_not_found",
      fmt::format("no route {} (the API is versioned under /v1)",
                  nlohmann::json(std::string(request.path()))
                      .dump(-1, ' ', true, nlohmann::json::error_handler_t::replace)));
}

std::vector<RouteSpec> Router::routes() const {
  std::vector<RouteSpec> out;
  for (const auto& r : routes_) out.push_back(r.spec);
  return out;
}

}  // namespace onshi::api
