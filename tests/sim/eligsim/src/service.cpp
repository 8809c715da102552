#include "service.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "answers.hpp"
#include "onshi/base64.hpp"
#include "onshi/xmlmsg/codes.hpp"
#include "onshi/xmlmsg/json_form.hpp"

namespace onshi::sim::eligsim {
namespace {

using nlohmann::json;
namespace http = boost::beast::http;

// Bounds on what callers can make the service keep (per institution; a test tool, but a stuck
// client must not grow it without end). A 一括 job is kept an hour after it is ready.
constexpr std::size_t kMaxChallengesPerInstitution = 1000;
constexpr std::size_t kMaxTokensPerInstitution = 1000;
constexpr std::size_t kMaxJobsPerInstitution = 200;
constexpr std::chrono::hours kJobRetention{1};

const Problem kForeignInstitution{true, "SIM9003",
                                  "MedicalInstitutionCode is not the client certificate's"};

template <typename Map>
std::size_t count_for(const Map& map, const std::string& institution) {
  return static_cast<std::size_t>(std::count_if(map.begin(), map.end(), [&](const auto& entry) {
    return entry.second.institution == institution;
  }));
}

ts::Reply json_reply(const ts::Request& request, http::status status, const json& body) {
  ts::Reply reply;
  reply.response = ts::Response(status, request.version());
  reply.response.set(http::field::content_type, "application/json;charset=UTF-8");
  reply.response.body() = body.dump(-1, ' ', false, json::error_handler_t::replace);
  reply.response.prepare_payload();
  return reply;
}

// The envelope of the auth and challenge calls (eligibility-system.md §1.11: status, msg, result).
ts::Reply envelope_reply(const ts::Request& request, http::status status, std::string_view msg,
                         json result = nullptr) {
  return json_reply(request, status,
                    json{{"status", std::to_string(static_cast<int>(status))},
                         {"msg", msg},
                         {"result", std::move(result)}});
}

std::string outcome_of(const xmlmsg::Element& msg) {
  const auto text = [&](std::string_view path) {
    const xmlmsg::Element* e = msg.find(path);
    return e != nullptr && e->leaf ? e->text : std::string("-");
  };
  const std::string segment = text("MessageHeader/SegmentOfResult");
  if (segment == "9") return "segment=9 " + text("MessageHeader/ErrorCode");
  const std::string status = text("MessageBody/ProcessingResultStatus");
  if (status == "2") return "segment=1 status=2 " + text("MessageBody/ProcessingResultCode");
  return fmt::format("segment={} status={} validity={}", segment, status,
                     text("MessageBody/QualificationValidity"));
}

// A malformed answer of the kind a test asked for (README "Faults").
std::string malformed_body(const std::string& variant, const std::string& good) {
  if (variant == "truncated") return good.substr(0, good.size() / 2);
  if (variant == "not_json") return "<html><body>502 Bad Gateway</body></html>";
  if (variant == "wrong_root") return R"({"Message":{"MessageHeader":{"SegmentOfResult":"1"}}})";
  if (variant == "no_body") return R"({"XmlMsg":{"MessageHeader":{"SegmentOfResult":"1"}}})";
  std::string body = good;
  const std::string from = R"("SegmentOfResult":"1")";
  const auto at = body.find(from);
  if (at == std::string::npos) return body;
  body.replace(at, from.size(),
               variant == "number_leaf" ? R"("SegmentOfResult":1)" : R"("SegmentOfResult":"7")");
  return body;
}

std::string bearer(std::string_view value) {
  if (value.starts_with("Bearer ")) value.remove_prefix(7);
  return std::string(value);
}

std::optional<std::string_view> route_name(std::string_view path) {
  if (!path.starts_with(kApiPrefix)) return std::nullopt;
  path.remove_prefix(kApiPrefix.size());
  if (path == "/auth") return "auth";
  if (path == "/qualifications/search") return "search";
  if (path == "/mynumber/challenge") return "challenge";
  if (path == "/mynumber/verify") return "verify";
  if (path == "/qualifications/bulk") return "bulk_submit";
  if (path == "/qualifications/bulk/result") return "bulk_fetch";
  return std::nullopt;
}

}  // namespace

Service::Service(Dataset dataset, std::optional<CardVerifier> verifier, ServiceOptions options,
                 Clock clock)
    : dataset_(std::move(dataset)),
      verifier_(std::move(verifier)),
      options_(std::move(options)),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); })) {}

