// onshi's result type at layer boundaries: a value or an onshi::Error, in the shape of C++23's
// std::expected so it can be swapped for it once the toolchains have it (GCC 12 does not).
#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

#include "onshi/error.hpp"

namespace onshi {

// Wraps an Error so `return fail(...)` converts into any Result<T>.
struct Unexpected {
  Error error;
};

inline Unexpected fail(Error e) { return Unexpected{std::move(e)}; }
inline Unexpected fail(Errc code, std::string message) {
  return Unexpected{Error{code, std::move(message)}};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  using value_type = T;

  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Unexpected u) : v_(std::in_place_index<1>, std::move(u.error)) {}  // NOLINT
  Result(Error e) : v_(std::in_place_index<1>, std::move(e)) {}  // NOLINT

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

  const Error& error() const& {
    assert(!has_value());
    return std::get<1>(v_);
  }
  Error&& error() && {
    assert(!has_value());
    return std::get<1>(std::move(v_));
  }

  template <typename U>
  T value_or(U&& fallback) const& {
    return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  using value_type = void;

  Result() = default;
  Result(Unexpected u) : error_(std::move(u.error)), ok_(false) {}  // NOLINT
  Result(Error e) : error_(std::move(e)), ok_(false) {}  // NOLINT

  bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  void value() const { assert(ok_); }

  const Error& error() const& {
    assert(!ok_);
    return error_;
  }
  Error&& error() && {
    assert(!ok_);
    return std::move(error_);
  }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace onshi

// Propagates the error of a Result expression, like Rust's `?`.
#define ONSHI_TRY(expr)                                              \
  do {                                                               \
    auto onshi_try_result_ = (expr);                                 \
    if (!onshi_try_result_) return ::onshi::Unexpected{std::move(onshi_try_result_).error()}; \
  } while (0)

// Binds the value of a Result expression to `lhs` or propagates its error.
#define ONSHI_TRY_ASSIGN(lhs, expr) ONSHI_TRY_ASSIGN_IMPL_(ONSHI_CONCAT_(onshi_r_, __LINE__), lhs, expr)
#define ONSHI_CONCAT_INNER_(a, b) a##b
#define ONSHI_CONCAT_(a, b) ONSHI_CONCAT_INNER_(a, b)
#define ONSHI_TRY_ASSIGN_IMPL_(tmp, lhs, expr)                                 \
  auto tmp = (expr);                                                           \
  if (!tmp) return ::onshi::Unexpected{std::move(tmp).error()};                \
  lhs = std::move(tmp).value()
