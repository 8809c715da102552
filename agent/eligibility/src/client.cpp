#include "onshi/eligibility/client.hpp"

#include <fmt/format.h>

#include <mutex>

#include "auth_envelope.hpp"
#include "onshi/japan_time.hpp"
#include "onshi/xmlmsg/codes.hpp"
#include "onshi/xmlmsg/json_form.hpp"

namespace onshi::eligibility {
namespace {

using Clock = std::chrono::system_clock;
// The modelled routes (tests/sim/eligsim/README.md, "The protocol").
constexpr std::string_view kAuth = "/auth";
constexpr std::string_view kSearch = "/qualifications/search";
constexpr std::string_view kChallenge = "/mynumber/challenge";
constexpr std::string_view kVerify = "/mynumber/verify";
constexpr std::string_view kBulkSubmit = "/qualifications/bulk";
constexpr std::string_view kBulkFetch = "/qualifications/bulk/result";
constexpr std::string_view kJson = "application/json;charset=UTF-8";

std::string printable_start(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, 120)) out += (c >= 0x20 && c < 0x7f) ? c : ' ';
  return out;
}

// ProcessingResultStatus 2 (a field the eligibility system refused) as an error: the query was
// answered, but there is no result to give.
Status expect_processed(const xmlmsg::QualificationResponse& r) {
  if (r.processing_result_status == xmlmsg::kStatusError) {
    return Error(
        Errc::elig_rejected,
        fmt::format("the eligibility system refused the query: ProcessingResultCode {}: {}",
                    r.processing_result_code, r.processing_result_message));
  }
  return {};
}

}  // namespace

Error http_error(int status, std::string_view body) {
  Error e;
  if (status == 401) {
    e = Error(Errc::elig_unauthorized,
              "the eligibility system refused the access token twice (401): check the client "
              "certificate and the terminal's registration");
  } else if (status >= 500) {
    e = Error(Errc::http_status,
              fmt::format("the eligibility system answered {} (it is in trouble; try again later): "
                          "{}",
                          status, printable_start(body)));
  } else {
    e = Error(Errc::http_status,
              fmt::format("the eligibility system answered {}: {}", status, printable_start(body)));
  }
  e.native = status;
  return e;
}

struct EligibilityClient::Impl {
  ClientSettings settings;
  std::shared_ptr<tls::HttpsClient> http;

  mutable std::mutex mutex;  // identity, token, state
  std::optional<tls::ClientIdentity> identity;
  std::string token;
  Clock::time_point token_expires{};
  UpstreamState state;

  std::mutex login_mutex;  // one login at a time; the others wait for its token

  Status check_certificate() const {
    std::lock_guard lock(mutex);
    if (!identity) {
      return Error(Errc::cert_not_found,
                   fmt::format("institution {} has no client certificate: nothing was sent; import "
                               "it with `onshictl cert import FILE.p12 --institution {}`",
                               settings.institution, settings.institution));
    }
    const auto now = std::chrono::floor<std::chrono::seconds>(Clock::now());
    if (now < identity->leaf.not_before()) {
      return Error(
          Errc::cert_not_yet_valid,
          fmt::format("the client certificate of {} is valid only from {}: nothing was sent",
                      settings.institution, format_japan_time(identity->leaf.not_before())));
    }
    if (now > identity->leaf.not_after()) {
      return Error(
          Errc::cert_expired,
          fmt::format("the client certificate of {} expired on {}: nothing was sent",
                      settings.institution, format_japan_time(identity->leaf.not_after())));
    }
    return {};
  }

  void record(const Status& outcome) {
    std::lock_guard lock(mutex);
    if (outcome) {
      state.health = UpstreamHealth::ok;
      state.last_success = Clock::now();
    } else {
      state.health = UpstreamHealth::failing;
      state.last_error = outcome.error();
      state.last_failure = Clock::now();
    }
  }