std::string Service::now_text() const {
  const auto jst = std::chrono::floor<std::chrono::seconds>(clock_()) + std::chrono::hours(9);
  const auto day = std::chrono::floor<std::chrono::days>(jst);
  const std::chrono::year_month_day ymd(day);
  const std::chrono::hh_mm_ss hms(jst - day);
  return fmt::format("{:04}{:02}{:02}{:02}{:02}{:02}", int(ymd.year()), unsigned(ymd.month()),
                     unsigned(ymd.day()), hms.hours().count(), hms.minutes().count(),
                     hms.seconds().count());
}

std::optional<std::string> Service::random_id(std::size_t bytes) {
  Bytes b(bytes);
  if (RAND_bytes(b.data(), int(b.size())) != 1) return std::nullopt;
  return to_hex(b);
}

Service::Caller Service::caller_of(const ts::ConnectionInfo& connection) const {
  Caller c;
  for (const auto& [name, value] : connection.peer.subject_entries) {
    if (name == options_.institution_attribute && c.institution.empty()) c.institution = value;
    if (name == options_.terminal_attribute && c.terminal.empty()) c.terminal = value;
  }
  c.fingerprint = connection.peer.fingerprint_sha256.value_or("");
  return c;
}

bool Service::refuse_handshake() { return faults_.take(FaultKind::handshake).has_value(); }

void Service::record(Call call) {
  call.seq = next_call_++;
  calls_.push_back(std::move(call));
  while (calls_.size() > options_.max_calls_kept) calls_.pop_front();
}

ts::Reply Service::handle(const ts::Request& request, const ts::ConnectionInfo& connection) {
  const std::string_view target(request.target().data(), request.target().size());
  const auto path = target.substr(0, target.find('?'));
  const Caller caller = caller_of(connection);
  const auto route = route_name(path);
  Routed routed;
  if (!route) {
    routed = {envelope_reply(request, http::status::not_found, "no such route"), "not-found"};
  } else if (request.method() != http::verb::post) {
    routed = {envelope_reply(request, http::status::method_not_allowed, "use POST"), "method"};
    routed.reply.response.set(http::field::allow, "POST");
  } else if (caller.institution.empty()) {
    routed = {envelope_reply(request, http::status::forbidden,
                             "the client certificate names no institution"),
              "no-institution"};
  } else if (dataset_.institution(caller.institution) == nullptr) {
    routed = {envelope_reply(request, http::status::forbidden,
                             fmt::format("institution {} is not registered for online "
                                         "eligibility confirmation (オンライン資格確認の利用申請)",
                                         caller.institution.substr(0, 20))),
              "unregistered"};
  } else if (*route == "auth") {
    routed = auth(request, caller);
  } else if (auto refused = check_token(request, caller)) {
    routed = std::move(*refused);
  } else if (*route == "search") {
    routed = search(request, caller);
  } else if (*route == "challenge") {
    routed = challenge(request, caller);
  } else if (*route == "verify") {
    routed = verify(request, caller);
  } else if (*route == "bulk_submit") {
    routed = bulk_submit(request, caller);
  } else {
    routed = bulk_fetch(request, caller);
  }
  if (route) apply_faults(*route, routed.reply, routed.outcome);
  record(Call{0, std::string(route.value_or(path.substr(0, 100))), caller.institution,
              caller.terminal, caller.fingerprint,
              static_cast<int>(routed.reply.response.result_int()), routed.outcome});
  return std::move(routed.reply);
}

