// A local-API request body is untrusted: whatever a receipt program (or anything else that reaches
// the socket) sends, the body parser and the verification parsers answer a value or an ApiError
// with a stable code, a message and a 4xx status, never crash, hang or leak. What they accept the
// eligibility system's request builders accept too, and its canonical form is one text.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "onshi/api/bulk_query.hpp"
#include "onshi/api/insurance_query.hpp"
#include "onshi/api/json_body.hpp"
#include "onshi/api/mynumber_query.hpp"
#include "onshi/api/result_json.hpp"
#include "onshi/api/signature_request.hpp"
#include "onshi/xmlmsg/json_form.hpp"

namespace {

using namespace onshi::api;

const std::vector<std::string> kOne{"0110113719"};
const std::vector<std::string> kTwo{"0110113719", "2714206386"};

std::chrono::system_clock::time_point now() {
  return std::chrono::sys_days{std::chrono::year{2026} / 12 / 2};
}

void check_error(const ApiError& e, bool body_level) {
  if (e.code.empty() || e.message.empty()) std::abort();
  if (e.http_status == 400) return;
  if (body_level && e.http_status == 413 && e.code == "api_too_large") return;
  // The insurance-card parser answers 501 for "mynumber": the server hands that method to
  // parse_mynumber_query before it (insurance_query.hpp).
  if (!body_level && e.http_status == 501 && e.code == "not_supported") return;
  std::abort();
}

bool configured(const std::string& code, const std::vector<std::string>& institutions) {
  for (const auto& c : institutions) {
    if (c == code) return true;
  }
  return false;
}

void check_single(const nlohmann::json& body, const std::vector<std::string>& institutions) {
  auto q = parse_insurance_card_query(body, institutions, now());
  if (!q) return check_error(q.error(), false);
  if (!configured(q->institution, institutions)) std::abort();
  if (!onshi::xmlmsg::make_search_request({q->date, q->institution, "fuzz"}, q->search)) {
    std::abort();
  }
  // One meaning, one text: the same body parses to the same canonical form, and both it and the
  // journal record are valid JSON text.
  auto again = parse_insurance_card_query(body, institutions, now());
  if (!again || canonical_request(*again) != canonical_request(*q)) std::abort();
  if (!nlohmann::json::accept(canonical_request(*q))) std::abort();
  (void)journal_request_json(*q).dump();
}

void check_bulk(const nlohmann::json& body, const std::vector<std::string>& institutions) {
  auto q = parse_bulk_query(body, institutions, now());
  if (!q) return check_error(q.error(), false);
  if (q->patients.empty() || q->patients.size() > kMaxBulkPatients) std::abort();
  std::set<std::string> ids;
  for (const auto& p : q->patients) {
    if (p.arbitrary_identifier.empty() || !ids.insert(p.arbitrary_identifier).second) std::abort();
  }
  if (!onshi::xmlmsg::make_bulk_submit_request({q->date, q->institution, "fuzz"}, q->patients)) {
    std::abort();
  }
  if (!nlohmann::json::accept(canonical_request(*q))) std::abort();
  (void)journal_request_json(*q).dump();
}

void check_mynumber(const nlohmann::json& body, const std::vector<std::string>& institutions) {
  auto q = parse_mynumber_query(body, institutions, now());
  if (!q) {
    if (q.error().http_status == 501) std::abort();
    return check_error(q.error(), false);
  }
  if (!configured(q->institution, institutions)) std::abort();
  if (q->timeout.count() < 10 || q->timeout.count() > 600) std::abort();
  if (q->pin && q->pin->size() != 4) std::abort();
  // The PIN is never part of the canonical form or the journal record: a request with it and
  // the same one without it differ only in pin_given.
  const std::string text = canonical_request(*q);
  if (!nlohmann::json::accept(text)) std::abort();
  auto record = journal_request_json(*q);
  if (record.at("pin_given") != (q->pin != nullptr)) std::abort();
  if (q->pin) {
    auto without = *q;
    without.pin.reset();
    auto plain = journal_request_json(without);
    plain["pin_given"] = true;
    if (plain != record) std::abort();
  }
  auto again = parse_mynumber_query(body, institutions, now());
  if (!again || canonical_request(*again) != text) std::abort();
}

void check_signature(const nlohmann::json& body, const std::vector<std::string>& institutions) {
  auto r = parse_signature_request(body, institutions);
  if (!r) return check_error(r.error(), false);
  if (!configured(r->institution, institutions) || r->sha256.size() != 32) std::abort();
  if (r->pin && (r->pin->size() < 4 || r->pin->size() > 16)) std::abort();
  if (journal_request_json(*r).at("pin_given") != (r->pin != nullptr)) std::abort();
  if (!nlohmann::json::accept(canonical_request(*r))) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto body = parse_json_body(text, kMaxBulkBodyBytes);
  if (!body) {
    check_error(body.error(), true);
    (void)to_json(body.error()).dump();
  } else {
    check_single(*body, kOne);
    check_single(*body, kTwo);
    check_bulk(*body, kOne);
    check_bulk(*body, kTwo);
    check_mynumber(*body, kOne);
    check_mynumber(*body, kTwo);
    check_signature(*body, kOne);
    check_signature(*body, kTwo);
  }
  // The same bytes as an eligibility answer: what parses becomes the API's JSON, which must dump
  // as strict UTF-8 (the server writes it with the default, throwing, error handler).
  if (auto msg = onshi::xmlmsg::parse_json(text)) {
    if (auto r = onshi::xmlmsg::parse_qualification_response(*msg)) {
      (void)qualification_json(*r).dump();
    }
    if (auto r = onshi::xmlmsg::parse_bulk_fetch_response(*msg)) (void)bulk_json(*r).dump();
  }
  return 0;
}
