#include "routes.hpp"

#include <fmt/format.h>

#include "daemon.hpp"

namespace onshi::agent {
namespace {

using api::HttpRequest;
using api::HttpResponse;
using api::PathParams;

std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
std::string dump(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

std::shared_ptr<api::Router> make_router(Daemon& d) {
  auto router = std::make_shared<api::Router>();
  router->add("GET", "/v1/health", [&d](const HttpRequest&, const PathParams&) {
    return api::json_response(200, dump(d.health()));
  });
  router->add("GET", "/v1/readers", [&d](const HttpRequest&, const PathParams&) {
    return api::json_response(200, dump(d.readers()));
  });
  router->add("GET", "/v1/certificates", [&d](const HttpRequest&, const PathParams&) {
    return api::json_response(200, dump(d.certificates()));
  });
  router->add("POST", "/v1/certificates/reload", [&d](const HttpRequest& r, const PathParams&) {
    // Reloading twice does no harm, but every POST carries a key (one rule for integrators).
    if (!r.header("idempotency-key")) {
      return api::error_response(400, "idempotency_key_missing",
                                 "POST needs an Idempotency-Key header");
    }
    auto changes = d.reload();
    if (!changes) {
      return api::error_response(422, errc_name(changes.error().code),
                                 "the configuration was not reloaded (the old one stays in use): " +
                                     changes.error().message);
    }
    return api::json_response(200, dump(nlohmann::json{{"reloaded", true}, {"changes", *changes}}));
  });
  router->add("POST", "/v1/verifications", [&d](const HttpRequest& r, const PathParams&) {
    return d.verifications().post_verification(r);
  });
  router->add("GET", "/v1/verifications/{id}", [&d](const HttpRequest& r, const PathParams& p) {
    return d.verifications().get_verification(r, p.at("id"));
  });
  router->add("GET", "/v1/verifications/{id}/events",
              [&d](const HttpRequest& r, const PathParams& p) {
                return d.verifications().get_events(r, p.at("id"));
              });
  router->add("POST", "/v1/verifications/{id}/cancel",
              [&d](const HttpRequest& r, const PathParams& p) {
                return d.verifications().post_cancel(r, p.at("id"));
              });
  router->add("GET", "/v1/events", [&d](const HttpRequest& r, const PathParams&) {
    return d.verifications().get_events(r, {});
  });
  router->add("POST", "/v1/signatures", [&d](const HttpRequest& r, const PathParams&) {
    return d.verifications().post_signature(r);
  });
  router->add("GET", "/v1/signatures/{id}", [&d](const HttpRequest& r, const PathParams& p) {
    return d.verifications().get_signature(r, p.at("id"));
  });
  router->add("POST", "/v1/bulk-verifications", [&d](const HttpRequest& r, const PathParams&) {
    return d.verifications().post_bulk(r);
  });
  router->add("GET", "/v1/bulk-verifications/{id}",
              [&d](const HttpRequest& r, const PathParams& p) {
                return d.verifications().get_bulk(r, p.at("id"));
              });
  return router;
}

}  // namespace onshi::agent