void Service::apply_faults(std::string_view route, ts::Reply& reply, std::string& outcome) {
  if (auto f = faults_.take(FaultKind::latency, route)) {
    reply.delay += f->ms;
    outcome += fmt::format(" fault:latency={}ms", f->ms.count());
  }
  if (auto f = faults_.take(FaultKind::malformed, route)) {
    reply.response.body() = malformed_body(f->variant, reply.response.body());
    reply.response.prepare_payload();
    outcome += " fault:malformed=" + f->variant;
  }
  if (auto f = faults_.take(FaultKind::status, route)) {
    reply.response.result(static_cast<http::status>(f->status));
    reply.response.set(http::field::content_type, "text/html");
    reply.response.body() =
        fmt::format("<html><body>{} Service Unavailable</body></html>", f->status);
    reply.response.prepare_payload();
    outcome += fmt::format(" fault:status={}", f->status);
  }
  if (auto f = faults_.take(FaultKind::slow_body, route)) {
    reply.trickle_bytes = f->bytes;
    reply.trickle_pause = f->ms;
    outcome += fmt::format(" fault:slow_body={}B/{}ms", f->bytes, f->ms.count());
  }
  if (faults_.take(FaultKind::reset, route)) {
    reply.reset_connection = true;
    outcome += " fault:reset";
  }
}

std::optional<Service::Routed> Service::check_token(const ts::Request& request,
                                                    const Caller& caller) {
  const auto it = request.find(http::field::authorization);
  if (it == request.end()) {
    return Routed{envelope_reply(request, http::status::unauthorized, "Authorization: missing"),
                  "token-missing"};
  }
  const auto token = tokens_.find(bearer(it->value()));
  if (token == tokens_.end()) {
    return Routed{envelope_reply(request, http::status::unauthorized, "unknown access token"),
                  "token-unknown"};
  }
  if (clock_() >= token->second.expires) {
    tokens_.erase(token);
    return Routed{envelope_reply(request, http::status::unauthorized, "the access token expired"),
                  "token-expired"};
  }
  if (token->second.fingerprint != caller.fingerprint) {
    return Routed{envelope_reply(request, http::status::unauthorized,
                                 "the access token belongs to another client certificate"),
                  "token-other-certificate"};
  }
  return std::nullopt;
}

Service::Routed Service::xml_reply(const ts::Request& request, const xmlmsg::Element& msg) {
  auto body = xmlmsg::to_json(msg);
  if (!body) {
    return {envelope_reply(request, http::status::internal_server_error, body.error().message),
            "internal"};
  }
  ts::Reply reply;
  reply.response = ts::Response(http::status::ok, request.version());
  reply.response.set(http::field::content_type, "application/json;charset=UTF-8");
  reply.response.body() = std::move(*body);
  reply.response.prepare_payload();
  return {std::move(reply), outcome_of(msg)};
}

Service::Routed Service::auth(const ts::Request& request, const Caller& caller) {
  auto parsed = parse_auth_request(request.body());
  if (auto* p = std::get_if<Problem>(&parsed)) {
    return {envelope_reply(request, http::status::bad_request, p->message), p->code};
  }
  const auto& auth = std::get<AuthRequest>(parsed);
  if (auth.medical_institution_code != caller.institution) {
    return {envelope_reply(request, http::status::forbidden,
                           fmt::format("medicalInstitutionCode {} is not the client "
                                       "certificate's institution {}",
                                       auth.medical_institution_code, caller.institution)),
            "SIM9003"};
  }
  // Expired tokens are dropped here, so the table stays as small as the live tokens.
  const auto now = clock_();
  std::erase_if(tokens_, [&](const auto& t) { return now >= t.second.expires; });
  if (count_for(tokens_, caller.institution) >= kMaxTokensPerInstitution) {
    return {envelope_reply(request, http::status::too_many_requests, "too many live tokens"),
            "token-limit"};
  }
  const auto token = random_id(32);
  if (!token) {
    return {envelope_reply(request, http::status::internal_server_error, "no randomness"), "rand"};
  }
  tokens_[*token] = Token{caller.institution, caller.fingerprint, now + options_.token_lifetime};
  return {envelope_reply(request, http::status::ok, "",
                         json{{"accessToken", *token},
                              {"idToken", *token},
                              {"refreshToken", nullptr},
                              {"expiresIn", options_.token_lifetime.count()},
                              {"linkSysCharCd", "0"}}),
          "token"};
}

