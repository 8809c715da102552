// A request body as JSON, checked before any route reads a field: its size, strict UTF-8, the JSON
// syntax (the byte offset of the first error), a bounded depth, one object at the top, and no key
// twice in one object (nlohmann's DOM parse would keep the last one silently, so
// {"insurer_number":"06139995","insurer_number":"01130012"} could mean either).
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string_view>

#include "onshi/api/api_error.hpp"

namespace onshi::api {

// The largest body of one verification request; a 一括照会 of 2000 patients with every field at
// its longest and pretty-printed stays below kMaxBulkBodyBytes (the server's own limit,
// ServerLimits::max_body_bytes, is above both).
inline constexpr std::size_t kMaxBodyBytes = 1024 * 1024;
inline constexpr std::size_t kMaxBulkBodyBytes = 4 * 1024 * 1024;
// No request nests deeper than 3 (body → patients → patient); unknown members may add some.
inline constexpr std::size_t kMaxJsonDepth = 32;

// The body as a JSON object. api_too_large (413) above `max_bytes`; api_bad_request (400) for
// an empty body, invalid UTF-8, invalid JSON ("at byte 17: …"), nesting deeper than
// kMaxJsonDepth, a duplicate key (the error's field is its path, e.g. "patients[3].number"), or a
// top level that is not an object.
ApiResult<nlohmann::json> parse_json_body(std::string_view body,
                                          std::size_t max_bytes = kMaxBodyBytes);

}  // namespace onshi::api