  // A token valid for at least renew_before, logging in when needed.
  Result<std::string> current_token(const std::string& refused) {
    {
      std::lock_guard lock(mutex);
      if (!token.empty() && token != refused &&
          Clock::now() + settings.renew_before < token_expires) {
        return token;
      }
    }
    std::lock_guard login(login_mutex);
    {
      // Another thread may have logged in while this one waited.
      std::lock_guard lock(mutex);
      if (!token.empty() && token != refused &&
          Clock::now() + settings.renew_before < token_expires) {
        return token;
      }
    }
    const std::string body =
        fmt::format(R"({{"medicalInstitutionCode":"{}"}})", settings.institution);
    ONSHI_TRY_ASSIGN(auto response, http->request(tls::Request::post(std::string(kAuth), body,
                                                                     std::string(kJson))));
    if (response.status != 200) return fail(http_error(response.status, response.body));
    ONSHI_TRY_ASSIGN(auto parsed, detail::parse_auth_envelope(response.body));
    std::lock_guard lock(mutex);
    token = parsed.access_token;
    token_expires = Clock::now() + parsed.expires_in;
    state.has_token = true;
    state.token_expires = token_expires;
    return token;
  }

  void drop_token(const std::string& refused) {
    std::lock_guard lock(mutex);
    if (token == refused) {
      token.clear();
      state.has_token = false;
    }
  }

  // POST with the token; a 401 drops it, logs in again and tries once more (the service refused
  // the request before processing it, so the retry cannot duplicate it).
  Result<tls::Response> post(std::string_view route, const std::string& body) {
    ONSHI_TRY(check_certificate());
    std::string refused;
    for (int attempt = 0; attempt < 2; ++attempt) {
      ONSHI_TRY_ASSIGN(const std::string t, current_token(refused));
      tls::Request request = tls::Request::post(std::string(route), body, std::string(kJson));
      request.headers.emplace_back("Authorization", t);
      ONSHI_TRY_ASSIGN(auto response, http->request(request));
      if (response.status == 401 && attempt == 0) {
        drop_token(t);
        refused = t;
        continue;
      }
      if (response.status != 200) return fail(http_error(response.status, response.body));
      return response;
    }
    return fail(http_error(401, ""));
  }

  template <class T, class Parse>
  Result<Answer<T>> exchange(std::string_view route, const Result<xmlmsg::Element>& message,
                             Parse parse) {
    if (!message) return fail(message.error());
    ONSHI_TRY_ASSIGN(const std::string body, xmlmsg::to_json(*message));
    ONSHI_TRY_ASSIGN(auto response, post(route, body));
    ONSHI_TRY_ASSIGN(const auto element, xmlmsg::parse_json(response.body));
    ONSHI_TRY_ASSIGN(T parsed, parse(element));
    ONSHI_TRY(xmlmsg::expect_segment_normal(parsed.header));
    return Answer<T>{std::move(parsed), std::move(response.body)};
  }

  template <class F>
  auto tracked(F&& call) {
    auto result = call();
    if (result) {
      record({});
    } else {
      record(result.error());
    }
    return result;
  }

  xmlmsg::RequestHeader header(std::string_view date, std::string_view file_id) const {
    return {std::string(date), settings.institution, std::string(file_id)};
  }
};

EligibilityClient::EligibilityClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EligibilityClient::~EligibilityClient() = default;

Result<std::unique_ptr<EligibilityClient>> EligibilityClient::create(
    ClientSettings settings, std::optional<tls::ClientIdentity> identity) {
  auto impl = std::make_unique<Impl>();
  ONSHI_TRY_ASSIGN(impl->http, tls::HttpsClient::create(settings.tls, identity));
  impl->settings = std::move(settings);
  impl->identity = std::move(identity);
  return std::unique_ptr<EligibilityClient>(new EligibilityClient(std::move(impl)));
}

