// The single upstream adapter (architecture.md, "The upstream protocol"): everything that knows
// the eligibility system's wire format — the auth call and its token, the routes, the XmlMsg JSON
// form — lives behind this class, so the real specification replaces the modelled protocol of
// onshi-eligsim (tests/sim/eligsim/README.md) here and nowhere else.
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

struct ClientSettings {
  std::string institution;  // 10-digit 医療機関コード: the header's MedicalInstitutionCode
  tls::ClientOptions tls;   // base_url: the service root, e.g. https://host:port/oqs-sim/v1
  std::chrono::seconds renew_before{60};  // renew the token this long before it runs out
};

template <class T>
struct Answer {
  T parsed;
  std::string raw_json;  // the XmlMsg answer as received (for "raw XmlMsg on request")
};

enum class UpstreamHealth { unknown, ok, failing };

struct UpstreamState {
  UpstreamHealth health = UpstreamHealth::unknown;
  std::optional<Error> last_error;
  std::optional<std::chrono::system_clock::time_point> last_success, last_failure;
  bool has_token = false;
  std::optional<std::chrono::system_clock::time_point> token_expires;
};

class EligibilityClient {
 public:
  // Errc::config_invalid / cert_* as tls::HttpsClient::create.
  static Result<std::unique_ptr<EligibilityClient>> create(
      ClientSettings settings, std::optional<tls::ClientIdentity> identity);
  ~EligibilityClient();
  EligibilityClient(const EligibilityClient&) = delete;
  EligibilityClient& operator=(const EligibilityClient&) = delete;

  // 個別照会. `date` YYYYMMDD (QualificationConfirmationDate), `file_id` the
  // ArbitraryFileIdentifier. SegmentOfResult 9 and ProcessingResultStatus 2 are errors
  // (Errc::elig_rejected with the upstream code); validity 2-5 are answers.
  Result<Answer<xmlmsg::QualificationResponse>> search(const xmlmsg::SearchInfo& search,
                                                       std::string_view date,
                                                       std::string_view file_id);
  Result<Answer<xmlmsg::BulkSubmitResponse>> bulk_submit(
      std::span<const xmlmsg::SearchInfo> patients, std::string_view date,
      std::string_view file_id);
  // SegmentOfResult 2 (処理中) is not an error: parsed.units is empty and
  // header.segment_of_result is "2".
  Result<Answer<xmlmsg::BulkFetchResponse>> bulk_fetch(std::string_view reception_number,
                                                       std::string_view file_id);
  // For the My Number verification: a fresh single-use challenge, and the verify call.
  struct Challenge {
    std::string id;
    std::string bytes;
    std::chrono::seconds expires_in{};
  };
  Result<Challenge> challenge();
  Result<Answer<xmlmsg::QualificationResponse>> verify(const xmlmsg::VerificationInfo& info,
                                                       std::string_view date,
                                                       std::string_view file_id);

  // A new identity drops the token (it is bound to the old certificate).
  Status set_identity(std::optional<tls::ClientIdentity> identity);
  void set_pins(std::vector<tls::Sha256> pins);
  UpstreamState state() const;
  const std::string& institution() const noexcept;

  struct Impl;

 private:
  explicit EligibilityClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The mapping of an upstream HTTP answer that is not 200 to onshi's error (README "Errors"):
// 401 elig_unauthorized, other statuses http_status, with the status in Error::native.
Error http_error(int status, std::string_view body);

}  // namespace onshi::eligibility