Service::Routed Service::search(const ts::Request& request, const Caller& caller) {
  auto parsed = parse_search_request(request.body());
  AnswerContext context{now_text(), {}, "2"};
  if (auto* p = std::get_if<Problem>(&parsed)) {
    return xml_reply(request, problem_answer(context, *p));
  }
  auto& s = std::get<SearchRequest>(parsed);
  context.header = s.header;
  if (s.header.medical_institution_code != caller.institution) {
    return xml_reply(request, abnormal_answer(context, kForeignInstitution));
  }
  Disclosure disclosure;
  disclosure.limit_consent = s.search.limit_consent;
  return xml_reply(request,
                   qualification_answer(context, matches_for(dataset_, s.search), disclosure));
}

Service::Routed Service::challenge(const ts::Request& request, const Caller& caller) {
  const auto now = clock_();
  std::erase_if(challenges_, [&](const auto& c) { return now >= c.second.expires; });
  if (count_for(challenges_, caller.institution) >= kMaxChallengesPerInstitution) {
    return {envelope_reply(request, http::status::too_many_requests, "too many open challenges"),
            "challenge-limit"};
  }
  Challenge c;
  c.bytes.resize(32);
  const auto id = random_id(16);
  if (!id || RAND_bytes(c.bytes.data(), int(c.bytes.size())) != 1) {
    return {envelope_reply(request, http::status::internal_server_error, "no randomness"), "rand"};
  }
  c.institution = caller.institution;
  c.fingerprint = caller.fingerprint;
  c.expires = now + options_.challenge_lifetime;
  const std::string value = to_base64(c.bytes);
  challenges_[*id] = std::move(c);
  return {envelope_reply(request, http::status::ok, "",
                         json{{"challengeId", *id},
                              {"challenge", value},
                              {"expiresIn", options_.challenge_lifetime.count()}}),
          "challenge"};
}

Service::Routed Service::verify(const ts::Request& request, const Caller& caller) {
  auto parsed = parse_verify_request(request.body());
  AnswerContext context{now_text(), {}, "1"};
  if (auto* p = std::get_if<Problem>(&parsed)) {
    return xml_reply(request, problem_answer(context, *p));
  }
  auto& v = std::get<VerifyRequest>(parsed);
  context.header = v.header;
  if (v.header.medical_institution_code != caller.institution) {
    return xml_reply(request, abnormal_answer(context, kForeignInstitution));
  }
  // Single use: the challenge is gone from here on, whatever the outcome.
  const auto found = challenges_.find(v.challenge_id);
  if (found == challenges_.end()) {
    return xml_reply(request, field_error_answer(context, Problem{false, "SIM2101",
                                                                  "ChallengeId: unknown or "
                                                                  "already used"}));
  }
  const Challenge challenge = std::move(found->second);
  challenges_.erase(found);
  if (clock_() >= challenge.expires || challenge.institution != caller.institution ||
      challenge.fingerprint != caller.fingerprint) {
    return xml_reply(request, field_error_answer(context, Problem{false, "SIM2101",
                                                                  "ChallengeId: expired or "
                                                                  "issued to another terminal"}));
  }
  if (!verifier_) {
    return xml_reply(request, abnormal_answer(context, Problem{true, "SIM9006",
                                                               "this service was started "
                                                               "without --personas"}));
  }
  auto checked = verifier_->check(v, challenge.bytes);
  if (auto* p = std::get_if<Problem>(&checked)) {
    return xml_reply(request, field_error_answer(context, *p));
  }
  const ManifestCard* card = std::get<const ManifestCard*>(checked);
  const Person* person = dataset_.by_auth_certificate(card->auth_cert_sha256);
  std::vector<Match> matches;
  if (person != nullptr) {
    // The current qualification; the latest one when none is valid on the date.
    const Qualification* q = &person->qualifications.back();
    for (const auto& candidate : person->qualifications) {
      if (candidate.valid_on(v.header.qualification_confirmation_date)) q = &candidate;
    }
    matches.push_back(Match{person, q});
  }
  Disclosure disclosure;
  disclosure.limit_consent = v.consents.limit.empty() ? "0" : v.consents.limit;
  disclosure.specific_diseases_consent = v.consents.specific_diseases;
  disclosure.answers = &v.consents;
  return xml_reply(request, qualification_answer(context, matches, disclosure));
}