Result<Answer<xmlmsg::QualificationResponse>> EligibilityClient::search(
    const xmlmsg::SearchInfo& search, std::string_view date, std::string_view file_id) {
  return impl_->tracked([&]() -> Result<Answer<xmlmsg::QualificationResponse>> {
    ONSHI_TRY_ASSIGN(auto answer,
                     impl_->exchange<xmlmsg::QualificationResponse>(
                         kSearch, xmlmsg::make_search_request(impl_->header(date, file_id), search),
                         xmlmsg::parse_qualification_response));
    ONSHI_TRY(expect_processed(answer.parsed));
    return answer;
  });
}

Result<Answer<xmlmsg::BulkSubmitResponse>> EligibilityClient::bulk_submit(
    std::span<const xmlmsg::SearchInfo> patients, std::string_view date, std::string_view file_id) {
  return impl_->tracked([&] {
    return impl_->exchange<xmlmsg::BulkSubmitResponse>(
        kBulkSubmit, xmlmsg::make_bulk_submit_request(impl_->header(date, file_id), patients),
        xmlmsg::parse_bulk_submit_response);
  });
}

Result<Answer<xmlmsg::BulkFetchResponse>> EligibilityClient::bulk_fetch(
    std::string_view reception_number, std::string_view file_id) {
  return impl_->tracked([&]() -> Result<Answer<xmlmsg::BulkFetchResponse>> {
    const auto message =
        xmlmsg::make_bulk_fetch_request(impl_->header({}, file_id), reception_number);
    if (!message) return fail(message.error());
    ONSHI_TRY_ASSIGN(const std::string body, xmlmsg::to_json(*message));
    ONSHI_TRY_ASSIGN(auto response, impl_->post(kBulkFetch, body));
    ONSHI_TRY_ASSIGN(const auto element, xmlmsg::parse_json(response.body));
    ONSHI_TRY_ASSIGN(auto parsed, xmlmsg::parse_bulk_fetch_response(element));
    // 処理中 is the answer "not yet", not a failure.
    if (parsed.header.segment_of_result != xmlmsg::kSegmentProcessing) {
      ONSHI_TRY(xmlmsg::expect_segment_normal(parsed.header));
    }
    return Answer<xmlmsg::BulkFetchResponse>{std::move(parsed), std::move(response.body)};
  });
}

Result<EligibilityClient::Challenge> EligibilityClient::challenge() {
  return impl_->tracked([&]() -> Result<Challenge> {
    ONSHI_TRY_ASSIGN(auto response, impl_->post(kChallenge, ""));
    ONSHI_TRY_ASSIGN(auto c, detail::parse_challenge_envelope(response.body));
    return Challenge{std::move(c.id), std::move(c.bytes), c.expires_in};
  });
}

Result<Answer<xmlmsg::QualificationResponse>> EligibilityClient::verify(
    const xmlmsg::VerificationInfo& info, std::string_view date, std::string_view file_id) {
  return impl_->tracked([&]() -> Result<Answer<xmlmsg::QualificationResponse>> {
    ONSHI_TRY_ASSIGN(
        auto answer,
        impl_->exchange<xmlmsg::QualificationResponse>(
            kVerify, xmlmsg::make_verification_request(impl_->header(date, file_id), info),
            xmlmsg::parse_qualification_response));
    ONSHI_TRY(expect_processed(answer.parsed));
    return answer;
  });
}

Status EligibilityClient::set_identity(std::optional<tls::ClientIdentity> identity) {
  ONSHI_TRY(impl_->http->set_identity(identity));
  std::lock_guard lock(impl_->mutex);
  impl_->identity = std::move(identity);
  impl_->token.clear();
  impl_->state.has_token = false;
  return {};
}

void EligibilityClient::set_pins(std::vector<tls::Sha256> pins) {
  impl_->http->set_pins(std::move(pins));
}

UpstreamState EligibilityClient::state() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->state;
}

const std::string& EligibilityClient::institution() const noexcept {
  return impl_->settings.institution;
}

}  // namespace onshi::eligibility
