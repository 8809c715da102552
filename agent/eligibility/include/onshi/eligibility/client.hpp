// The single upstream adapter (architecture.md, "The upstream protocol"): everything that knows
// the eligibility system's wire format — the auth call and its token, the routes, the XmlMsg JSON
// form, what its statuses mean — lives behind this class, so the real specification replaces the
// modelled protocol of onshi-eligsim (tests/sim/eligsim/README.md) here and nowhere else.
// agent/eligibility/README.md has the error table.
//
// One client per institution: each 医療機関コード has its own client certificate
// (eligibility-system.md §3.1), and the token is bound to it.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "onshi/result.hpp"
#include "onshi/tls/client_identity.hpp"
#include "onshi/tls/https_client.hpp"
#include "onshi/xmlmsg/messages.hpp"

namespace onshi::eligibility {

// One institution's connection to the eligibility system.
struct ClientSettings {
  std::string institution;  // 10-digit 医療機関コード: the header's MedicalInstitutionCode
  tls::ClientOptions tls;   // base_url: the service root, e.g. https://127.0.0.1:PORT/oqs-sim/v1
  std::chrono::seconds renew_before{60};  // renew the token this long before expiresIn runs out
};

template <class T>
struct Answer {
  T parsed;
  std::string raw_json;  // the XmlMsg answer as received (for "raw XmlMsg on request")
};

enum class UpstreamHealth { unknown, ok, failing };

struct UpstreamState {
  UpstreamHealth health = UpstreamHealth::unknown;
  std::optional<Error> last_error;  // of the last failed call
  std::optional<std::chrono::system_clock::time_point> last_success, last_failure;
  bool has_token = false;
  std::optional<std::chrono::system_clock::time_point> token_expires;
};

// Thread-safe: any number of threads may call at once (each request on its own connection of
// the pool; one login at a time, which the others wait for).
class EligibilityClient {
 public:
  // Errc::config_invalid for an institution that is not 10 digits or a negative renew_before;
  // otherwise as tls::HttpsClient::create. A missing, expired or not-yet-valid identity is not an
  // error here: every call refuses it before connecting (cert_not_found, cert_expired,
  // cert_not_yet_valid), so the agent can report it per call and take a new one by set_identity.
  static Result<std::unique_ptr<EligibilityClient>> create(
      ClientSettings settings, std::optional<tls::ClientIdentity> identity);
  ~EligibilityClient();
  EligibilityClient(const EligibilityClient&) = delete;
  EligibilityClient& operator=(const EligibilityClient&) = delete;

  // 個別照会. `date` YYYYMMDD (QualificationConfirmationDate), `file_id` the
  // ArbitraryFileIdentifier. QualificationValidity 2-5 are answers; SegmentOfResult 9 and
  // ProcessingResultStatus 2 are Errc::elig_rejected with the upstream code in the message.
  Result<Answer<xmlmsg::QualificationResponse>> search(const xmlmsg::SearchInfo& search,
                                                       std::string_view date,
                                                       std::string_view file_id);
  Result<Answer<xmlmsg::BulkSubmitResponse>> bulk_submit(
      std::span<const xmlmsg::SearchInfo> patients, std::string_view date,
      std::string_view file_id);
  // SegmentOfResult 2 (処理中) is not an error here: parsed.units is empty and
  // header.segment_of_result is "2". A patient's ProcessingResultStatus 2 stays in its unit.
  Result<Answer<xmlmsg::BulkFetchResponse>> bulk_fetch(std::string_view reception_number,
                                                       std::string_view file_id);
  // For part 2 (My Number verification): a fresh single-use challenge, and the verify call.
  struct Challenge {
    std::string id;
    std::string bytes;
    std::chrono::seconds expires_in{};
  };
  Result<Challenge> challenge();
  Result<Answer<xmlmsg::QualificationResponse>> verify(const xmlmsg::VerificationInfo& info,
                                                       std::string_view date,
                                                       std::string_view file_id);

  // SIGHUP / import: a new identity (drops the token: it is bound to the old certificate); new
  // pins. Requests already running finish on the old ones.
  Status set_identity(std::optional<tls::ClientIdentity> identity);
  void set_pins(std::vector<tls::Sha256> pins);
  // Health: ok after a call the eligibility system answered (ProcessingResultStatus 2 included:
  // that is one query's content refused), failing with the error after any other failure,
  // untouched by a request refused before sending for its own content (invalid_argument).
  UpstreamState state() const;
  const std::string& institution() const noexcept;

 private:
  struct Impl;
  explicit EligibilityClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace onshi::eligibility