Service::Routed Service::bulk_submit(const ts::Request& request, const Caller& caller) {
  auto parsed = parse_bulk_submit_request(request.body());
  AnswerContext context{now_text(), {}, ""};
  if (auto* p = std::get_if<Problem>(&parsed))
    return xml_reply(request, abnormal_answer(context, *p));
  auto& b = std::get<BulkSubmitRequest>(parsed);
  context.header = b.header;
  if (b.header.medical_institution_code != caller.institution) {
    return xml_reply(request, abnormal_answer(context, kForeignInstitution));
  }
  // The answers are computed now, handed out once the job is "processed".
  const auto now = clock_();
  std::erase_if(bulk_jobs_, [&](const auto& j) { return now >= j.second.ready + kJobRetention; });
  if (count_for(bulk_jobs_, caller.institution) >= kMaxJobsPerInstitution) {
    return xml_reply(request, abnormal_answer(context, Problem{true, "SIM9007",
                                                               "too many 一括 jobs kept for this "
                                                               "institution: fetch them first"}));
  }
  BulkJob job;
  job.institution = caller.institution;
  job.ready = now + options_.bulk_delay;
  job.header = b.header;
  for (const auto& patient : b.patients) {
    xmlmsg::Element unit = xmlmsg::Element::make_node("BulkConfirmUnit");
    unit.add(patient.search.echo);
    if (patient.problem) {
      unit.add_leaf("ProcessingResultStatus", "2");
      unit.add_leaf("ProcessingResultCode", patient.problem->code);
      unit.add_leaf("ProcessingResultMessage", patient.problem->message);
      ++job.errors;
    } else {
      const Search& s = patient.search;
      const std::vector<Match> matches = matches_for(dataset_, s);
      Disclosure disclosure;
      disclosure.limit_consent = s.limit_consent;
      unit.add_leaf("ProcessingResultStatus", "1");
      unit.add_leaf("QualificationValidity",
                    validity_of(matches, b.header.qualification_confirmation_date));
      for (const auto& m : matches) {
        unit.add(
            record_element(m, b.header.qualification_confirmation_date, disclosure, context.now));
      }
    }
    job.units.push_back(std::move(unit));
  }
  const std::string reception = fmt::format("SIM{:012}", next_reception_++);
  bulk_jobs_[reception] = std::move(job);
  xmlmsg::Element msg = xmlmsg::Element::make_node("XmlMsg");
  msg.add(bulk_header(context, "", xmlmsg::kSegmentNormal));
  xmlmsg::Element& body = msg.add_node("MessageBody");
  body.add_leaf("ReceptionNumber", reception);
  body.add_leaf("ReceptionDateTime", context.now);
  auto routed = xml_reply(request, msg);
  routed.outcome = "reception=" + reception;
  return routed;
}

