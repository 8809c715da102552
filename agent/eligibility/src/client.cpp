#include "onshi/eligibility/client.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>

#include "auth_envelope.hpp"
#include "certificate_validity.hpp"
#include "onshi/log.hpp"
#include "onshi/xmlmsg/json_form.hpp"
#include "token_cache.hpp"
#include "upstream_answer.hpp"

namespace onshi::eligibility {
namespace {

using Clock = std::chrono::system_clock;
constexpr std::string_view kLog = "eligibility";
constexpr std::string_view kJson = "application/json;charset=UTF-8";

bool ten_digits(std::string_view code) {
  return code.size() == 10 &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A request message as the body it is sent as. Its errors (invalid_argument: a field the caller
// gave breaks its format) come before anything is sent.
Result<std::string> request_body(Result<xmlmsg::Element> message) {
  if (!message) return fail(std::move(message).error());
  return xmlmsg::to_json(*message);
}

}  // namespace

struct EligibilityClient::Impl {
  Impl(ClientSettings s, std::shared_ptr<tls::HttpsClient> h, std::optional<tls::Certificate> c)
      : settings(std::move(s)),
        http(std::move(h)),
        tokens(settings.renew_before),
        leaf(std::move(c)) {}

  const ClientSettings settings;
  const std::shared_ptr<tls::HttpsClient> http;
  detail::TokenCache tokens;

  mutable std::mutex mutex;  // leaf and state
  std::optional<tls::Certificate> leaf;
  UpstreamState state;

  Status check_certificate() const {
    std::optional<tls::Certificate> current;
    {
      std::lock_guard lock(mutex);
      current = leaf;
    }
    return detail::check_client_certificate(current, settings.institution,
                                            std::chrono::floor<std::chrono::seconds>(Clock::now()));
  }

  Result<detail::Token> login() {
    const std::string body =
        fmt::format(R"({{"medicalInstitutionCode":"{}"}})", settings.institution);
    ONSHI_TRY_ASSIGN(auto response,
                     http->request(tls::Request::post(std::string(detail::kAuth.path), body,
                                                      std::string(kJson))));
    if (response.status == 401) {
      return fail(detail::unauthorized_error(detail::kAuth, response.body));
    }
    if (response.status != 200) {
      return fail(detail::http_status_error(detail::kAuth, response.status, response.body));
    }
    auto token = detail::parse_auth_envelope(response.body);
    if (!token) {
      Error e = std::move(token).error();
      e.native = response.status;
      return fail(std::move(e));
    }
    log::debug(kLog, "institution {}: logged in, the token is valid for {} s", settings.institution,
               token->expires_in.count());
    return token;
  }

  // POST with the token. A 401 means the service refused the token before processing the request
  // (tests/sim/eligsim/README.md: expired, unknown, other certificate), so logging in again and
  // sending the request once more cannot duplicate it; a second 401 is final. Nothing else is
  // retried: a reset or a timeout may come after the service processed the request.
  Result<tls::Response> post(const detail::Route& route, const std::string& body) {
    ONSHI_TRY(check_certificate());
    std::string refused;
    for (int attempt = 1;; ++attempt) {
      ONSHI_TRY_ASSIGN(const std::string token, tokens.get([this] { return login(); }, refused));
      auto request = tls::Request::post(std::string(route.path), body, std::string(kJson));
      request.headers.emplace_back("Authorization", token);
      ONSHI_TRY_ASSIGN(auto response, http->request(request));
      if (response.status == 401) {
        if (attempt == 2) return fail(detail::unauthorized_error(route, response.body));
        log::info(kLog, "institution {}: the {} token was refused (401); logging in again",
                  settings.institution, route.name);
        refused = token;
        continue;
      }
      if (response.status != 200) {
        return fail(detail::http_status_error(route, response.status, response.body));
      }
      return response;
    }
  }

  // A call's outcome into the health state; a change is logged (by code only: messages may
  // quote the answer).
  template <class T>
  Result<T> track(Result<T> outcome) {
    std::lock_guard lock(mutex);
    const UpstreamHealth before = state.health;
    if (outcome) {
      state.health = UpstreamHealth::ok;
      state.last_success = Clock::now();
    } else {
      state.health = UpstreamHealth::failing;
      state.last_error = outcome.error();
      state.last_failure = Clock::now();
    }
    if (before != state.health && state.health == UpstreamHealth::failing) {
      log::warning(kLog, "institution {}: the eligibility system is failing ({})",
                   settings.institution, errc_name(outcome.error().code));
    } else if (before == UpstreamHealth::failing && state.health == UpstreamHealth::ok) {
      log::info(kLog, "institution {}: the eligibility system answers again", settings.institution);
    }
    return outcome;
  }

  // One XmlMsg exchange, tracked: the answer read by `read` (elig_message_invalid, SegmentOfResult
  // 9 and the rest of upstream_answer.hpp).
  template <class T, class Read>
  Result<Answer<T>> exchange(const detail::Route& route, const std::string& body,
                             std::string_view file_id, Read read) {
    return track([&]() -> Result<Answer<T>> {
      ONSHI_TRY_ASSIGN(auto response, post(route, body));
      ONSHI_TRY_ASSIGN(T parsed, read(response.body, detail::Echo{settings.institution, file_id}));
      return Answer<T>{std::move(parsed), std::move(response.body)};
    }());
  }

  Result<Answer<xmlmsg::QualificationResponse>> qualification(const detail::Route& route,
                                                              const std::string& body,
                                                              std::string_view file_id) {
    ONSHI_TRY_ASSIGN(auto answer,
                     exchange<xmlmsg::QualificationResponse>(
                         route, body, file_id, [&](std::string_view text, const detail::Echo& e) {
                           return detail::read_qualification_answer(route, text, e);
                         }));
    ONSHI_TRY(detail::expect_processed(route, answer.parsed));
    return answer;
  }

  xmlmsg::RequestHeader header(std::string_view date, std::string_view file_id) const {
    return {std::string(date), settings.institution, std::string(file_id)};
  }
};

EligibilityClient::EligibilityClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EligibilityClient::~EligibilityClient() = default;

Result<std::unique_ptr<EligibilityClient>> EligibilityClient::create(
    ClientSettings settings, std::optional<tls::ClientIdentity> identity) {
  if (!ten_digits(settings.institution)) {
    return fail(Errc::config_invalid,
                fmt::format("the institution code \"{}\" is not 10 digits (医療機関コード)",
                            settings.institution.substr(0, 16)));
  }
  if (settings.renew_before < std::chrono::seconds(0)) {
    return fail(Errc::config_invalid, "renew_before must not be negative");
  }
  std::optional<tls::Certificate> leaf;
  if (identity) leaf = identity->leaf;
  ONSHI_TRY_ASSIGN(auto http, tls::HttpsClient::create(settings.tls, std::move(identity)));
  return std::unique_ptr<EligibilityClient>(new EligibilityClient(
      std::make_unique<Impl>(std::move(settings), std::move(http), std::move(leaf))));
}

Result<Answer<xmlmsg::QualificationResponse>> EligibilityClient::search(
    const xmlmsg::SearchInfo& search, std::string_view date, std::string_view file_id) {
  ONSHI_TRY_ASSIGN(const std::string body,
                   request_body(xmlmsg::make_search_request(impl_->header(date, file_id), search)));
  return impl_->qualification(detail::kSearch, body, file_id);
}

Result<Answer<xmlmsg::BulkSubmitResponse>> EligibilityClient::bulk_submit(
    std::span<const xmlmsg::SearchInfo> patients, std::string_view date, std::string_view file_id) {
  ONSHI_TRY_ASSIGN(const std::string body, request_body(xmlmsg::make_bulk_submit_request(
                                               impl_->header(date, file_id), patients)));
  return impl_->exchange<xmlmsg::BulkSubmitResponse>(detail::kBulkSubmit, body, file_id,
                                                     detail::read_bulk_submit_answer);
}

Result<Answer<xmlmsg::BulkFetchResponse>> EligibilityClient::bulk_fetch(
    std::string_view reception_number, std::string_view file_id) {
  ONSHI_TRY_ASSIGN(const std::string body, request_body(xmlmsg::make_bulk_fetch_request(
                                               impl_->header({}, file_id), reception_number)));
  return impl_->exchange<xmlmsg::BulkFetchResponse>(detail::kBulkFetch, body, file_id,
                                                    detail::read_bulk_fetch_answer);
}

Result<EligibilityClient::Challenge> EligibilityClient::challenge() {
  return impl_->track([&]() -> Result<Challenge> {
    ONSHI_TRY_ASSIGN(auto response, impl_->post(detail::kChallenge, ""));
    auto c = detail::parse_challenge_envelope(response.body);
    if (!c) {
      Error e = std::move(c).error();
      e.native = response.status;
      return fail(std::move(e));
    }
    return Challenge{std::move(c->id), std::move(c->bytes), c->expires_in};
  }());
}

Result<Answer<xmlmsg::QualificationResponse>> EligibilityClient::verify(
    const xmlmsg::VerificationInfo& info, std::string_view date, std::string_view file_id) {
  ONSHI_TRY_ASSIGN(const std::string body, request_body(xmlmsg::make_verification_request(
                                               impl_->header(date, file_id), info)));
  return impl_->qualification(detail::kVerify, body, file_id);
}

Status EligibilityClient::set_identity(std::optional<tls::ClientIdentity> identity) {
  std::optional<tls::Certificate> leaf;
  if (identity) leaf = identity->leaf;
  ONSHI_TRY(impl_->http->set_identity(std::move(identity)));
  {
    std::lock_guard lock(impl_->mutex);
    impl_->leaf = std::move(leaf);
  }
  impl_->tokens.clear();
  return {};
}

void EligibilityClient::set_pins(std::vector<tls::Sha256> pins) {
  impl_->http->set_pins(std::move(pins));
}

UpstreamState EligibilityClient::state() const {
  UpstreamState s;
  {
    std::lock_guard lock(impl_->mutex);
    s = impl_->state;
  }
  s.has_token = impl_->tokens.has_token();
  s.token_expires = impl_->tokens.expires();
  return s;
}

const std::string& EligibilityClient::institution() const noexcept {
  return impl_->settings.institution;
}

}  // namespace onshi::eligibility
