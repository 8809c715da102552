// The local API's errors: the HTTP status and the JSON body a caller gets for every failure, from
// onshi's one error table (onshi/error.hpp). The `code` is the table's stable name
// (anchors-and-conventions.md §3.5: every error has a stable code); `field` names the request
// field at fault so a receipt-software vendor can point at it.
//
//   {"error":{"code":"invalid_argument",
//             "message":"insurer_number: 06139994 fails its check digit (should end in 5)",
//             "field":"insurer_number"}}
#pragma once

#include <nlohmann/json.hpp>

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "onshi/error.hpp"

namespace onshi::api {

struct ApiError {
  int http_status = 500;
  std::string code;  // errc_name(), stable
  std::string message;
  std::optional<int> retries_remaining;
  std::optional<std::string> field;  // the request field at fault, e.g. "insurer_number"
  nlohmann::json details = nlohmann::json::object();  // e.g. {"next_action": …}, {"errors": […]}
};

// The HTTP status of every error code; the table with its reasons is in api_error.cpp. Always
// 400..599.
int http_status_for(Errc code) noexcept;

// An error of the table with this message (and field): status and code from `code`.
ApiError make_api_error(Errc code, std::string message,
                        std::optional<std::string> field = std::nullopt);
// A lower layer's error as the API answers it; an empty message gets the table's text.
ApiError to_api_error(const Error& e, std::optional<std::string> field = std::nullopt);

// {"error":{"code","message",["retries_remaining"],["field"],["details"]}}: the optional members
// only when set (details when not empty).
nlohmann::json to_json(const ApiError& e);

// What the request parsers return: a value or the ApiError to answer with (onshi::Result carries
// an onshi::Error, which has no field or details).
template <typename T>
class [[nodiscard]] ApiResult {
 public:
  using value_type = T;

  ApiResult(T value) : v_(std::in_place_index<0>, std::move(value)) {}         // NOLINT: implicit
  ApiResult(ApiError error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & {
    assert(has_value());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(has_value());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const ApiError& error() const& {
    assert(!has_value());
    return std::get<1>(v_);
  }
  ApiError&& error() && {
    assert(!has_value());
    return std::get<1>(std::move(v_));
  }

 private:
  std::variant<T, ApiError> v_;
};

}  // namespace onshi::api
