// In-process helpers for the service tests: a caller with the test PKI's subject layout, requests
// built by onshi's own request builders, answers read by onshi's own parser.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "onshi/xmlmsg/json_form.hpp"
#include "onshi/xmlmsg/messages.hpp"
#include "service.hpp"

namespace onshi::sim::eligsim::testing {

namespace http = boost::beast::http;

inline constexpr const char* kInstitution = "2714206386";  // tests/sim/pki/README.md, key a
inline constexpr const char* kDate = "20261202";

inline ts::ConnectionInfo caller(std::string institution = kInstitution,
                                 std::string fingerprint = "aa11") {
  ts::ConnectionInfo c;
  c.peer.fingerprint_sha256 = std::move(fingerprint);
  c.peer.subject_entries = {{"C", "JP"},
                            {"O", "オンシ内科クリニック"},
                            {"OU", "受付1号機"},
                            {"CN", std::move(institution)}};
  return c;
}

inline ts::Request post(std::string target, std::string body, std::string token = {}) {
  ts::Request r(http::verb::post, std::string(kApiPrefix) + target, 11);
  r.body() = std::move(body);
  if (!token.empty()) r.set(http::field::authorization, token);
  r.prepare_payload();
  return r;
}

inline std::string login(Service& service, const ts::ConnectionInfo& who = caller()) {
  const auto reply = service.handle(
      post("/auth", nlohmann::json{{"medicalInstitutionCode", kInstitution}}.dump()), who);
  return nlohmann::json::parse(reply.response.body())["result"]["accessToken"].get<std::string>();
}

inline xmlmsg::RequestHeader header() { return {kDate, kInstitution, "test-1"}; }

inline std::string json_of(const Result<xmlmsg::Element>& msg) {
  return msg ? *xmlmsg::to_json(*msg) : std::string("<" + msg.error().message + ">");
}

inline xmlmsg::QualificationResponse answer_of(const ts::Reply& reply) {
  auto msg = xmlmsg::parse_json(reply.response.body());
  if (!msg) return {};
  auto parsed = xmlmsg::parse_qualification_response(*msg);
  return parsed ? *parsed : xmlmsg::QualificationResponse{};
}

}  // namespace onshi::sim::eligsim::testing