Service::Routed Service::bulk_fetch(const ts::Request& request, const Caller& caller) {
  auto parsed = parse_bulk_fetch_request(request.body());
  AnswerContext context{now_text(), {}, ""};
  if (auto* p = std::get_if<Problem>(&parsed))
    return xml_reply(request, abnormal_answer(context, *p));
  auto& f = std::get<BulkFetchRequest>(parsed);
  context.header = f.header;
  const auto job = bulk_jobs_.find(f.reception_number);
  if (job == bulk_jobs_.end() || job->second.institution != caller.institution) {
    return xml_reply(request, abnormal_answer(context, Problem{true, "SIM9004",
                                                               "ReceptionNumber: unknown to "
                                                               "this institution"}));
  }
  xmlmsg::Element msg = xmlmsg::Element::make_node("XmlMsg");
  if (clock_() < job->second.ready) {
    // 処理中: ask again later (§1.6).
    msg.add(bulk_header(context, f.reception_number, xmlmsg::kSegmentProcessing));
    auto routed = xml_reply(request, msg);
    routed.outcome = "segment=2";
    return routed;
  }
  const BulkJob& j = job->second;
  xmlmsg::Element& h = msg.add(bulk_header(context, f.reception_number, xmlmsg::kSegmentNormal));
  h.add_leaf("NumberOfProcessingResult", std::to_string(j.units.size()));
  h.add_leaf("NumberOfNormalProcessing", std::to_string(j.units.size() - j.errors));
  h.add_leaf("NumberOfError", std::to_string(j.errors));
  xmlmsg::Element& body = msg.add_node("MessageBody");
  for (const auto& u : j.units) body.add(u);
  auto routed = xml_reply(request, msg);
  routed.outcome = fmt::format("segment=1 units={}", j.units.size());
  return routed;
}

ts::Reply Service::control(const ts::Request& request) {
  const std::string_view path(request.target().data(), request.target().size());
  const auto method = request.method();
  if (path == "/faults" && method == http::verb::put) {
    auto faults = parse_faults(request.body());
    if (!faults)
      return json_reply(request, http::status::bad_request,
                        json{{"error", faults.error().message}});
    faults_.replace(std::move(*faults));
    return json_reply(request, http::status::ok, json::parse(faults_.to_json()));
  }
  if (path == "/faults" && method == http::verb::delete_) {
    faults_.clear();
    return json_reply(request, http::status::ok, json::parse(faults_.to_json()));
  }
  if (path == "/faults" && method == http::verb::get) {
    return json_reply(request, http::status::ok, json::parse(faults_.to_json()));
  }
  if (path == "/tokens/expire" && method == http::verb::post) {
    const auto now = clock_();
    std::size_t expired = 0;
    for (auto& [id, token] : tokens_) {
      if (token.expires > now) ++expired;
      token.expires = now;
    }
    return json_reply(request, http::status::ok, json{{"expired", expired}});
  }
  if (path == "/calls" && method == http::verb::get) {
    json calls = json::array();
    for (const auto& c : calls_) {
      calls.push_back(json{{"seq", c.seq},
                           {"route", c.route},
                           {"institution", c.institution},
                           {"terminal", c.terminal},
                           {"certificate_sha256", c.certificate_sha256},
                           {"http_status", c.http_status},
                           {"outcome", c.outcome}});
    }
    return json_reply(request, http::status::ok, json{{"calls", calls}});
  }
  if (path == "/calls" && method == http::verb::delete_) {
    calls_.clear();
    return json_reply(request, http::status::ok, json{{"calls", json::array()}});
  }
  if (path == "/dataset" && method == http::verb::get) {
    ts::Reply reply = json_reply(request, http::status::ok, json::object());
    reply.response.body() = dataset_.to_json();
    reply.response.prepare_payload();
    return reply;
  }
  if (path == "/health" && method == http::verb::get) {
    return json_reply(request, http::status::ok,
                      json{{"persons", dataset_.persons().size()},
                           {"tokens", tokens_.size()},
                           {"challenges", challenges_.size()},
                           {"bulk_jobs", bulk_jobs_.size()}});
  }
  return json_reply(request, http::status::not_found, json{{"error", "no such control route"}});
}

}  // namespace onshi::sim::eligsim
