#include "onshi/api/signature_request.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "request_fields.hpp"

namespace onshi::api {
namespace {

using nlohmann::json;

constexpr std::size_t kSha256HexDigits = 64;
// cards-and-readers.md §2.1 (the JAHIS token info): ulMinPinLen 4, ulMaxPinLen 16.
constexpr std::size_t kMinPin = 4;
constexpr std::size_t kMaxPin = 16;

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool printable_ascii(char c) { return c >= 0x21 && c <= 0x7E; }

}  // namespace

std::string_view hpki_application_name(HpkiApplication app) noexcept {
  return app == HpkiApplication::signature ? "signature" : "authentication";
}

ApiResult<SignatureRequest> parse_signature_request(const json& body,
                                                    std::span<const std::string> institutions) {
  if (!body.is_object()) {
    return make_api_error(Errc::api_bad_request, "the body must be a JSON object");
  }
  if (auto e = detail::no_institution_configured(institutions)) return std::move(*e);

  detail::Problems problems;
  SignatureRequest r;
  r.institution = detail::resolve_institution(body, institutions, problems);
  if (auto hex = detail::string_member(body, "sha256", "sha256", problems)) {
    const bool ok =
        hex->size() == kSha256HexDigits && std::all_of(hex->begin(), hex->end(), is_hex);
    auto bytes = ok ? from_hex(*hex) : std::nullopt;
    if (!bytes || bytes->size() != kSha256HexDigits / 2) {
      problems.add("sha256", "must be a SHA-256 hash: 64 hex digits, without spaces");
    } else {
      r.sha256 = std::move(*bytes);
    }
  } else if (!body.contains("sha256") || body.at("sha256").is_null()) {
    problems.add("sha256", "required: the SHA-256 hash to sign, 64 hex digits");
  }
  if (auto reader = detail::string_member(body, "reader", "reader", problems)) {
    if (detail::check_identifier_text(*reader, 128, "a reader", "reader", problems)) {
      r.reader = std::move(*reader);
    }
  }
  if (auto app = detail::string_member(body, "application", "application", problems)) {
    if (*app == "signature") {
      r.application = HpkiApplication::signature;
    } else if (*app == "authentication") {
      r.application = HpkiApplication::authentication;
    } else {
      problems.add("application", fmt::format("{} is not an HPKI application: signature or "
                                              "authentication",
                                              detail::quote_value(*app)));
    }
  }
  r.use_last_try = detail::bool_member(body, "use_last_try", "use_last_try", false, problems);
  if (auto t = detail::seconds_member(body, "timeout_seconds", detail::kMinSessionTimeout,
                                      detail::kMaxSessionTimeout, problems)) {
    r.timeout = *t;
  }
  r.pin = detail::secret_member(
      body, "pin",
      [](std::string_view t) {
        return t.size() >= kMinPin && t.size() <= kMaxPin &&
               std::all_of(t.begin(), t.end(), printable_ascii);
      },
      "must be the HPKI card's PIN as a string: 4 to 16 printable ASCII characters", problems);
  if (!problems.empty()) return problems.error();
  return r;
}

std::string canonical_request(const SignatureRequest& r) {
  return journal_request_json(r).dump(-1, ' ', false, json::error_handler_t::replace);
}

json journal_request_json(const SignatureRequest& r) {
  return json{{"institution", r.institution},
              {"reader", r.reader ? json(*r.reader) : json(nullptr)},
              {"application", hpki_application_name(r.application)},
              {"sha256", to_hex(r.sha256)},
              {"use_last_try", r.use_last_try},
              {"timeout_seconds", r.timeout.count()},
              {"pin_given", r.pin != nullptr}};
}

}  // namespace onshi::api
